//! Redirect URI registration and matching.
//!
//! Cobot does not document its redirect URI policy (cobot-api.md §1, [U]); the simulator applies
//! the strict reading of the standards so a client that works here works against any sane server:
//!
//! * A requested `redirect_uri` must equal a registered one **character for character**: no
//!   normalisation, no prefix matching, no case folding, no trailing-slash leniency.
//! * One exception, RFC 8252 §7.3 (native apps on loopback): a registered URI of the form
//!   `http://127.0.0.1/<rest>` or `http://[::1]/<rest>` (no port) also matches a request for
//!   `http://127.0.0.1:<any port>/<rest>` (resp. `[::1]`), because a native app learns its port
//!   only when it binds. `<rest>` (path and query) must still be identical. `localhost` gets no
//!   such treatment (RFC 8252 §8.3 advises against it).

/// Loopback literals the port rule applies to.
const LOOPBACK_PREFIXES: [&str; 2] = ["http://127.0.0.1", "http://[::1]"];

/// Whether `requested` may be used for a client that registered `registered`.
pub(crate) fn matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    LOOPBACK_PREFIXES.iter().any(|prefix| {
        let (Some(reg_rest), Some(req_rest)) = (registered.strip_prefix(prefix), requested.strip_prefix(prefix)) else {
            return false;
        };
        // The registered URI has no port: its remainder starts the path (or is empty).
        if !(reg_rest.is_empty() || reg_rest.starts_with('/')) {
            return false;
        }
        let Some(after_colon) = req_rest.strip_prefix(':') else {
            return false;
        };
        let digits = after_colon.bytes().take_while(u8::is_ascii_digit).count();
        let (port, rest) = after_colon.split_at(digits);
        matches!(port.parse::<u16>(), Ok(p) if p != 0 && !port.starts_with('0')) && rest == reg_rest
    })
}

/// Whether any of `registered` admits `requested`.
pub(crate) fn is_registered(registered: &[String], requested: &str) -> bool {
    registered.iter().any(|r| matches(r, requested))
}

/// Registration rules (RFC 6749 §3.1.2): absolute URIs without a fragment.
pub(crate) fn validate_registered(uris: &[String]) -> Result<(), BadRedirectUri> {
    if uris.is_empty() {
        return Err(BadRedirectUri::None);
    }
    for uri in uris {
        let parsed = url::Url::parse(uri).map_err(|source| BadRedirectUri::NotAbsolute {
            uri: uri.clone(),
            source,
        })?;
        if parsed.fragment().is_some() {
            return Err(BadRedirectUri::Fragment { uri: uri.clone() });
        }
    }
    Ok(())
}

/// Why redirect URIs cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRedirectUri {
    /// None given.
    #[error("at least one redirect URI is required")]
    None,
    /// Not an absolute URI.
    #[error("redirect URI `{uri}` is not an absolute URI: {source}")]
    NotAbsolute {
        /// The URI.
        uri: String,
        /// Why.
        #[source]
        source: url::ParseError,
    },
    /// It has a fragment.
    #[error("redirect URI `{uri}` must not contain a fragment")]
    Fragment {
        /// The URI.
        uri: String,
    },
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn check_table() {
        let cases = [
            ("frontdoor://auth/callback", "frontdoor://auth/callback", true),
            ("frontdoor://auth/callback", "frontdoor://auth/callback/", false),
            ("frontdoor://auth/callback", "Frontdoor://auth/callback", false),
            ("frontdoor://auth/callback", "frontdoor://auth/callback?x=1", false),
            ("http://127.0.0.1/auth/callback", "http://127.0.0.1/auth/callback", true),
            (
                "http://127.0.0.1/auth/callback",
                "http://127.0.0.1:53124/auth/callback",
                true,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "http://127.0.0.1:1/auth/callback",
                true,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "http://127.0.0.1:65535/auth/callback",
                true,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "http://127.0.0.1:65536/auth/callback",
                false,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "http://127.0.0.1:0/auth/callback",
                false,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "http://127.0.0.1:080/auth/callback",
                false,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "http://127.0.0.1:/auth/callback",
                false,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "http://127.0.0.1:8080/auth/other",
                false,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "http://127.0.0.1:8080/auth/callback/x",
                false,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "http://127.0.0.1.evil:8080/auth/callback",
                false,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "http://localhost:8080/auth/callback",
                false,
            ),
            (
                "http://127.0.0.1/auth/callback",
                "https://127.0.0.1:8080/auth/callback",
                false,
            ),
            ("http://[::1]/cb", "http://[::1]:4000/cb", true),
            // A registered port is taken literally: the rule only widens port-less registrations.
            ("http://127.0.0.1:5000/cb", "http://127.0.0.1:6000/cb", false),
            ("http://localhost/cb", "http://localhost:4000/cb", false),
        ];
        for (registered, requested, expected) in cases {
            assert_eq!(
                matches(registered, requested),
                expected,
                "registered {registered}, requested {requested}"
            );
        }
    }
}
