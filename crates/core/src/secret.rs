//! Secrets as redacted newtypes: `Debug` prints `[redacted]`, the value comes out only through
//! `secret()`, so a stray `{:?}` in a log line never leaks a token.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }
            /// The secret itself. Every call site is a place the secret leaves its box.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_string!(
    /// A Cobot OAuth access token (bearer).
    AccessToken
);
secret_string!(
    /// A raw, signed ID token (a JWT). Verified before any of its claims is believed.
    RawIdToken
);
secret_string!(
    /// A one-time authorization code from the redirect.
    AuthCode
);
secret_string!(
    /// A hub session token.
    HubSessionToken
);
secret_string!(
    /// A hub refresh token: rotates at every use; the hub keeps only its hash.
    RefreshToken
);
secret_string!(
    /// An OAuth client secret (the hub's, at Cobot).
    ClientSecret
);
secret_string!(
    /// The app's proof for a sign-in through its hub: sent once, only to that hub, to redeem the
    /// ticket whose sign-in carried `SHA256(proof)`.
    SignInProof
);

secret_string!(
    /// A device password (Shelly's admin password, a Gen1 login, an MQTT broker's login), as
    /// [`crate::door::DevicePassword`].
    DevicePassword
);
secret_string!(
    /// A Home Assistant long-lived access token (HA profile → Security), as
    /// [`crate::door::home_assistant::HomeAssistantToken`].
    HomeAssistantToken
);

/// The PKCE code verifier. Deliberately not `Clone`: a login can be finished once.
#[derive(PartialEq, Eq)]
pub struct PkceVerifier(String);

impl PkceVerifier {
    /// Wraps a verifier (or an app's sign-in proof) received from elsewhere.
    pub fn new(value: String) -> Self {
        PkceVerifier(value)
    }
    /// The verifier itself, sent once to the token endpoint.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let token = AccessToken::new("s3cr3t-token");
        assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
        assert_eq!(token.secret(), "s3cr3t-token");
        let password = DevicePassword::new("hunter2");
        assert_eq!(format!("{password:?}"), "DevicePassword([redacted])");
        assert_eq!(password.secret(), "hunter2");
        assert_eq!(
            format!("{:?}", HomeAssistantToken::new("abc")),
            "HomeAssistantToken([redacted])"
        );
        let verifier = PkceVerifier::new("v3rifier".into());
        assert!(!format!("{verifier:?}").contains("v3rifier"));
    }
}
