//! What a hub and the fleet service say to each other over NATS (issue 21): the subjects, the
//! buckets, and every message, defined once for both sides.
//!
//! Hubs only dial out. **Up** is a JetStream stream ([`UP_STREAM`]): each message is an
//! [`Up`] tagged with the hub's id and a sequence number per kind, and carries a
//! `Nats-Msg-Id` of [`Up::msg_id`] so the stream drops a repeat within its window; the fleet's
//! insert ignores repeats by its unique key, so a hub that resends after a cut doubles nothing.
//! **State** is a KV bucket ([`STATE_BUCKET`]): each hub puts its lights and doors under its
//! own key. **Down** is a KV bucket per space ([`down_bucket`]) its hubs watch.
//! A **remote open** is a plain request/reply on [`open_subject`], never queued: with the hub
//! away there is no responder and the fleet says so at once. A **check-in claim** is a
//! request/reply to the fleet on [`claim_subject`], so two hubs of one space do not both post
//! the same member's check-in to Cobot.
//!
//! Every subject and key a hub uses names its space and itself, and its replies come to its own
//! inbox prefix ([`inbox_prefix`]): so each hub's NATS user can be allowed exactly its own
//! (the fleet's `nats-config` writes those permissions), and a hub cannot speak for another.

use serde::{Deserialize, Serialize};

use crate::hub::{ApiError, UnlockResponse};

pub use frontdoor_ipc::{
    AccessDown, AuditLine, CheckInOutcome, DoorState, DoorsDown, DownOutcome, DownResult, DownSent, FleetActivity,
    FleetCheckIn, FleetCode, FleetHub, FleetMe, FleetRevocation, FleetSpace, FleetSync, HubState, PlanDown, Revocation,
    StaffCheckInState, SyncRun,
};

/// The JetStream stream every hub sends its events up into.
pub const UP_STREAM: &str = "FRONTDOOR_UP";
/// The subjects of [`UP_STREAM`]: `frontdoor.up.<space>.<hub>`.
pub const UP_SUBJECTS: &str = "frontdoor.up.>";
/// The KV bucket of each hub's state (key `<space>.<hub>`).
pub const STATE_BUCKET: &str = "frontdoor-state";
/// What the buckets of what flows down are called, before the space ([`down_bucket`]).
pub const DOWN_BUCKET_PREFIX: &str = "frontdoor-down-";

/// The KV bucket of what flows down to `space`'s hubs (keys `<space>.…`, see [`Down`]): one per
/// space, so a hub's NATS user reads its own space's and no other.
pub fn down_bucket(space: &str) -> String {
    format!("{DOWN_BUCKET_PREFIX}{space}")
}

/// Where the fleet listens for claims: [`claim_subject`] of every hub.
pub const CLAIM_SUBJECTS: &str = "frontdoor.claim.take.*.*";
/// Where the fleet listens for finished claims: [`claim_done_subject`] of every hub.
pub const CLAIM_DONE_SUBJECTS: &str = "frontdoor.claim.done.*.*";

/// Where `hub` of `space` asks the fleet for a check-in claim ([`ClaimRequest`] →
/// [`ClaimReply`]); the fleet takes the asker from the subject, which only that hub may use.
pub fn claim_subject(space: &str, hub: &str) -> String {
    format!("frontdoor.claim.take.{space}.{hub}")
}

/// Where `hub` says it finished a claimed check-in ([`ClaimRequest`] → `"ok"`).
pub fn claim_done_subject(space: &str, hub: &str) -> String {
    format!("frontdoor.claim.done.{space}.{hub}")
}

/// The inbox prefix of `hub`'s connection: the replies to its requests (JetStream's acks, the
/// fleet's answers) come to subjects under it, which only that hub may subscribe to.
pub fn inbox_prefix(space: &str, hub: &str) -> String {
    format!("_INBOX_hub.{space}.{hub}")
}

/// The subject a hub sends its events up on.
pub fn up_subject(space: &str, hub: &str) -> String {
    format!("frontdoor.up.{space}.{hub}")
}

/// The subject a hub answers remote opens on.
pub fn open_subject(space: &str, hub: &str) -> String {
    format!("frontdoor.open.{space}.{hub}")
}

/// The key of a hub's state in [`STATE_BUCKET`].
pub fn state_key(space: &str, hub: &str) -> String {
    format!("{space}.{hub}")
}

/// Whether `name` can be a space or hub id in a subject and a key: 1–40 of `a-z`, `0-9`, `-`.
/// A dot, a wildcard or a space would let one hub's name reach another's subjects.
pub fn is_name(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One event sent up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Up {
    /// The hub that sends it.
    pub hub: String,
    /// Its space (the Cobot subdomain).
    pub space: String,
    /// The hub's database, by a random id it made when it joined: a hub whose database was made
    /// anew under the same id numbers its rows from 1 again, and they are new rows, not repeats.
    #[serde(default)]
    pub incarnation: String,
    /// The event.
    pub event: UpEvent,
}

impl Up {
    /// The stream's de-duplication id: the hub, the kind, the sequence number, and for an audit
    /// row its count (a burst row counted on is sent again, and must not be dropped as a repeat).
    pub fn msg_id(&self) -> String {
        match &self.event {
            UpEvent::Audit(line) => format!("{}/{}/audit/{}/{}", self.hub, self.incarnation, line.seq, line.count),
            UpEvent::CheckIn { seq, .. } | UpEvent::Sync { seq, .. } => {
                format!("{}/{}/outbox/{seq}", self.hub, self.incarnation)
            }
        }
    }
}

/// What a hub sends up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UpEvent {
    /// One row of the hub's audit log.
    Audit(AuditLine),
    /// How one entry's check-in ended; `seq` is the hub's fleet outbox number, which only
    /// grows, so the fleet keeps the newest it saw of each check-in and drops repeats.
    CheckIn {
        /// The outbox number.
        seq: i64,
        /// The outcome.
        outcome: CheckInOutcome,
    },
    /// One sync run and its report, keyed by the hub's run id.
    Sync {
        /// The outbox number.
        seq: i64,
        /// The hub's run id.
        run_id: i64,
        /// The run.
        run: SyncRun,
    },
}

/// What flows down, by key in the space's [`down_bucket`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Down {
    /// `<space>.revoke.device.<device id>`: end a signed-in device.
    RevokeDevice {
        /// The space.
        space: String,
        /// The device.
        device_id: String,
    },
    /// `<space>.revoke.staff.<user id>`: staff rights removed; the person's devices end.
    RevokeStaff {
        /// The space.
        space: String,
        /// The Cobot user.
        user_id: String,
    },
    /// `<space>.access`: the space's access setup ([`AccessDown`]), for every hub of it.
    Access {
        /// The space.
        space: String,
    },
    /// `<space>.doors.<hub>`: one hub's doors ([`DoorsDown`]).
    Doors {
        /// The space.
        space: String,
        /// The hub.
        hub: String,
    },
}

impl Down {
    /// The space it is for.
    pub fn space(&self) -> &str {
        match self {
            Down::RevokeDevice { space, .. }
            | Down::RevokeStaff { space, .. }
            | Down::Access { space }
            | Down::Doors { space, .. } => space,
        }
    }

    /// Its key.
    pub fn key(&self) -> String {
        match self {
            Down::RevokeDevice { space, device_id } => format!("{space}.revoke.device.{device_id}"),
            Down::RevokeStaff { space, user_id } => format!("{space}.revoke.staff.{user_id}"),
            Down::Access { space } => format!("{space}.access"),
            Down::Doors { space, hub } => format!("{space}.doors.{hub}"),
        }
    }

    /// Reads a key; `None` for a key this hub does not know (a newer fleet's), which it leaves.
    pub fn parse(key: &str) -> Option<Down> {
        let parts: Vec<&str> = key.splitn(4, '.').collect();
        let space = |s: &str| Some(s.to_string()).filter(|s| is_name(s));
        match parts.as_slice() {
            [s, "access"] => Some(Down::Access { space: space(s)? }),
            [s, "doors", hub] if is_name(hub) => Some(Down::Doors {
                space: space(s)?,
                hub: hub.to_string(),
            }),
            [s, "revoke", "device", id] if !id.is_empty() => Some(Down::RevokeDevice {
                space: space(s)?,
                device_id: id.to_string(),
            }),
            [s, "revoke", "staff", id] if !id.is_empty() => Some(Down::RevokeStaff {
                space: space(s)?,
                user_id: id.to_string(),
            }),
            _ => None,
        }
    }
}

/// A key sent down with who sent it and when (the hub's change trail names them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent<T> {
    /// The fleet's staff member, by name.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// What.
    #[serde(flatten)]
    pub what: T,
}

/// The fleet asks a hub to open a door now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRequest {
    /// The door.
    pub door_id: String,
    /// The fleet's staff member who asked (audited).
    pub by: String,
    /// Their reason (audited).
    pub reason: String,
}

/// The hub's answer to an [`OpenRequest`]: exactly the answer a tap gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum OpenReply {
    /// The door opened (or the command went out).
    Opened(UnlockResponse),
    /// It did not, with the hub's code and words.
    Refused(ApiError),
}

/// A hub asks the fleet whether it may check a member in (its check-in worker, before it reads
/// Cobot and posts), and later says it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRequest {
    /// The hub asking.
    pub hub: String,
    /// The space.
    pub space: String,
    /// The membership.
    pub membership_id: String,
    /// The Cobot day of the entry (`2026-12-07`).
    pub day: String,
}

/// The fleet's answer to a [`ClaimRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "claim", rename_all = "snake_case")]
pub enum ClaimReply {
    /// This hub holds the claim now: read Cobot, then post, as alone.
    Granted,
    /// Another hub took it and is within its lease: do not read or post yet; ask again later.
    HeldElsewhere {
        /// The hub holding it.
        hub: String,
    },
    /// Another hub took it and went quiet past its lease; this hub holds it now and must read
    /// Cobot first (the other may have posted).
    TakenOver {
        /// The hub that held it.
        from: String,
    },
    /// A hub of the space finished this member's check-in for the day: read Cobot first, as
    /// alone (a later entry on a shorter pass may need another).
    Done,
}

/// The body of every refusal of the fleet's API: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetErrorBody {
    /// Stable, matched by clients: the fleet's, or the hub's when the hub refused.
    pub code: AnyCode,
    /// What went wrong and what to do.
    pub message: String,
}

/// A refusal's code: the fleet's own, or the hub's passed on as the hub gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnyCode {
    /// The fleet's.
    Fleet(FleetCode),
    /// The hub's.
    Hub(crate::hub::Code),
}

#[cfg(test)]
mod tests;
