//! Check-ins through API 1 (cobot-api.md §6), as the space's admin token does them for a member.
//!
//! Cobot has no idempotency key, and a check-in may spend a time pass, so a check-in is **never
//! retried blindly**: [`Cobot::check_in`] is sent once; after a timeout or a dropped connection
//! the caller reads [`Cobot::work_sessions`] to learn whether it took effect.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};

use super::{api1, encode, read_json, Cobot, Error};
use crate::cobot::limit::COBOT_PER_USER;
use crate::links::Subdomain;
use crate::secret::AccessToken;

/// One check-in as API 1 shows it:
/// `{"id","valid_from":"2011/07/27 08:37:00 +0000","valid_until":…,"membership":{"id","name"},"time_pass":{"id"}?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    /// Cobot's id.
    pub id: String,
    /// When it started.
    #[serde(deserialize_with = "api1_time")]
    pub valid_from: Timestamp,
    /// When it ends (Cobot ends a check-in at the end of the space's day, or at check-out).
    #[serde(deserialize_with = "api1_time")]
    pub valid_until: Timestamp,
    /// The time pass it used, if one.
    #[serde(default)]
    pub time_pass: Option<TimePassRef>,
    /// The membership checked in.
    #[serde(default)]
    pub membership: Option<MembershipRef>,
}

/// A reference to a membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipRef {
    /// Its id.
    pub id: String,
}

/// A reference to a time pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimePassRef {
    /// Its id.
    pub id: String,
}

impl CheckIn {
    /// "Checked in now" ⇔ `valid_from <= now < valid_until` (cobot-api.md §6).
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.valid_from <= now && now < self.valid_until
    }

    /// Whether it was made within `[from, to)` — a check-in *of* that period, unlike one from the
    /// day before that merely runs into it.
    pub fn began_within(&self, from: Timestamp, to: Timestamp) -> bool {
        from <= self.valid_from && self.valid_from < to
    }
}

fn api1_time<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(d)?;
    api1::parse_timestamp(&text).ok_or_else(|| serde::de::Error::custom(format!("not an API 1 time: {text:?}")))
}

/// API 1's query time format, `2010-01-01 12:00:00 +0000`.
fn query_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S +0000").to_string()
}

impl Cobot {
    /// `GET https://<sub>.cobot.me/api/work_sessions?from=&to=` (`read_check_ins`): with an admin
    /// token, every check-in of the space in `[from, to)` (cobot-api.md §6, confirmed); with a
    /// member's, their own. A read, so retried like every read.
    pub async fn work_sessions(
        &self,
        token: &AccessToken,
        space: &Subdomain,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<CheckIn>, Error> {
        let mut url = self.space_url(space, "api/work_sessions")?;
        url.query_pairs_mut()
            .append_pair("from", &query_time(from))
            .append_pair("to", &query_time(to));
        self.get(token, url, COBOT_PER_USER, "the space's check-ins").await
    }

    /// `POST https://<sub>.cobot.me/api/memberships/:id/work_sessions` (`checkin`; the member or
    /// an admin): checks the membership in. **Sent once, never retried** — it may spend a time
    /// pass. A 422 comes back as [`Error::Refused`] with Cobot's words ("No time passes left.").
    pub async fn check_in(
        &self,
        token: &AccessToken,
        space: &Subdomain,
        membership_id: &str,
    ) -> Result<CheckIn, Error> {
        let url = self.space_url(
            space,
            &format!("api/memberships/{}/work_sessions", encode(membership_id)),
        )?;
        let response = self.send_once(token, reqwest::Method::POST, url, None::<&()>).await?;
        read_json(response, "the check-in").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cobots_documented_check_in_reads_and_is_current_inside_its_window() {
        let c: CheckIn = serde_json::from_str(
            r#"{"id":"479c76a975","valid_from":"2011/07/27 08:37:00 +0000","valid_until":"2011/07/28 03:59:59 +0000",
                "membership":{"id":"fdc0","name":"joe"},"time_pass":{"id":"fbf7"}}"#,
        )
        .expect("the documented shape parses");
        assert_eq!(c.time_pass.as_ref().map(|p| p.id.as_str()), Some("fbf7"));
        let inside: Timestamp = "2011-07-27T12:00:00Z".parse().unwrap();
        let after: Timestamp = "2011-07-28T03:59:59Z".parse().unwrap();
        assert!(c.is_current(inside));
        assert!(!c.is_current(after), "valid_until is exclusive");
    }

    #[test]
    fn query_times_use_api_1s_format() {
        let t: Timestamp = "2026-11-23T09:12:00Z".parse().unwrap();
        assert_eq!(query_time(t), "2026-11-23 09:12:00 +0000");
    }
}
