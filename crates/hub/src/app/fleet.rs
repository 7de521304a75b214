//! The hub's link to its operator's fleet (`[fleet]`, issue 21): it dials out to NATS and never
//! opens a port. Four loops, each on its own and each outliving a cut link:
//!
//! - **up** ([`send_up`]): every final audit row after the stored cursor goes into the
//!   JetStream stream, in order, with its de-duplication id; the cursor moves only when the
//!   stream acknowledged every row up to it, so a cut, a dead NATS or a killed hub resends from
//!   the cursor and the fleet's unique key drops what it already has. Burst rows counted on
//!   after they were sent are sent again with their new count. Then the fleet outbox: each
//!   check-in that ended and each sync run, numbered by the store's triggers in the transaction
//!   that made them, deleted only once the stream acknowledged them.
//! - **state**: the status strip's lights and the doors, put under the hub's key every beat.
//! - **down**: the space's keys of the down bucket, watched with their history, so a hub that
//!   was away applies what it missed; each is applied by the use case the console uses, and
//!   applying one twice changes nothing.
//! - **open**: remote opens answered on the hub's subject, as a tap is answered; with the link
//!   down no request reaches the hub, and none waits for it.
//!
//! Doors never wait for any of it: unlocks, check-ins and sync run as alone.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use frontdoor_core::fleet::{self, AuditLine, DoorState, HubState, OpenReply, OpenRequest, Up, UpEvent};
use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;

use crate::app::{door_admin, glance, Hub};
use crate::base::config::FleetConfig;
mod down;

use crate::store::fleet::Outgoing;
use crate::store::{AuditRow, CheckInRow};

/// Rows sent up per round.
const UP_BATCH: u32 = 500;
/// How often the up loop looks for new rows when it found none.
const UP_POLL: Duration = Duration::from_millis(100);
/// How long after its first request a burst row may still be counted on (a minute), with room.
const BURST_WINDOW: SignedDuration = SignedDuration::from_mins(3);
/// How often the hub puts its state.
pub const BEAT: Duration = Duration::from_secs(2);
/// How long the hub waits before trying a failed part of the link again.
const RETRY: Duration = Duration::from_millis(500);

/// Why a part of the link failed this time (it is tried again; the doors never wait on it).
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The stream or a bucket is not there yet (the fleet makes them) or NATS refused.
    #[error("the fleet's JetStream is not reachable: {0}")]
    JetStream(String),
    /// The hub's own database failed.
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// The hub's use case failed.
    #[error("{}", .0.message())]
    Hub(crate::app::Error),
}

impl From<crate::app::Error> for LinkError {
    fn from(e: crate::app::Error) -> LinkError {
        LinkError::Hub(e)
    }
}

fn js(e: impl std::fmt::Display) -> LinkError {
    LinkError::JetStream(e.to_string())
}

/// Runs the link until `stop`; connects in the background and keeps reconnecting.
pub async fn run(hub: Arc<Hub>, config: FleetConfig, password: Option<String>, stop: watch::Receiver<bool>) {
    let joined: Result<String, LinkError> = async { Ok(hub.db(|store| store.join_fleet()).await??) }.await;
    let incarnation = match joined {
        Ok(incarnation) => incarnation,
        Err(e) => {
            tracing::error!("the hub cannot mark itself joined to the fleet ({e}); it runs alone");
            return;
        }
    };
    let space = hub.config.space.subdomain.as_str().to_string();
    let mut options = async_nats::ConnectOptions::new()
        .name(format!("frontdoor-hub {}", config.hub_id))
        .custom_inbox_prefix(fleet::inbox_prefix(&space, &config.hub_id))
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(5));
    if let Some(password) = password {
        options = options.user_and_password(config.hub_id.clone(), password);
    }
    let address = match (config.nats.host_str(), config.nats.port()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", config.nats.scheme()),
        (Some(host), None) => format!("{}://{host}:4222", config.nats.scheme()),
        (None, _) => return,
    };
    let client = match options.connect(address.as_str()).await {
        Ok(client) => client,
        Err(e) => {
            tracing::error!("the fleet link cannot start ({address}): {e}; the hub runs alone");
            return;
        }
    };
    let _ = hub.fleet.0.set(Claims {
        client: client.clone(),
        hub: config.hub_id.clone(),
        space: space.clone(),
    });
    let link = Link {
        hub,
        client: client.clone(),
        jetstream: async_nats::jetstream::new(client),
        space,
        hub_id: config.hub_id,
        incarnation,
    };
    let link = Arc::new(link);
    let parts = [
        tokio::spawn(forever(link.clone(), stop.clone(), Part::Up)),
        tokio::spawn(forever(link.clone(), stop.clone(), Part::State)),
        tokio::spawn(forever(link.clone(), stop.clone(), Part::Down)),
        tokio::spawn(forever(link.clone(), stop.clone(), Part::Open)),
    ];
    for part in parts {
        let _ = part.await;
    }
}

/// The fleet link's client for the check-in worker's claims, set once the link starts.
#[derive(Default)]
pub struct Slot(std::sync::OnceLock<Claims>);

/// What a claim needs: the client and who this hub is.
pub struct Claims {
    client: async_nats::Client,
    hub: String,
    space: String,
}

/// How long the check-in worker waits for the fleet's answer to a claim before checking in as
/// alone.
pub const CLAIM_WAIT: Duration = Duration::from_secs(1);

/// What the check-in worker does about a member's check-in for a Cobot day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This hub holds the claim (or the fleet said another finished): read Cobot, then post.
    Go,
    /// Another hub of the space holds it: ask again later.
    Wait {
        /// The hub holding it.
        holder: String,
    },
    /// No fleet, or it did not answer: read Cobot, then post, as a hub alone.
    Alone,
}

/// Claims `membership_id`'s check-in for `day` from the fleet (issue 21.4).
pub async fn claim(hub: &Hub, membership_id: &str, day: &str) -> Claim {
    let Some(claims) = hub.fleet.0.get() else {
        return Claim::Alone;
    };
    let request = claims.request(membership_id, day);
    let Ok(body) = serde_json::to_vec(&request) else {
        return Claim::Alone;
    };
    let asked = claims
        .client
        .request(fleet::claim_subject(&claims.space, &claims.hub), body.into());
    match tokio::time::timeout(CLAIM_WAIT, asked).await {
        Ok(Ok(answer)) => match serde_json::from_slice::<fleet::ClaimReply>(&answer.payload) {
            Ok(fleet::ClaimReply::Granted | fleet::ClaimReply::Done) => Claim::Go,
            Ok(fleet::ClaimReply::TakenOver { from }) => {
                tracing::info!(membership = %membership_id, "took over {from}'s stalled check-in claim; reading Cobot first");
                Claim::Go
            }
            Ok(fleet::ClaimReply::HeldElsewhere { hub }) => Claim::Wait { holder: hub },
            Err(_) => Claim::Alone,
        },
        Ok(Err(_)) | Err(_) => Claim::Alone,
    }
}

/// Tells the fleet this hub finished the claimed check-in (best effort: an unfinished claim
/// runs out with its lease).
pub async fn claim_done(hub: &Hub, membership_id: &str, day: &str) {
    let Some(claims) = hub.fleet.0.get() else {
        return;
    };
    if let Ok(body) = serde_json::to_vec(&claims.request(membership_id, day)) {
        let _ = tokio::time::timeout(
            CLAIM_WAIT,
            claims
                .client
                .request(fleet::claim_done_subject(&claims.space, &claims.hub), body.into()),
        )
        .await;
    }
}

impl Claims {
    fn request(&self, membership_id: &str, day: &str) -> fleet::ClaimRequest {
        fleet::ClaimRequest {
            hub: self.hub.clone(),
            space: self.space.clone(),
            membership_id: membership_id.into(),
            day: day.into(),
        }
    }
}

struct Link {
    hub: Arc<Hub>,
    client: async_nats::Client,
    jetstream: async_nats::jetstream::Context,
    space: String,
    hub_id: String,
    /// This database's id at the fleet ([`fleet::Up::incarnation`]).
    incarnation: String,
}

#[derive(Debug, Clone, Copy)]
enum Part {
    Up,
    State,
    Down,
    Open,
}

/// Runs one part again after each failure, saying so once per outage.
async fn forever(link: Arc<Link>, mut stop: watch::Receiver<bool>, part: Part) {
    let mut failing = false;
    let mut sent = HashMap::new();
    loop {
        let round = async {
            match part {
                Part::Up => send_up(&link, &mut sent).await,
                Part::State => put_state(&link).await,
                Part::Down => down::watch(&link).await,
                Part::Open => answer_opens(&link).await,
            }
        };
        let result = tokio::select! {
            result = round => result,
            _ = stop.wait_for(|s| *s) => return,
        };
        let wait = match result {
            Ok(Pace::Busy) => Duration::ZERO,
            Ok(Pace::Idle(wait)) => {
                if failing {
                    tracing::info!("the fleet link's {part:?} part works again");
                    failing = false;
                }
                wait
            }
            Err(e) => {
                if !failing {
                    tracing::warn!("the fleet link's {part:?} part failed, retrying: {e}");
                    failing = true;
                }
                RETRY
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// What a round found: more to do at once, or wait this long.
enum Pace {
    Busy,
    Idle(Duration),
}

/// One round of the up loop: the rows after the cursor (and bursts counted on) into the stream,
/// every acknowledgement awaited, then the cursor moved. `sent` remembers each recent burst
/// row's count sent, so an unchanged one is not sent again.
async fn send_up(link: &Link, sent: &mut HashMap<i64, u32>) -> Result<Pace, LinkError> {
    let hub = &link.hub;
    let cursor = hub.db(|store| store.fleet_cursor()).await??;
    let since = hub.clock.now().checked_sub(BURST_WINDOW).unwrap_or(Timestamp::MIN);
    let batch = hub
        .db(move |store| store.audit_to_send(cursor, UP_BATCH, since))
        .await??;
    let full = batch.rows.iter().filter(|r| r.id > cursor).count() as u32 == UP_BATCH;
    let subject = fleet::up_subject(&link.space, &link.hub_id);
    let mut acks = Vec::new();
    let mut counted = Vec::new();
    for row in &batch.rows {
        if row.id <= cursor && sent.get(&row.id) == Some(&row.count) {
            continue;
        }
        acks.push(publish(link, &subject, UpEvent::Audit(line(row))).await?);
        if row.entry.decision == "refused" {
            counted.push((row.id, row.count));
        }
    }
    for ack in acks {
        ack.await.map_err(js)?;
    }
    if batch.through > cursor {
        let through = batch.through;
        hub.db(move |store| store.set_fleet_cursor(through)).await??;
    }
    sent.extend(counted);
    let oldest = batch.rows.iter().filter(|r| r.entry.at >= since).map(|r| r.id).min();
    sent.retain(|id, _| oldest.is_some_and(|oldest| *id >= oldest));
    let outbox_full = send_outbox(link).await?;
    Ok(if full || outbox_full {
        Pace::Busy
    } else {
        Pace::Idle(UP_POLL)
    })
}

/// Sends the fleet outbox's first entries up and deletes them once the stream has them all;
/// says whether more may be waiting.
async fn send_outbox(link: &Link) -> Result<bool, LinkError> {
    let hub = &link.hub;
    let (entries, last) = hub.db(|store| store.outbox_to_send(UP_BATCH)).await??;
    let Some(through) = last else {
        return Ok(false);
    };
    let subject = fleet::up_subject(&link.space, &link.hub_id);
    let mut acks = Vec::new();
    for entry in entries {
        let event = match entry {
            Outgoing::CheckIn { seq, row } => match outcome(row) {
                Some(outcome) => UpEvent::CheckIn { seq, outcome },
                None => continue,
            },
            Outgoing::Sync { seq, run_id, run } => UpEvent::Sync { seq, run_id, run },
        };
        acks.push(publish(link, &subject, event).await?);
    }
    for ack in acks {
        ack.await.map_err(js)?;
    }
    hub.db(move |store| store.outbox_sent(through)).await??;
    Ok(true)
}

/// Publishes one event with its de-duplication id.
async fn publish(
    link: &Link,
    subject: &str,
    event: UpEvent,
) -> Result<async_nats::jetstream::context::PublishAckFuture, LinkError> {
    let up = Up {
        hub: link.hub_id.clone(),
        space: link.space.clone(),
        incarnation: link.incarnation.clone(),
        event,
    };
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", up.msg_id().as_str());
    let body = serde_json::to_vec(&up).map_err(js)?;
    link.jetstream
        .publish_with_headers(subject.to_string(), headers, body.into())
        .await
        .map_err(js)
}

/// A check-in row that ended, as the fleet keeps it; `None` for one pending again (staff made
/// it due now after a refusal): its next outcome is sent when it comes.
fn outcome(row: CheckInRow) -> Option<fleet::CheckInOutcome> {
    let state = match row.state.as_str() {
        "checked_in" => fleet::StaffCheckInState::CheckedIn,
        "refused" => fleet::StaffCheckInState::Refused,
        "missed" => fleet::StaffCheckInState::Missed,
        _ => return None,
    };
    Some(fleet::CheckInOutcome {
        membership_id: row.membership_id,
        user_id: row.user_id,
        day: row.day,
        entered_at: row.queued_at,
        state,
        why: row.last_error,
        attempts: row.attempts,
        cobot_id: row.cobot_id,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
    })
}

/// An audit row as the fleet keeps it.
fn line(row: &AuditRow) -> AuditLine {
    let e = &row.entry;
    AuditLine {
        seq: row.id,
        at: e.at.to_string(),
        user_id: e.user_id.clone(),
        membership_id: e.membership_id.clone(),
        staff: e.staff,
        door_id: e.door_id.clone(),
        decision: e.decision.clone(),
        code: e.code.clone(),
        reasons: e.reasons.clone(),
        count: row.count,
        latency_us: e.latency_us,
        check_in: e.check_in.clone(),
    }
}

/// Puts the hub's lights and doors under its key.
async fn put_state(link: &Link) -> Result<Pace, LinkError> {
    let hub = &link.hub;
    let lights = glance::now(hub).await?;
    let doors = door_admin::view(hub)
        .await?
        .doors
        .into_iter()
        .map(|row| DoorState {
            id: row.door.id,
            name: row.door.name,
            reach: row.reach,
        })
        .collect();
    let state = HubState {
        hub: link.hub_id.clone(),
        space: link.space.clone(),
        space_name: hub.config.space.name.clone(),
        at: hub.clock.now().to_string(),
        glance: lights,
        doors,
        down: hub.db(|store| store.down_outcomes()).await??,
        unsent_pruned: hub.db(|store| store.fleet_unsent_pruned()).await??,
    };
    let bucket = link.jetstream.get_key_value(fleet::STATE_BUCKET).await.map_err(js)?;
    let body = serde_json::to_vec(&state).map_err(js)?;
    bucket
        .put(fleet::state_key(&link.space, &link.hub_id), body.into())
        .await
        .map_err(js)?;
    Ok(Pace::Idle(BEAT))
}

/// Answers remote opens until the subscription ends.
async fn answer_opens(link: &Link) -> Result<Pace, LinkError> {
    let mut requests = link
        .client
        .subscribe(fleet::open_subject(&link.space, &link.hub_id))
        .await
        .map_err(js)?;
    while let Some(message) = requests.next().await {
        let Some(reply) = message.reply.clone() else {
            continue;
        };
        let hub = link.hub.clone();
        let client = link.client.clone();
        tokio::spawn(async move {
            let answer = match serde_json::from_slice::<OpenRequest>(&message.payload) {
                Ok(request) => match hub
                    .open_from_fleet(&request.door_id, &request.by, &request.reason)
                    .await
                {
                    Ok(opened) => OpenReply::Opened(opened),
                    Err(refused) => OpenReply::Refused(refused.body()),
                },
                Err(e) => OpenReply::Refused(
                    crate::app::Error::new(
                        axum::http::StatusCode::BAD_REQUEST,
                        frontdoor_core::hub::Code::Invalid,
                        format!("The hub could not read the fleet's open request: {e}"),
                    )
                    .body(),
                ),
            };
            if let Ok(body) = serde_json::to_vec(&answer) {
                let _ = client.publish(reply, body.into()).await;
            }
        });
    }
    Ok(Pace::Idle(RETRY))
}
