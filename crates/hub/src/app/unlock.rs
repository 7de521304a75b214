//! The unlock path: `POST /api/v1/doors/{door}/unlock`.
//!
//! In order, and failing closed at every step:
//! 1. the hub session must be valid (a forged or expired one is refused);
//! 2. the door must exist;
//! 3. the person must be under their per-minute limit;
//! 4. a second tap on the same door while the first is under way, or while the strike is still
//!    released, joins the first: the relay is pulsed **once** ("merge double taps");
//! 5. the decision: staff may open every door; anyone else needs a membership in the snapshot
//!    that is active, a group that grants the door, and that group's schedule open now — the
//!    pure [`Rules::evaluate`](frontdoor_core::access::Rules::evaluate) verdict;
//! 6. **before** the pulse, the audit entry (`opening`, "may have opened") and, on an entrance,
//!    the entry's check-in (held) — unless a check-in of the member still runs at Cobot or is on
//!    its way ([`crate::app::check_in`]) — are committed in one transaction ([`crate::store::journal`]); if
//!    that commit fails, the door stays shut. Where the space refuses members without a pass
//!    (`[check_in] no_pass = "refuse"`), a member (not staff) with no running check-in is first
//!    checked in with Cobot ([`crate::app::check_in::check_in_at_the_door`], bounded by a timeout):
//!    Cobot's refusal keeps the door shut in Cobot's words; no answer in time opens it as usual;
//! 7. the driver pulses the relay (the device closes the door by itself); then the entry gets its
//!    outcome and the held check-in goes to the outbox (or is dropped when the door surely did not
//!    open) — again one commit, before the answer and before Cobot is called;
//! 8. the check-in worker ([`crate::app::check_in`]) is woken; the door never waits for Cobot.
//!
//! Staff's remote open from the console ([`Hub::open_remotely`], for a visitor) takes the same
//! path: refused for anyone but staff, audited with `staff_remote` and staff's reason, merged
//! with a tap under way like any tap, and it queues no check-in. Whether an entrance checks in is
//! staff's check-in policy ([`crate::app::check_ins_view`]), read at every opening.
//!
//! Steps 6 to 8 run in their own task: a person who walks away (the request is dropped) cannot
//! cut an opening off between its pulse and its record. A hub that dies there leaves an
//! `opening` entry and a held check-in, which the next start marks `interrupted` and queues.
//!
//! Every request is audited, refusals included, and nobody can fill the disk or the log with
//! requests:
//! - a person's repeated refusals with the same code on the same door within a minute (in
//!   practice `slow_down`, a hammered Unlock) are **one** audit row whose `count` grows;
//! - anonymous requests beyond [`ANONYMOUS_AUDITS_PER_MINUTE`] are refused without an entry and
//!   without a log line each: one line a minute says how many there were ([`LogBudget`]);
//! - every other log line a request can cause here is budgeted the same way.

use std::collections::{HashMap, HashSet, VecDeque};

use frontdoor_core::hub::Code;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use frontdoor_core::door::Confirmation;
use frontdoor_core::hub::{CheckInNote, UnlockOutcome, UnlockResponse};
use jiff::Timestamp;
use tokio::sync::watch;

use crate::app::check_in::AtTheDoor;
use crate::app::doors::DoorRuntime;
use crate::app::session;
use crate::app::Error;
use crate::app::Hub;
use crate::base::config::{CheckInPolicy, NoPass};
use crate::base::log::LogBudget;
use crate::store::{self, AuditEntry, CheckInIntent, Intent, KnownCheckIn, SessionRow};

/// Requests without a valid session audited per minute; more are refused without an entry.
pub const ANONYMOUS_AUDITS_PER_MINUTE: u32 = 120;

/// The first reasons of a staff remote open's audit entry: the marker and staff's reason.
pub const STAFF_REMOTE: &str = "staff_remote";
/// The first reason of a door test from the console.
pub const STAFF_TEST: &str = "staff_test";

/// Who asks a door to open: a session's bearer (a tap, this hub's console) or the fleet.
#[derive(Clone, Copy)]
enum Caller<'a> {
    /// The bearer token sent, if any.
    Session(Option<&'a str>),
    /// A staff member of the operator, named by the fleet.
    Fleet {
        /// Their name.
        by: &'a str,
    },
}

/// An opening staff make from the console rather than at the door.
#[derive(Debug, Clone)]
pub struct StaffOpen {
    /// [`STAFF_REMOTE`] or [`STAFF_TEST`].
    pub marker: &'static str,
    /// Staff's reason.
    pub reason: String,
}

fn remote_reasons(remote: Option<&StaffOpen>) -> Vec<String> {
    match remote {
        Some(open) => vec![open.marker.to_string(), open.reason.clone()],
        None => Vec::new(),
    }
}

/// What one unlock request ends in, shared with taps merged into it.
type Answer = Result<UnlockResponse, Error>;

/// (Cobot user, door id).
type TapKey = (String, String);

/// (Cobot user, door id — or "" for any door the hub does not have —, refusal code).
type BurstKey = (String, String, String);

/// How long repeated refusals count into one audit row.
pub const BURST_WINDOW: Duration = Duration::from_secs(60);

/// The unlock path's memory: per-person request times, unlocks under way, recent openings, and
/// refusal bursts.
pub struct Unlocks {
    /// Request times per Cobot user within the last minute.
    requests: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Unlocks under way, by (user, door): later taps wait for the first's answer.
    under_way: Mutex<HashMap<TapKey, watch::Receiver<Option<Answer>>>>,
    /// Successful unlocks whose pulse is still running, by (user, door).
    open_until: Mutex<HashMap<TapKey, (Instant, UnlockResponse)>>,
    /// The audit row each refusal burst counts into, and when the burst began. Read and written
    /// only inside journal writes, which run one at a time, so two refusals never both start a row.
    bursts: Arc<Mutex<HashMap<BurstKey, (i64, Instant)>>>,
    /// Anonymous requests refused beyond the audited ones: a count a minute, no line each.
    anonymous_refused: LogBudget,
    /// Refusals whose audit entry could not be written (a full disk): anonymous ones too.
    unrecorded: LogBudget,
    /// Members being checked in at the door right now: a second opening by the same member
    /// meanwhile (another door) does not ask Cobot again.
    door_checks: Mutex<HashSet<String>>,
    /// Check-ins at the door Cobot gave no answer to (the door opened anyway).
    door_check_unanswered: LogBudget,
}

impl Default for Unlocks {
    fn default() -> Self {
        Unlocks {
            requests: Mutex::default(),
            under_way: Mutex::default(),
            open_until: Mutex::default(),
            bursts: Arc::default(),
            anonymous_refused: LogBudget::per_minute(
                format!(
                    "unlock requests without a valid session refused beyond {ANONYMOUS_AUDITS_PER_MINUTE} a minute, not audited"
                ),
                0,
            ),
            unrecorded: LogBudget::per_minute("unlock requests whose audit entry could not be written", 6),
            door_checks: Mutex::default(),
            door_check_unanswered: LogBudget::per_minute(
                "check-ins at the door Cobot did not answer in time; those doors opened as usual",
                6,
            ),
        }
    }
}

impl Unlocks {
    /// Counts a request; `Err(seconds to wait)` when the person is over `per_minute`.
    fn admit(&self, user: &str, per_minute: u32, now: Instant) -> Result<(), u64> {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let window = Duration::from_secs(60);
        let times = requests.entry(user.to_string()).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
            times.pop_front();
        }
        if times.len() >= per_minute as usize {
            let oldest = times.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        times.push_back(now);
        if requests.len() > 10_000 {
            requests.retain(|_, t| t.back().is_some_and(|last| now.duration_since(*last) < window));
        }
        Ok(())
    }
}

/// Ends an unlock under way when dropped — also when the request is cancelled — so later taps
/// never wait on an answer that will not come.
struct UnderWay {
    hub: Arc<Hub>,
    key: TapKey,
    answer: watch::Sender<Option<Answer>>,
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        self.hub
            .unlocks
            .under_way
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
        if self.answer.borrow().is_none() {
            let _ = self.answer.send(Some(Err(Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::Interrupted,
                "The first tap on this door was interrupted. Tap Unlock again.",
            ))));
        }
    }
}

/// Cobot refused to check the member in before the door, in Cobot's words (shown as Cobot said
/// them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
struct CobotRefused(String);

/// A member being checked in at the door; the mark goes when this is dropped, however the check
/// ends.
struct DoorCheck<'a> {
    unlocks: &'a Unlocks,
    membership_id: String,
}

impl<'a> DoorCheck<'a> {
    fn begin(unlocks: &'a Unlocks, membership_id: &str) -> Option<DoorCheck<'a>> {
        let mut checks = unlocks.door_checks.lock().unwrap_or_else(|p| p.into_inner());
        checks.insert(membership_id.to_string()).then(|| DoorCheck {
            unlocks,
            membership_id: membership_id.to_string(),
        })
    }
}

impl Drop for DoorCheck<'_> {
    fn drop(&mut self) {
        self.unlocks
            .door_checks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.membership_id);
    }
}

/// The audit entry being built for one request.
struct Audit {
    entry: AuditEntry,
    started: Instant,
}

impl Audit {
    fn refused(mut self, error: &Error, reasons: Vec<String>) -> AuditEntry {
        self.entry.decision = "refused".into();
        self.entry.code = Some(error.code().as_str().into());
        self.entry.reasons = if reasons.is_empty() {
            vec![error.message().to_string()]
        } else {
            reasons
        };
        self.entry.latency_us = micros(self.started.elapsed());
        self.entry
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Hub {
    /// Handles one unlock request end to end; see the module documentation.
    pub async fn unlock(self: &Arc<Self>, bearer: Option<&str>, door_id: &str) -> Answer {
        self.open_door(Caller::Session(bearer), door_id, None).await
    }

    /// Staff open a door from the console for a visitor, with `reason` (checked by the caller):
    /// the same eight steps as a tap, refused for anyone but staff, audited with `staff_remote`
    /// and the reason, and never a check-in (the person opening is not the one entering).
    pub async fn open_remotely(self: &Arc<Self>, bearer: Option<&str>, door_id: &str, reason: &str) -> Answer {
        let open = StaffOpen {
            marker: STAFF_REMOTE,
            reason: reason.to_string(),
        };
        self.open_door(Caller::Session(bearer), door_id, Some(&open)).await
    }

    /// The operator's staff open a door from the fleet's console ([`crate::app::fleet`]): a
    /// remote open as from this hub's console, audited with `staff_remote`, the fleet's staff
    /// member as `fleet:<name>` and their reason. The fleet checked that they run this space.
    pub async fn open_from_fleet(self: &Arc<Self>, door_id: &str, by: &str, reason: &str) -> Answer {
        let by: String = by.chars().filter(|c| !c.is_control()).take(80).collect();
        let open = StaffOpen {
            marker: STAFF_REMOTE,
            reason: reason.chars().filter(|c| !c.is_control()).take(200).collect(),
        };
        self.open_door(Caller::Fleet { by: &by }, door_id, Some(&open)).await
    }

    /// Staff test a door from the console: a real pulse through the same path as a remote open,
    /// audited with `staff_test`.
    pub async fn test_door(self: &Arc<Self>, bearer: Option<&str>, door_id: &str) -> Answer {
        let open = StaffOpen {
            marker: STAFF_TEST,
            reason: "a door test from the staff console".into(),
        };
        self.open_door(Caller::Session(bearer), door_id, Some(&open)).await
    }

    async fn open_door(self: &Arc<Self>, caller: Caller<'_>, door_id: &str, remote: Option<&StaffOpen>) -> Answer {
        let started = Instant::now();
        let now = self.clock.now();
        let shown_id: String = door_id.chars().take(64).collect();
        let mut audit = Audit {
            entry: AuditEntry {
                at: now,
                user_id: None,
                membership_id: None,
                staff: false,
                door_id: shown_id.clone(),
                decision: String::new(),
                code: None,
                reasons: Vec::new(),
                driver: None,
                driver_result: None,
                may_have_opened: false,
                latency_us: 0,
                check_in: None,
            },
            started,
        };

        // 1. Who.
        let found = match caller {
            Caller::Session(bearer) => session::of(self, bearer, now).await,
            Caller::Fleet { by } => Ok(SessionRow {
                user_id: format!("fleet:{by}"),
                membership_id: None,
                staff: true,
                expires_at: now.as_second().saturating_add(60),
                device_id: "fleet".into(),
            }),
        };
        let session = match found {
            Ok(session) => session,
            Err(error) => {
                if self
                    .unlocks
                    .admit("\0anonymous", ANONYMOUS_AUDITS_PER_MINUTE, started)
                    .is_err()
                {
                    // Counted for the minute's one line, never a line each: forged requests must
                    // not fill the log any more than the audit.
                    self.unlocks.anonymous_refused.admit();
                    return Err(error);
                }
                return self.refuse(audit, error, Vec::new()).await;
            }
        };
        audit.entry.user_id = Some(session.user_id.clone());
        audit.entry.membership_id = session.membership_id.clone();
        audit.entry.staff = session.staff;
        if remote.is_some() && !session.staff {
            let error = Error::new(
                StatusCode::FORBIDDEN,
                Code::NotStaff,
                "Only the space's staff can open doors remotely.",
            );
            let mut reasons = remote_reasons(remote);
            reasons.push(error.message().to_string());
            return self.refuse(audit, error, reasons).await;
        }

        // 2. How often (before anything else is looked at, so no path escapes the limit).
        if let Err(wait) = self
            .unlocks
            .admit(&session.user_id, self.config.unlock.per_minute, started)
        {
            let error = Error::new(
                StatusCode::TOO_MANY_REQUESTS,
                Code::SlowDown,
                format!("That is a lot of unlocking in one minute. Wait {wait} seconds, then try again."),
            );
            return self.refuse(audit, error, Vec::new()).await;
        }

        // 3. Which door.
        let Some(door) = self.doors().get(door_id).cloned() else {
            let error = Error::new(
                StatusCode::NOT_FOUND,
                Code::UnknownDoor,
                format!(
                    "{} has no door “{shown_id}”. Scan the door's sticker again.",
                    self.config.space.name
                ),
            );
            return self.refuse(audit, error, Vec::new()).await;
        };
        audit.entry.driver = door.driver.as_ref().map(|d| d.describe());

        // 4. A double tap joins the first.
        let key = (session.user_id.clone(), door_id.to_string());
        let joined = {
            let mut under_way = self.unlocks.under_way.lock().unwrap_or_else(|p| p.into_inner());
            let open = self
                .unlocks
                .open_until
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .cloned();
            if let Some(first) = under_way.get(&key).cloned() {
                Err(first)
            } else if let Some((_, previous)) = open.filter(|(until, _)| started < *until) {
                let (_, rx) = watch::channel(Some(Ok(previous)));
                Err(rx)
            } else {
                let (answer, rx) = watch::channel(None);
                under_way.insert(key.clone(), rx);
                Ok(answer)
            }
        };
        let guard = match joined {
            Ok(answer) => UnderWay {
                hub: self.clone(),
                key: key.clone(),
                answer,
            },
            Err(first) => return self.merged(audit, first, remote).await,
        };

        // 5.–8. In a task of its own: once a pulse may happen, its record is always written.
        let hub = self.clone();
        let remote = remote.cloned();
        let opening = tokio::spawn(async move {
            let answer = hub.decide_and_open(audit, &session, &door, now, remote.as_ref()).await;
            if let Ok(response) = &answer {
                // Only a confirmed opening holds later taps off: after an unconfirmed one the
                // person is told to tap again, and that tap must pulse.
                if response.outcome == UnlockOutcome::Opened {
                    hub.unlocks
                        .open_until
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(key, (Instant::now() + door.pulse, response.clone()));
                }
            }
            let _ = guard.answer.send(Some(answer.clone()));
            drop(guard);
            answer
        });
        opening
            .await
            .unwrap_or_else(|e| Err(Error::internal(format!("the opening task failed: {e}"))))
    }

    /// Steps 5 to 8.
    async fn decide_and_open(
        &self,
        mut audit: Audit,
        session: &SessionRow,
        door: &DoorRuntime,
        now: Timestamp,
        remote: Option<&StaffOpen>,
    ) -> Answer {
        let snapshot = self.snapshot();
        let member = session.membership_id.as_deref().and_then(|id| snapshot.member(id));
        let reasons = if session.staff {
            let mut reasons = remote_reasons(remote);
            reasons.push(format!("Staff of {} may open every door", self.config.space.name));
            reasons
        } else {
            if snapshot.as_of == Timestamp::default() {
                let error = Error::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Code::NoMembershipData,
                    "The hub has not been able to read the space's memberships from Cobot yet, so it cannot let \
                     anyone in. Ask staff to check the hub's connection to Cobot.",
                );
                return self.refuse(audit, error, Vec::new()).await;
            }
            if let Some(too_old) = crate::app::freshness::too_old(self, snapshot.as_of, now) {
                let error = Error::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Code::MembershipDataTooOld,
                    too_old.words,
                );
                return self.refuse(audit, error, Vec::new()).await;
            }
            let Some(member) = member else {
                let error = Error::new(
                    StatusCode::FORBIDDEN,
                    Code::NoAccess,
                    format!(
                        "Your membership at {} is no longer in Cobot's data. Ask staff if this is a mistake.",
                        self.config.space.name
                    ),
                );
                return self.refuse(audit, error, Vec::new()).await;
            };
            let verdict = self.rules().evaluate(&member.access(), &door.id, now);
            let reasons: Vec<String> = verdict.reasons.iter().map(ToString::to_string).collect();
            if !verdict.allowed {
                let error = Error::new(
                    StatusCode::FORBIDDEN,
                    Code::NoAccess,
                    format!("{} does not open for you now: {}.", door.name, reasons.join("; ")),
                );
                return self.refuse(audit, error, reasons).await;
            }
            reasons
        };
        audit.entry.reasons = reasons;

        let Some(driver) = door.driver.clone() else {
            let error = Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::DoorNotConnected,
                format!("{} has no relay connected to the hub yet. Ask staff.", door.name),
            );
            let mut reasons = std::mem::take(&mut audit.entry.reasons);
            // Staff see in Activity why the door has no driver; the person at the door is told to
            // ask them.
            if let Some(problem) = &door.problem {
                reasons.push(format!("the door's driver cannot be used: {problem}"));
            }
            audit.entry.decision = "failed".into();
            return self.refuse(audit, error, reasons).await;
        };

        // 6. Record first: the audit entry and the entry's check-in, held, in one commit. The policy
        // is staff's, read now, so a change applies from the next opening on.
        let mut intent = match &session.membership_id {
            Some(membership_id)
                if door.entrance && remote.is_none() && self.check_in_policy.get() == CheckInPolicy::OncePerDay =>
            {
                Some(CheckInIntent {
                    membership_id: membership_id.clone(),
                    user_id: session.user_id.clone(),
                    day: self.space_day(now),
                    at: now,
                    stale_before: crate::app::check_in::cobot_day_start(self.rules().time_zone(), now),
                    known: None,
                })
            }
            _ => None,
        };
        // A member without a pass, where the space refuses them: Cobot decides before the door.
        if let Some(c) = intent.as_mut() {
            if !session.staff && self.check_in_policy.no_pass() == NoPass::Refuse {
                match self.check_in_before_the_door(c).await {
                    Ok(known) => c.known = known,
                    Err(CobotRefused(words)) => {
                        let refused = c.clone();
                        let noted = words.clone();
                        let recorded = self
                            .journal
                            .write(move |conn| {
                                store::record_refused_check_in(
                                    conn,
                                    &refused,
                                    &noted,
                                    crate::app::check_in::outbox_ms(),
                                )
                            })
                            .await;
                        if let Err(e) = recorded {
                            if self.unlocks.unrecorded.admit() {
                                tracing::error!("a check-in Cobot refused at the door could not be recorded: {e}");
                            }
                        }
                        let error = Error::new(
                            StatusCode::FORBIDDEN,
                            Code::NoAccess,
                            format!(
                                "{} stays shut: Cobot did not check you in ({words}). {} lets members in with a \
                                 valid time pass; get one in Cobot or ask staff.",
                                door.name, self.config.space.name
                            ),
                        );
                        let mut reasons = std::mem::take(&mut audit.entry.reasons);
                        reasons.push(format!("Cobot did not check the member in: {words}"));
                        reasons.push("The space lets in no member without a valid time pass".into());
                        audit.entry.check_in = Some("refused_at_door".into());
                        return self.refuse(audit, error, reasons).await;
                    }
                }
            }
        }
        audit.entry.decision = "opening".into();
        audit.entry.may_have_opened = true;
        let first = audit.entry.clone();
        let first_intent = intent.clone();
        let recorded = self
            .journal
            .write(move |conn| {
                store::record_opening(conn, &first, first_intent.as_ref(), crate::app::check_in::outbox_ms())
            })
            .await;
        let (audit_id, intent_state) = match recorded {
            Ok(recorded) => recorded,
            Err(e) => {
                if self.unlocks.unrecorded.admit() {
                    tracing::error!("the audit log cannot be written, so no door opens: {e}");
                }
                return Err(Error::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Code::AuditUnavailable,
                    "The hub cannot write its audit log right now, so it opens no door. Tell your space's staff.",
                ));
            }
        };

        // 7. Pulse, then record what happened.
        let pulsed = driver.pulse(door.pulse).await;
        let (outcome, error) = match &pulsed {
            Ok(p) => {
                audit.entry.driver_result = Some(
                    match p.confirmation {
                        Confirmation::Confirmed => "confirmed",
                        Confirmation::SentUnconfirmed => "sent_unconfirmed",
                    }
                    .into(),
                );
                (Some(p.confirmation), None)
            }
            Err(e) => {
                audit.entry.driver_result = Some(e.to_string());
                audit.entry.may_have_opened = e.may_have_pulsed();
                let (status, code, message) = match e {
                    frontdoor_core::door::Error::Timeout { .. } => (
                        StatusCode::GATEWAY_TIMEOUT,
                        Code::DoorDidNotAnswer,
                        format!("{}: the door did not answer. {e}", door.name),
                    ),
                    frontdoor_core::door::Error::Unreachable { .. } => (
                        StatusCode::BAD_GATEWAY,
                        Code::DoorDidNotAnswer,
                        format!("{}: the door did not answer. {e}", door.name),
                    ),
                    _ => (StatusCode::BAD_GATEWAY, Code::DoorFailed, format!("{}: {e}", door.name)),
                };
                (None, Some(Error::new(status, code, message)))
            }
        };
        audit.entry.decision = if outcome.is_some() { "opened" } else { "failed" }.into();
        if let Some(error) = &error {
            audit.entry.code = Some(error.code().as_str().into());
        }
        audit.entry.latency_us = micros(audit.started.elapsed());
        let queued = (intent_state == Some(Intent::Queued)).then_some(intent).flatten();
        let check_in_now = outcome.is_some();
        let entry = audit.entry;
        let finished = self
            .journal
            .write(move |conn| {
                store::finish_opening(
                    conn,
                    audit_id,
                    &entry,
                    queued.as_ref(),
                    check_in_now,
                    crate::app::check_in::outbox_ms(),
                )
            })
            .await;
        if let Err(e) = &finished {
            // The entry stays "opening" (may have opened) and a held check-in is picked up later.
            tracing::error!("the end of an opening of {} could not be recorded: {e}", door.id.0);
        }
        if intent_state == Some(Intent::Queued) && check_in_now && finished.is_ok() {
            self.check_ins.wake();
        }

        // 8. Answer.
        if let Some(error) = error {
            return Err(error);
        }
        let outcome = match outcome {
            Some(Confirmation::Confirmed) => UnlockOutcome::Opened,
            _ => UnlockOutcome::OpenedUnconfirmed,
        };
        let message = match outcome {
            UnlockOutcome::Opened => format!("{} is open.", door.name),
            UnlockOutcome::OpenedUnconfirmed => format!(
                "The hub sent the command to {}; the relay did not confirm it. If the door stayed shut, tap again.",
                door.name
            ),
        };
        Ok(UnlockResponse {
            door_id: door.id.0.clone(),
            door_name: door.name.clone(),
            outcome,
            message,
            merged: false,
            latency_ms: audit.started.elapsed().as_secs_f64() * 1000.0,
            check_in: match intent_state {
                // Made at the door: the app's next look shows it checked in.
                Some(Intent::Queued | Intent::StillPending | Intent::CheckedInAtDoor) => CheckInNote::CheckingIn,
                Some(Intent::Running) => CheckInNote::AlreadyToday,
                Some(Intent::Refused) | None => CheckInNote::None,
            },
        })
    }

    /// Checks the member in with Cobot before the door (`no_pass = "refuse"`): `Ok(None)` when a
    /// check-in of theirs already runs or is on its way (the hub knows it), or when Cobot gives no
    /// answer in time (the door opens and the outbox follows up); `Ok(Some(_))` with the check-in
    /// Cobot has for this entry; `Err` with Cobot's words when Cobot refuses.
    async fn check_in_before_the_door(&self, c: &CheckInIntent) -> Result<Option<KnownCheckIn>, CobotRefused> {
        let (id, at, stale) = (c.membership_id.clone(), c.at, c.stale_before);
        if let Ok(Ok(Some(_))) = self.db(move |store| store.standing_check_in(&id, at, stale)).await {
            return Ok(None);
        }
        // One check at the door per member at a time; a second opening meanwhile goes ahead.
        let Some(_checking) = DoorCheck::begin(&self.unlocks, &c.membership_id) else {
            return Ok(None);
        };
        match crate::app::check_in::check_in_at_the_door(self, &c.membership_id, c.at).await {
            AtTheDoor::CheckedIn(known) => Ok(Some(known)),
            AtTheDoor::Refused(words) => Err(CobotRefused(words)),
            AtTheDoor::NoAnswer(why) => {
                if self.unlocks.door_check_unanswered.admit() {
                    tracing::warn!(membership = %c.membership_id, "no check-in at the door, so it opens as usual: {why}");
                }
                Ok(None)
            }
        }
    }

    /// Audits a refusal (no pulse) and answers it.
    async fn refuse(&self, audit: Audit, error: Error, reasons: Vec<String>) -> Answer {
        let failed = audit.entry.decision == "failed";
        let started = audit.started;
        let mut entry = audit.refused(&error, reasons);
        if failed {
            entry.decision = "failed".into();
        }
        // A person's refusals with the same code on the same door within a minute are one row.
        // Door ids the hub does not have share one key, so inventing names makes no new rows.
        let burst = entry.user_id.clone().map(|user| {
            let door = if self.doors().contains_key(&entry.door_id) {
                entry.door_id.clone()
            } else {
                String::new()
            };
            (user, door, entry.code.clone().unwrap_or_default())
        });
        let bursts = self.unlocks.bursts.clone();
        let written = self
            .journal
            .write(move |conn| {
                let Some(key) = &burst else {
                    return store::record_unlock(conn, &entry);
                };
                let row = {
                    let bursts = bursts.lock().unwrap_or_else(|p| p.into_inner());
                    bursts
                        .get(key)
                        .filter(|(_, since)| started.saturating_duration_since(*since) < BURST_WINDOW)
                        .map(|(id, _)| *id)
                };
                if let Some(id) = row {
                    if store::add_to_burst(conn, id, &entry)? {
                        return Ok(id);
                    }
                }
                let id = store::record_unlock(conn, &entry)?;
                let mut bursts = bursts.lock().unwrap_or_else(|p| p.into_inner());
                if bursts.len() >= 10_000 {
                    bursts.retain(|_, (_, since)| started.saturating_duration_since(*since) < BURST_WINDOW);
                }
                bursts.insert(key.clone(), (id, started));
                Ok(id)
            })
            .await;
        if let Err(e) = written {
            if self.unlocks.unrecorded.admit() {
                tracing::error!("a refused unlock could not be written to the audit log: {e}");
            }
        }
        Err(error)
    }

    /// A tap that joined one under way: the first one's answer, marked merged, audited as such.
    async fn merged(
        &self,
        mut audit: Audit,
        mut first: watch::Receiver<Option<Answer>>,
        remote: Option<&StaffOpen>,
    ) -> Answer {
        let waited = first.wait_for(Option::is_some).await.map(|a| a.clone()).ok().flatten();
        let answer = waited
            .or_else(|| first.borrow().clone())
            .unwrap_or_else(|| Err(Error::internal("the first tap ended without an answer")));
        audit.entry.decision = "merged".into();
        audit.entry.reasons = remote_reasons(remote);
        audit
            .entry
            .reasons
            .push("A second tap while the first was opening this door: not pulsed again".into());
        audit.entry.latency_us = micros(audit.started.elapsed());
        if let Err(e) = &answer {
            audit.entry.code = Some(e.code().as_str().into());
        }
        let entry = audit.entry;
        if let Err(e) = self.journal.write(move |conn| store::record_unlock(conn, &entry)).await {
            if self.unlocks.unrecorded.admit() {
                tracing::error!("a merged unlock could not be written to the audit log: {e}");
            }
        }
        answer.map(|mut response| {
            response.merged = true;
            response.latency_ms = audit.started.elapsed().as_secs_f64() * 1000.0;
            response
        })
    }

    /// The space's calendar day at `now` (ISO date), by which staff look check-ins up.
    pub fn space_day(&self, now: Timestamp) -> String {
        now.to_zoned(self.rules().time_zone().clone()).date().to_string()
    }
}

#[cfg(test)]
mod tests;
