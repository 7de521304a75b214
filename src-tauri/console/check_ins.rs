//! The console's Check-ins tab in the shell: a day's check-ins at the hub, staff's retry of one,
//! and the check-in policy.

use std::sync::Arc;

use frontdoor_core::console::{self as admin, CheckInPolicyChange, CheckInsView, StaffCheckIn};
use reqwest::Method;

use crate::frontdoor::{Error, Frontdoor};

impl Frontdoor {
    /// The check-ins of `day` (`YYYY-MM-DD`; the space's today when `None`), with the policy in
    /// force. A day the hub cannot read comes back with words for the `day` field.
    pub async fn check_ins(self: &Arc<Self>, day: Option<&str>) -> Result<CheckInsView, Error> {
        let path = match day.map(str::trim).filter(|d| !d.is_empty()) {
            Some(day) => format!("api/v1/admin/check_ins?day={}", admin::segment(day)),
            None => "api/v1/admin/check_ins".to_string(),
        };
        self.admin(Method::GET, &path, None).await
    }

    /// Makes a refused or pending check-in of today due now at the hub; answers `day` again.
    pub async fn retry_check_in(self: &Arc<Self>, membership_id: &str, day: &str) -> Result<CheckInsView, Error> {
        let path = format!(
            "api/v1/admin/check_ins/{}/{}/retry",
            admin::segment(membership_id),
            admin::segment(day)
        );
        self.admin::<StaffCheckIn>(Method::POST, &path, Some(serde_json::json!({})))
            .await?;
        self.check_ins(Some(day)).await
    }

    /// Sets the check-in policy (`once-per-day` or `off`) and, when given, what the door does for
    /// a member Cobot will not check in (`open-anyway` or `refuse`); answers `day` again.
    pub async fn set_check_in_policy(
        self: &Arc<Self>,
        policy: &str,
        no_pass: Option<&str>,
        day: Option<&str>,
    ) -> Result<CheckInsView, Error> {
        let body = serde_json::to_value(CheckInPolicyChange {
            policy: policy.to_string(),
            no_pass: no_pass.map(str::to_string),
        })
        .map_err(|e| Error::Internal(e.to_string()))?;
        self.admin::<serde_json::Value>(Method::PUT, "api/v1/admin/check_ins/policy", Some(body))
            .await?;
        self.check_ins(day).await
    }
}
