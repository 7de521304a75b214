//! The console's *Check Cobot* (`GET /api/v1/admin/doctor`, and what `frontdoor-hub doctor`
//! prints): defined once, used as it is by the hub, the app's command and the UI.

use serde::{Deserialize, Serialize};

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// As Frontdoor assumes.
    Ok,
    /// Works, but deserves a look.
    Warn,
    /// A part of Frontdoor will not work until this is fixed.
    Fail,
    /// Nothing to go on yet.
    Unknown,
}

impl Verdict {
    /// The word on the wire (`ok`, `warn`, `fail`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Unknown => "unknown",
        }
    }
}

/// One assumption about the space's Cobot, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorCheck {
    /// Stable id (`discovery`, `sign_in`, `id_token`, `plug`, `token`, `scopes`, `space`,
    /// `webhooks`, `work_sessions`, `rate_limit`).
    pub id: String,
    /// What was checked.
    pub title: String,
    /// What it found.
    pub verdict: Verdict,
    /// What was found and what to do, in words.
    pub words: String,
}

/// Every check, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorReport {
    /// When (RFC 3339).
    pub at: String,
    /// The checks.
    pub checks: Vec<DoctorCheck>,
}
