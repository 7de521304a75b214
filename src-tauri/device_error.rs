//! What the device under the app refused: its keychain, its preferences file, its browser, its
//! fingerprint or face check. One error for the shell's ports to the system, each variant keeping
//! the system's own error as its source; shown, it says what the system said.

/// A system error of any kind, kept as the source.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// What the device refused.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The OS keychain (Secret Service, Keychain, Credential Manager, Android's keystore).
    #[error("{0}")]
    Keychain(#[from] keyring::Error),
    /// The preferences file.
    #[error("{0}")]
    Prefs(#[source] Cause),
    /// The system browser, or the program that opens a saved file.
    #[error("{0}")]
    Browser(#[source] Cause),
    /// The phone cannot check a fingerprint or face now, in the system's words.
    #[error("{0}")]
    PresenceUnavailable(String),
    /// The fingerprint or face check itself.
    #[error("{0}")]
    Presence(#[source] Cause),
}
