//! The console's Activity tab in the shell: pages of the hub's audit log with staff's filters,
//! the doors' opening times, staff's remote open, and the CSV export saved to Downloads.

use std::sync::Arc;
use std::time::Duration;

use frontdoor_core::console::{self as admin, ActivityPage, DoorLatency, RemoteOpen};
use frontdoor_core::hub::{CallError, UnlockResponse};
use frontdoor_ipc::{ActivityFilterDto, SavedFileDto, UnlockView};
use reqwest::Method;

use crate::downloads::{self, Downloads};
use crate::frontdoor::{unlock_view, Error, Frontdoor};

/// How long an export may take: the hub streams up to 100,000 rows (and ends any request after
/// 30 s).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(60);

/// The query string for `filter` (and a page's `before_id`): only the filters staff set.
pub fn query(filter: &ActivityFilterDto, before_id: Option<i64>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let set = [
        ("person", &filter.person),
        ("door", &filter.door),
        ("outcome", &filter.outcome),
        ("from", &filter.from),
        ("to", &filter.to),
    ];
    for (name, value) in set {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            query.append_pair(name, value);
        }
    }
    if let Some(id) = before_id {
        query.append_pair("before_id", &id.to_string());
    }
    query.finish()
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

impl Frontdoor {
    /// A page of the audit log, newest first: the first one without `before_id`, older ones with
    /// the previous page's `next_before_id`. A bad filter comes back with words for its field.
    pub async fn activity(
        self: &Arc<Self>,
        filter: &ActivityFilterDto,
        before_id: Option<i64>,
    ) -> Result<ActivityPage, Error> {
        let path = with_query("api/v1/admin/activity", &query(filter, before_id));
        self.admin(Method::GET, &path, None).await
    }

    /// Every door's opening times (p50 and p95 over its latest openings).
    pub async fn door_latency(self: &Arc<Self>) -> Result<Vec<DoorLatency>, Error> {
        self.admin(Method::GET, "api/v1/admin/doors/latency", None).await
    }

    /// Staff open `door` for a visitor, with a reason for the audit log. The hub opens it through
    /// the same path as a member's tap; its refusal comes back in its words (a wrong reason with
    /// words for the `reason` field).
    pub async fn remote_open(self: &Arc<Self>, door: &str, reason: &str) -> Result<UnlockView, Error> {
        let path = format!("api/v1/admin/doors/{}/open", admin::segment(door));
        let body = serde_json::to_value(RemoteOpen {
            reason: reason.to_string(),
        })
        .map_err(|e| Error::Internal(e.to_string()))?;
        match self.admin::<UnlockResponse>(Method::POST, &path, Some(body)).await {
            Ok(answer) => Ok(unlock_view(answer)),
            // Without an answer, say whether the door may have opened, as for a tap.
            Err(Error::HubCall(e @ CallError::Unreachable(_))) => Err(Error::Unlock(e)),
            Err(e) => Err(e),
        }
    }

    /// Exports the audit log with `filter` as CSV into `to` (`frontdoor-activity-<space>-<when>.csv`,
    /// never over another file).
    pub async fn export_activity(
        self: &Arc<Self>,
        filter: &ActivityFilterDto,
        to: &Downloads,
    ) -> Result<SavedFileDto, Error> {
        let space = self.signed_in_space()?;
        let path = with_query("api/v1/admin/activity.csv", &query(filter, None));
        let http = frontdoor_core::auth::http_client_with_timeout(EXPORT_TIMEOUT);
        let csv = self.admin_file(&http, &path).await?;
        let stem = format!(
            "frontdoor-activity-{}-{}",
            downloads::name_part(&space.subdomain.to_string()),
            downloads::stamp((self.settings.now)())
        );
        self.save_file(to, &stem, "csv", &csv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_filters_staff_set_reach_the_hub() {
        let check = |filter: ActivityFilterDto, before: Option<i64>, expected: &str| {
            assert_eq!(query(&filter, before), expected, "{filter:?}");
        };
        check(ActivityFilterDto::default(), None, "");
        check(
            ActivityFilterDto {
                person: Some("  ".into()),
                door: Some("front".into()),
                ..Default::default()
            },
            Some(41),
            "door=front&before_id=41",
        );
        check(
            ActivityFilterDto {
                person: Some("Alex M&".into()),
                from: Some("2026-11-23T09:00:00+01:00".into()),
                ..Default::default()
            },
            None,
            "person=Alex+M%26&from=2026-11-23T09%3A00%3A00%2B01%3A00",
        );
    }
}
