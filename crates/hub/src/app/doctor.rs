//! `frontdoor-hub doctor` and the console's *Check Cobot*: every assumption Frontdoor makes about
//! the space's Cobot, checked against the real thing and said in words, so a space confirms on
//! day one what no simulator can.
//!
//! Each check reads Cobot (or what the hub recorded from Cobot) and ends in `ok`, `warn` (works,
//! but something deserves a look), `fail` (a part of Frontdoor will not work until it is fixed)
//! or `unknown` (nothing to go on yet, with what to do to find out):
//! - **discovery** — the sign-in issuer's discovery document names itself and offers PKCE S256;
//! - **id_token** — the last sign-in's ID token carried what Frontdoor verifies (`nonce`, `exp`,
//!   an RS256 signature), or why it was refused, and whether its `sub` equals `/api/user`'s id
//!   (the id the hub knows people by);
//! - **sign_in** — how the last member sign-in ended (at any step: the token endpoint, the ID
//!   token, `/api/user`), and the last failure's reason even after a success;
//! - **plug** — how the last attempt to connect Cobot in the console ended, and why (and the
//!   last failure's, as for sign-ins);
//! - **token** — the space's token works and belongs to an admin of this space;
//! - **scopes** — Cobot granted every scope Frontdoor asks for (sync, webhooks, check-ins);
//! - **space** — Cobot's time zone for the space is the one Frontdoor counts days in;
//! - **webhooks** — every subscription exists and is active (Cobot deactivates after failures);
//! - **work_sessions** — whether `GET /api/work_sessions` shows the whole space or only the
//!   token owner's own check-ins (Cobot's two documentation pages disagree);
//! - **rate_limit** — how much of Cobot's per-user budget the hub's own count says is in use.

use std::collections::BTreeSet;
use std::sync::Arc;

use frontdoor_core::auth::ClientCredentials;
use frontdoor_core::cobot::Error as CobotError;
use frontdoor_core::console::{DoctorCheck, DoctorReport, Verdict};
use frontdoor_core::secret::AccessToken;
use jiff::Timestamp;

use crate::app::Hub;

fn check(id: &str, title: &str, verdict: Verdict, words: impl Into<String>) -> DoctorCheck {
    DoctorCheck {
        id: id.into(),
        title: title.into(),
        verdict,
        words: words.into(),
    }
}

pub use crate::store::attempts::Outcome as SignInOutcome;
use crate::store::attempts::Record;

/// Keeps how an attempt to connect Cobot ended, for the doctor and the console.
pub(crate) async fn record_plug(hub: &Hub, outcome: SignInOutcome) {
    let records: &'static [Record] = if outcome.ok {
        &[Record::Plug]
    } else {
        &[Record::Plug, Record::PlugFailure]
    };
    if let Ok(Err(e)) = hub.db(move |store| store.record_outcome(records, &outcome)).await {
        tracing::warn!("the Cobot connection attempt was not recorded: {e}");
    }
}

async fn last_plug(hub: &Hub) -> DoctorCheck {
    let failing = if hub.plug.token().is_some() {
        Verdict::Warn
    } else {
        Verdict::Fail
    };
    attempts(
        hub,
        Attempts {
            id: "plug",
            title: "Connecting Cobot",
            latest: Record::Plug,
            failure: Record::PlugFailure,
            worked: "Connecting asks no openid and reads no ID token: the hub asks Cobot with the new token \
                     whether the person administers the space.",
            none: "Nobody connected Cobot from the console yet (a token from the environment, if any, is used).",
            failing,
        },
    )
    .await
}

async fn last_sign_in(hub: &Hub) -> DoctorCheck {
    attempts(
        hub,
        Attempts {
            id: "sign_in",
            title: "Members signing in",
            latest: Record::SignIn,
            failure: Record::SignInFailure,
            worked: "Cobot redeemed the code, its ID token passed and /api/user said who it was.",
            none: "Nobody has signed in through this hub yet: sign in once from the app, then check again.",
            failing: Verdict::Fail,
        },
    )
    .await
}

/// One kind of attempt, for [`attempts`].
struct Attempts {
    id: &'static str,
    title: &'static str,
    latest: Record,
    failure: Record,
    worked: &'static str,
    none: &'static str,
    failing: Verdict,
}

/// How the latest attempt of a kind ended and, when one worked after a failure, that failure:
/// a success does not erase what staff may still want to read.
async fn attempts(hub: &Hub, kind: Attempts) -> DoctorCheck {
    let (latest, failure) = (kind.latest, kind.failure);
    let read = hub
        .db(move |store| Ok::<_, crate::store::Error>((store.outcome(latest)?, store.outcome(failure)?)))
        .await;
    let why = |o: SignInOutcome| o.problem.unwrap_or_else(|| "no reason recorded".into());
    match read {
        Ok(Ok((Some(SignInOutcome { at, ok: true, .. }), failed))) => {
            let mut words = format!("The last one ({at}) worked. {}", kind.worked);
            if let Some(failed) = failed {
                words.push_str(&format!(
                    " An earlier one ({}) failed: {}",
                    failed.at.clone(),
                    why(failed)
                ));
            }
            check(kind.id, kind.title, Verdict::Ok, words)
        }
        Ok(Ok((Some(last), _))) => check(
            kind.id,
            kind.title,
            kind.failing,
            format!("The last one ({}) failed: {}", last.at.clone(), why(last)),
        ),
        Ok(Ok((None, _))) => check(kind.id, kind.title, Verdict::Ok, kind.none),
        Ok(Err(e)) => check(
            kind.id,
            kind.title,
            Verdict::Unknown,
            format!("The hub's record could not be read: {e}"),
        ),
        Err(e) => check(kind.id, kind.title, Verdict::Unknown, e.message().to_string()),
    }
}

/// Runs every check, in order, against the configured Cobot. Never fails as a whole: a check
/// that cannot run says why.
pub async fn run(hub: &Arc<Hub>) -> DoctorReport {
    let now = hub.clock.now();
    let mut checks = vec![
        discovery(hub).await,
        last_sign_in(hub).await,
        id_token(hub).await,
        last_plug(hub).await,
    ];
    match hub.plug.token() {
        None => checks.push(check(
            "token",
            "The space's Cobot token",
            Verdict::Fail,
            "The hub has no Cobot token: connect Cobot on the console's Cobot tab (or give the hub \
             FRONTDOOR_HUB_COBOT_TOKEN). Without it the hub cannot sync, so the remaining checks were skipped.",
        )),
        Some(token) => {
            checks.push(token_owner(hub, &token).await);
            checks.push(scopes(hub, &token).await);
            checks.push(space(hub, &token).await);
            checks.push(webhooks(hub, &token).await);
            checks.push(work_sessions(hub, &token, now).await);
            checks.push(rate_limit(hub, &token));
        }
    }
    DoctorReport {
        at: now.to_string(),
        checks,
    }
}

async fn discovery(hub: &Hub) -> DoctorCheck {
    const TITLE: &str = "Sign-in discovery";
    let issuer = hub.config.sign_in_issuer();
    // Discovery sends nothing secret; the client's secret is only ever sent to the token endpoint.
    let credentials = ClientCredentials {
        id: hub.config.cobot.client_id.clone(),
        secret: frontdoor_core::secret::ClientSecret::new(""),
    };
    match frontdoor_core::auth::OidcClient::discover(hub.http.clone(), &issuer, credentials).await {
        Ok(_) => check(
            "discovery",
            TITLE,
            Verdict::Ok,
            format!(
                "{issuer} publishes its discovery document, names itself as the issuer and offers what \
                 Frontdoor uses (authorization code, PKCE S256 where advertised)."
            ),
        ),
        Err(e) => check(
            "discovery",
            TITLE,
            Verdict::Fail,
            format!(
                "Members cannot sign in at {issuer}: {e} If Cobot is reachable, set [cobot] issuer to \"space\", \
                 \"www\" or your custom domain's address."
            ),
        ),
    }
}

async fn id_token(hub: &Hub) -> DoctorCheck {
    const TITLE: &str = "ID token claims";
    let last = hub.db(|store| store.outcome(Record::IdToken)).await;
    match last {
        Ok(Ok(Some(SignInOutcome {
            at,
            ok: true,
            subject,
            user_id,
            ..
        }))) => {
            let passed = format!(
                "The last sign-in ({at}) had an ID token signed with RS256 for this hub's client that passed \
                 Frontdoor's checks (expiry and issue time always; nonce: {}).",
                nonce_rule(hub)
            );
            match (subject, user_id) {
                (Some(sub), Some(id)) if sub == id => check(
                    "id_token",
                    TITLE,
                    Verdict::Ok,
                    format!("{passed} Its subject (sub) is the person's Cobot user id, {id}, as /api/user says."),
                ),
                (Some(sub), Some(id)) => check(
                    "id_token",
                    TITLE,
                    Verdict::Warn,
                    format!(
                        "{passed} Its subject (sub) is {sub}, but /api/user calls the same person {id}. Frontdoor \
                         knows people by /api/user's id (the one Cobot's memberships carry), so sign-ins work; tell \
                         Frontdoor, as this is not documented."
                    ),
                ),
                _ => check(
                    "id_token",
                    TITLE,
                    Verdict::Unknown,
                    format!("{passed} Whether its subject (sub) equals /api/user's id shows after the next sign-in."),
                ),
            }
        }
        Ok(Ok(Some(SignInOutcome { at, problem, .. }))) => {
            let problem = problem.unwrap_or_else(|| "no reason recorded".into());
            let advice = if problem.contains("nonce")
                && hub.config.cobot.id_token_nonce == crate::base::config::IdTokenNonce::Required
            {
                " If this Cobot's ID tokens carry no nonce, set [cobot] id_token_nonce = \"when_present\" (the code \
                 is still bound to the sign-in by PKCE, state and the client secret)."
            } else {
                " Report this to Frontdoor with these words."
            };
            check(
                "id_token",
                TITLE,
                Verdict::Fail,
                format!(
                    "The last sign-in ({at}) was refused: {problem}. Members cannot sign in until Cobot's ID tokens \
                     pass (nonce: {}).{advice}",
                    nonce_rule(hub)
                ),
            )
        }
        Ok(Ok(None)) => check(
            "id_token",
            TITLE,
            Verdict::Unknown,
            "Nobody has signed in through this hub yet: sign in once from the app, then check again to see \
             whether Cobot's ID tokens carry the nonce and expiry Frontdoor verifies.",
        ),
        Ok(Err(e)) => check(
            "id_token",
            TITLE,
            Verdict::Unknown,
            format!("The hub's record could not be read: {e}"),
        ),
        Err(e) => check(
            "id_token",
            TITLE,
            Verdict::Unknown,
            format!("The hub's record could not be read: {}", e.message()),
        ),
    }
}

/// The nonce rule in force, in words.
fn nonce_rule(hub: &Hub) -> String {
    match hub.config.cobot.id_token_nonce {
        crate::base::config::IdTokenNonce::Required => "required, the default ([cobot] id_token_nonce)".into(),
        crate::base::config::IdTokenNonce::WhenPresent => {
            "checked when present ([cobot] id_token_nonce = \"when_present\")".into()
        }
    }
}

/// A check that could not ask Cobot.
fn unreachable_cobot(id: &str, title: &str, e: &CobotError) -> DoctorCheck {
    check(
        id,
        title,
        Verdict::Unknown,
        format!("Cobot could not be asked: {e} Run the check again when Cobot answers."),
    )
}

async fn token_owner(hub: &Hub, token: &AccessToken) -> DoctorCheck {
    const TITLE: &str = "The space's Cobot token";
    let space = hub.config.space.subdomain.as_str().to_string();
    match hub.cobot_now.user(token).await {
        Ok(user) if user.admin_of.iter().any(|a| a.space_subdomain == space) => check(
            "token",
            TITLE,
            Verdict::Ok,
            format!(
                "Cobot accepts the hub's token; it acts for {}, an admin of {space}.",
                user.name.clone().or(user.email.clone()).unwrap_or(user.id)
            ),
        ),
        Ok(user) => check(
            "token",
            TITLE,
            Verdict::Fail,
            format!(
                "Cobot accepts the hub's token, but {} is not an admin of {space}, so the hub cannot read the \
                 space's memberships. Reconnect Cobot as an admin of the space.",
                user.name.clone().or(user.email.clone()).unwrap_or(user.id)
            ),
        ),
        Err(e @ (CobotError::SignInAgain | CobotError::Forbidden(_))) => check(
            "token",
            TITLE,
            Verdict::Fail,
            format!("Cobot refused the hub's token ({e}) Reconnect Cobot on the console's Cobot tab."),
        ),
        Err(e) => unreachable_cobot("token", TITLE, &e),
    }
}

/// The scopes each part of Frontdoor needs, with what stops working without it.
fn needs(hub: &Hub) -> Vec<(String, &'static str)> {
    let mut wanted: Vec<(String, &'static str)> = hub
        .config
        .cobot
        .sync_scopes
        .iter()
        .map(|s| (s.clone(), "the sync"))
        .collect();
    let check_in = hub.config.cobot.check_in_scope.as_str().to_string();
    if !wanted.iter().any(|(s, _)| *s == check_in) {
        wanted.push((check_in, "checking members in"));
    }
    wanted
}

async fn scopes(hub: &Hub, token: &AccessToken) -> DoctorCheck {
    const TITLE: &str = "Scopes Cobot granted";
    match hub.cobot_now.token_info(token).await {
        Ok(info) => {
            let granted: BTreeSet<&str> = info.scope.iter().map(String::as_str).collect();
            let missing: Vec<String> = needs(hub)
                .into_iter()
                .filter(|(s, _)| !granted.contains(s.as_str()))
                .map(|(s, what)| format!("{s} (for {what})"))
                .collect();
            if missing.is_empty() {
                check(
                    "scopes",
                    TITLE,
                    Verdict::Ok,
                    format!(
                        "Cobot granted every scope Frontdoor asks for: {}.",
                        info.scope.join(", ")
                    ),
                )
            } else {
                check(
                    "scopes",
                    TITLE,
                    Verdict::Fail,
                    format!(
                        "Cobot did not grant {}. Reconnect Cobot on the console's Cobot tab and allow them; \
                         granted now: {}.",
                        missing.join(", "),
                        info.scope.join(", ")
                    ),
                )
            }
        }
        Err(e) => check(
            "scopes",
            TITLE,
            Verdict::Unknown,
            format!("Cobot did not say which scopes the token has: {e}"),
        ),
    }
}

async fn space(hub: &Hub, token: &AccessToken) -> DoctorCheck {
    const TITLE: &str = "The space's time zone";
    let ours = hub.config.space.time_zone.clone();
    match hub.cobot_now.space(token, &hub.config.space.subdomain).await {
        Ok(space) => match space.time_zone_name {
            Some(zone) if zone == ours => check(
                "space",
                TITLE,
                Verdict::Ok,
                format!("Cobot and Frontdoor both count the space's days in {zone}."),
            ),
            Some(zone) => check(
                "space",
                TITLE,
                Verdict::Fail,
                format!(
                    "Cobot runs the space in {zone}, Frontdoor in {ours}: schedules and check-in days would be off. \
                     Set [space] time_zone = \"{zone}\"."
                ),
            ),
            None => check(
                "space",
                TITLE,
                Verdict::Unknown,
                format!("Cobot did not name the space's time zone; Frontdoor uses {ours}."),
            ),
        },
        Err(e) => check(
            "space",
            TITLE,
            Verdict::Unknown,
            format!("Cobot did not describe the space: {e}"),
        ),
    }
}

async fn webhooks(hub: &Hub, token: &AccessToken) -> DoctorCheck {
    const TITLE: &str = "Webhook subscriptions";
    let Some(public_url) = hub.config.hub.public_url.clone() else {
        return check(
            "webhooks",
            TITLE,
            Verdict::Warn,
            "The hub has no [hub] public_url, so Cobot cannot reach it and it does not subscribe: changes in \
             Cobot arrive with the next scheduled sync only.",
        );
    };
    let secret = match hub.db(|store| store.webhook_secret()).await {
        Ok(Ok(secret)) => secret,
        Ok(Err(e)) => return check("webhooks", TITLE, Verdict::Unknown, format!("{e}")),
        Err(e) => return check("webhooks", TITLE, Verdict::Unknown, e.message().to_string()),
    };
    let subscriptions = match hub.cobot_now.subscriptions(token, &hub.config.space.subdomain).await {
        Ok(s) => s,
        Err(e) => {
            return check(
                "webhooks",
                TITLE,
                Verdict::Unknown,
                format!("Cobot did not list the subscriptions: {e}"),
            )
        }
    };
    let mut missing = Vec::new();
    let mut inactive = Vec::new();
    for event in crate::app::sync::EVENTS {
        let callback = crate::app::sync::webhook_url(&public_url, &secret, event);
        let ours: Vec<_> = subscriptions
            .iter()
            .filter(|s| s.event == *event && s.callback_url == callback.as_str())
            .collect();
        if ours.is_empty() {
            missing.push(*event);
        } else if !ours.iter().any(|s| s.active) {
            inactive.push(*event);
        }
    }
    match (missing.is_empty(), inactive.is_empty()) {
        (true, true) => check(
            "webhooks",
            TITLE,
            Verdict::Ok,
            format!(
                "All {} subscriptions are active and point at {public_url}.",
                crate::app::sync::EVENTS.len()
            ),
        ),
        (true, false) => check(
            "webhooks",
            TITLE,
            Verdict::Warn,
            format!(
                "Cobot deactivated {} after failed deliveries; the next scheduled sync renews them. Until then \
                 those changes arrive with the scheduled sync only.",
                inactive.join(", ")
            ),
        ),
        (false, _) => check(
            "webhooks",
            TITLE,
            Verdict::Fail,
            format!(
                "Cobot has no subscription for {} to {public_url}; the hub subscribes at start and at every \
                 scheduled sync. Check that Cobot can reach {public_url}.",
                missing.join(", ")
            ),
        ),
    }
}

async fn work_sessions(hub: &Hub, token: &AccessToken, now: Timestamp) -> DoctorCheck {
    const TITLE: &str = "Check-ins Cobot shows the hub";
    let from = now
        .checked_sub(jiff::SignedDuration::from_hours(24 * 30))
        .unwrap_or(now);
    let sessions = match hub
        .cobot_now
        .work_sessions(token, &hub.config.space.subdomain, from, now)
        .await
    {
        Ok(s) => s,
        Err(
            e @ (CobotError::NotFound(_)
            | CobotError::RateLimited { .. }
            | CobotError::Unreachable(_)
            | CobotError::Down(_)
            | CobotError::Malformed(_)),
        ) => return unreachable_cobot("work_sessions", TITLE, &e),
        Err(e @ (CobotError::SignInAgain | CobotError::Forbidden(_) | CobotError::Refused(_))) => {
            return check(
                "work_sessions",
                TITLE,
                Verdict::Fail,
                format!(
                    "Cobot refused to list the space's check-ins ({e}): the hub cannot tell whether a member is \
                     already checked in, so it does not check anyone in. Grant read_check_ins."
                ),
            )
        }
    };
    let owner = hub.cobot_now.user(token).await.ok();
    let own: BTreeSet<String> = owner
        .map(|u| u.memberships.iter().map(|m| m.id.clone()).collect())
        .unwrap_or_default();
    let members: BTreeSet<String> = sessions
        .iter()
        .filter_map(|s| s.membership.as_ref().map(|m| m.id.clone()))
        .collect();
    let others = members.iter().filter(|m| !own.contains(*m)).count();
    if others > 0 {
        check(
            "work_sessions",
            TITLE,
            Verdict::Ok,
            format!(
                "Cobot shows the hub the whole space's check-ins ({} check-ins of {} members in 30 days).",
                sessions.len(),
                members.len()
            ),
        )
    } else {
        check(
            "work_sessions",
            TITLE,
            Verdict::Unknown,
            format!(
                "In the last 30 days Cobot showed {} check-ins, none of another member's. Either nobody else \
                 checked in, or Cobot shows an admin only their own. Check again after members came in; if it \
                 stays so, tell Frontdoor.",
                sessions.len()
            ),
        )
    }
}

fn rate_limit(hub: &Hub, token: &AccessToken) -> DoctorCheck {
    const TITLE: &str = "Rate-limit headroom";
    let ((used, limit), (lists, lists_limit)) = hub.cobot.budget_in_use(token);
    let verdict = if used * 2 > limit { Verdict::Warn } else { Verdict::Ok };
    check(
        "rate_limit",
        TITLE,
        verdict,
        format!(
            "In the last minute the hub used {used} of the {limit} requests it allows itself with this token \
             (Cobot allows 60 per user; the sync, webhook re-reads, check-ins and these checks share them) and \
             {lists} of {lists_limit} memberships lists (Cobot allows 6). Cobot publishes no remaining-budget \
             header, so this is the hub's own count."
        ),
    )
}

/// The report as the command line prints it; `true` when nothing failed.
pub fn print(report: &DoctorReport, out: &mut impl std::io::Write) -> bool {
    let mut healthy = true;
    for c in &report.checks {
        let mark = match c.verdict {
            Verdict::Ok => "ok     ",
            Verdict::Warn => "WARN   ",
            Verdict::Fail => {
                healthy = false;
                "FAIL   "
            }
            Verdict::Unknown => "unknown",
        };
        let _ = writeln!(out, "{mark} {}: {}", c.title, c.words);
    }
    healthy
}
