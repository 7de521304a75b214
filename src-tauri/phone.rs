//! Phone-only parts of the shell (`cfg(mobile)`): the fingerprint or face check before a door
//! opens, through Tauri's biometric plugin. Scanning codes needs nothing here: the window calls
//! the barcode-scanner plugin (allowed by `capabilities/mobile.json`) and hands what it read to
//! `open_link`, like a pasted link.

use tauri::{AppHandle, Runtime};
use tauri_plugin_biometric::{AuthOptions, BiometricExt, BiometryType};

use crate::device_error::DeviceError;
use crate::frontdoor::Presence;

/// The phone's biometrics (Android `BiometricPrompt`, iOS LocalAuthentication), with the
/// phone's own PIN or passcode as the fallback the system offers.
pub struct Biometrics<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> Presence for Biometrics<R> {
    fn available(&self) -> Result<String, DeviceError> {
        let status = self
            .0
            .biometric()
            .status()
            .map_err(|e| DeviceError::Presence(e.into()))?;
        if !status.is_available {
            return Err(DeviceError::PresenceUnavailable(
                status
                    .error
                    .unwrap_or_else(|| "no fingerprint or face is set up on this phone".into()),
            ));
        }
        Ok(match status.biometry_type {
            BiometryType::FaceID => "face",
            BiometryType::TouchID => "fingerprint",
            BiometryType::None => "fingerprint or face",
        }
        .to_string())
    }

    fn confirm(&self, reason: &str) -> Result<(), DeviceError> {
        self.0
            .biometric()
            .authenticate(
                reason.to_string(),
                AuthOptions {
                    allow_device_credential: true,
                    title: Some("Frontdoor".into()),
                    cancel_title: Some("Cancel".into()),
                    ..AuthOptions::default()
                },
            )
            .map_err(|e| DeviceError::Presence(e.into()))
    }
}
