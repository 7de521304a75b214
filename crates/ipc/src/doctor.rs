//! The console's *Check Cobot* as it crosses IPC (mirror of the hub's `DoctorReport`).

use serde::{Deserialize, Serialize};

/// One assumption about the space's Cobot, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorCheckDto {
    /// Stable id (`discovery`, `id_token`, `token`, `scopes`, `space`, `webhooks`, …).
    pub id: String,
    /// What was checked.
    pub title: String,
    /// `ok`, `warn`, `fail` or `unknown`.
    pub verdict: String,
    /// What was found and what to do.
    pub words: String,
}

/// Every check, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorReportDto {
    /// When (RFC 3339).
    pub at: String,
    /// The checks.
    pub checks: Vec<DoctorCheckDto>,
}
