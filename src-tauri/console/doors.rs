//! The console's Doors tab and status strip in the shell: the hub's doors with their state, staff's
//! changes (a secret is sent once and never comes back), a test pulse, and the space's health at a
//! glance.

use std::sync::Arc;

use frontdoor_core::console::{self as admin, DoctorReport, DoorChange, DoorSetup, DoorsView, Glance};
use frontdoor_core::hub::{CallError, UnlockResponse};
use frontdoor_ipc::UnlockView;
use reqwest::Method;

use crate::frontdoor::{unlock_view, Error, Frontdoor};

impl Frontdoor {
    /// Every door with its state, its last failure and its opening times.
    pub async fn doors(self: &Arc<Self>) -> Result<DoorsView, Error> {
        self.admin(Method::GET, "api/v1/admin/doors", None).await
    }

    /// Adds or replaces a door. `secret`: `None` keeps the stored one, `Some("")` removes it. A
    /// refusal comes back with words per field.
    pub async fn save_door(self: &Arc<Self>, door: DoorSetup, secret: Option<String>) -> Result<DoorsView, Error> {
        let path = format!("api/v1/admin/doors/{}", admin::segment(&door.id));
        let body = serde_json::to_value(DoorChange { door, secret }).map_err(|e| Error::Internal(e.to_string()))?;
        self.admin(Method::PUT, &path, Some(body)).await
    }

    /// Removes a door (the hub refuses while a group opens it).
    pub async fn remove_door(self: &Arc<Self>, id: &str) -> Result<DoorsView, Error> {
        let path = format!("api/v1/admin/doors/{}", admin::segment(id));
        self.admin(Method::DELETE, &path, None).await
    }

    /// Pulses a door for real, audited as a staff test.
    pub async fn test_door(self: &Arc<Self>, id: &str) -> Result<UnlockView, Error> {
        let path = format!("api/v1/admin/doors/{}/test", admin::segment(id));
        match self
            .admin::<UnlockResponse>(Method::POST, &path, Some(serde_json::json!({})))
            .await
        {
            Ok(answer) => Ok(unlock_view(answer)),
            // Without an answer, say whether the door may have opened, as for a tap.
            Err(Error::HubCall(e @ CallError::Unreachable(_))) => Err(Error::Unlock(e)),
            Err(e) => Err(e),
        }
    }

    /// Every assumption about the space's Cobot, checked by the hub against Cobot now.
    pub async fn check_cobot(self: &Arc<Self>) -> Result<DoctorReport, Error> {
        self.admin(Method::GET, "api/v1/admin/doctor", None).await
    }

    /// The space's health in four lights.
    pub async fn glance(self: &Arc<Self>) -> Result<Glance, Error> {
        self.admin(Method::GET, "api/v1/admin/glance", None).await
    }
}
