//! ID-token verification with the `openidconnect` crate: RS256 only, key from the provider's
//! JWKS, standard claim checks.
//!
//! The algorithm comes from our policy, never from the token: `alg: none`, HS256 (including the
//! classic trick of using the RSA public key as an HMAC secret) and anything else are refused
//! before a key is even looked up.

use std::str::FromStr;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use openidconnect::core::{CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{ClaimsVerificationError, ClientId, IssuerUrl, Nonce};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use url::Url;

use crate::secret::RawIdToken;

/// Clock skew tolerated between Cobot and this device, in seconds.
pub const MAX_SKEW_SECS: i64 = 120;

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    /// Not three base64url parts with JSON inside.
    #[error("the token is malformed")]
    Malformed,
    /// An algorithm other than RS256.
    #[error("the token uses the algorithm {0:?}; only RS256 is accepted")]
    UnsupportedAlgorithm(String),
    /// No key in the JWKS has the token's `kid`, even after fetching it again.
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    /// The JWKS could not be fetched or read.
    #[error("the provider's keys could not be fetched: {0}")]
    Keys(String),
    /// The signature does not verify.
    #[error("the token's signature is wrong")]
    BadSignature,
    /// `iss` is not the provider's issuer.
    #[error("the token was issued by {got:?}, not by {expected:?}")]
    WrongIssuer {
        /// The provider's issuer.
        expected: String,
        /// The token's `iss`.
        got: String,
    },
    /// `aud` does not name this client (or `azp` names another one).
    #[error("the token was issued for another application")]
    WrongAudience,
    /// `exp` is in the past (beyond the tolerated skew).
    #[error("the token has expired")]
    Expired,
    /// `iat` is in the future (beyond the tolerated skew).
    #[error("the token was issued in the future; check this device's clock")]
    IssuedInFuture,
    /// `nonce` is missing or not the one this sign-in sent.
    #[error("the token does not belong to this sign-in (nonce mismatch)")]
    NonceMismatch,
}

/// The claims Frontdoor reads from an ID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdClaims {
    /// Issuer.
    pub iss: String,
    /// The Cobot user id.
    pub sub: String,
    /// Audience: one client id or several.
    pub aud: Audience,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issue time, Unix seconds.
    pub iat: i64,
    /// The nonce sent with the authorization request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Authorized party, when there are several audiences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Email, with the `email` scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Name (per-space sign-in, `profile` scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Picture URL (per-space sign-in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Phone number (per-space sign-in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// `aud` is a string or an array of strings (OIDC Core §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// One audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `client_id` is among the audiences.
    pub fn contains(&self, client_id: &str) -> bool {
        match self {
            Audience::One(a) => a == client_id,
            Audience::Many(list) => list.iter().any(|a| a == client_id),
        }
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Marks the issue-time check's refusal: openidconnect reports it as "expired".
const ISSUED_IN_FUTURE: &str = "issued in the future";

/// Verifies ID tokens of one provider for one client, caching its keys.
///
/// The checks themselves are the `openidconnect` crate's (signature against the JWKS, `iss`,
/// `aud`, `exp`, `nonce`); around them sit our policy and what the crate leaves to the caller:
/// RS256 only, decided from our side before any key is looked up; one JWKS re-fetch on an unknown
/// `kid` (key rotation); `iat` and `exp` against an injected clock with bounded skew; `azp`.
#[derive(Debug, Clone)]
pub struct IdTokenVerifier {
    http: reqwest::Client,
    issuer: String,
    jwks_uri: Url,
    client_id: String,
    keys: Arc<Mutex<Option<CoreJsonWebKeySet>>>,
    nonce: NonceRule,
}

/// Whether an ID token must carry the sign-in's `nonce`.
///
/// OpenID Connect Core requires the nonce only for the implicit flow; with the authorization code
/// redeemed by a confidential client with PKCE (as the hub does), the ID token comes straight from
/// Cobot's token endpoint and the nonce adds a second binding, not the only one. Cobot documents
/// its ID tokens' `sub` and `iss`, not whether they echo the nonce, so a space whose Cobot does
/// not may relax it. `exp` and `iat` are always checked: a token without them could be replayed
/// forever, and the `openidconnect` crate cannot read one without them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NonceRule {
    /// The token must carry exactly the nonce sent (the default).
    #[default]
    Required,
    /// A token without a nonce passes; one with a nonce must carry exactly the one sent.
    WhenPresent,
}

impl IdTokenVerifier {
    /// A verifier for `issuer`'s tokens meant for `client_id`.
    pub fn new(http: reqwest::Client, issuer: String, jwks_uri: Url, client_id: String) -> IdTokenVerifier {
        IdTokenVerifier {
            http,
            issuer,
            jwks_uri,
            client_id,
            keys: Arc::new(Mutex::new(None)),
            nonce: NonceRule::Required,
        }
    }

    /// The same verifier, holding tokens to `rule` for their nonce.
    pub fn with_nonce_rule(mut self, rule: NonceRule) -> IdTokenVerifier {
        self.nonce = rule;
        self
    }

    /// Verifies `token` at Unix time `now`. With `expected_nonce`, the token must carry exactly it.
    pub async fn verify(
        &self,
        token: &RawIdToken,
        expected_nonce: Option<&str>,
        now: i64,
    ) -> Result<IdClaims, IdTokenError> {
        let raw = token.secret();
        // Our policy, before anything else: the algorithm is RS256, whatever the token says.
        let header = decode_header(raw)?;
        if header.alg != "RS256" {
            return Err(IdTokenError::UnsupportedAlgorithm(header.alg));
        }
        let parsed = CoreIdToken::from_str(raw).map_err(|_| IdTokenError::Malformed)?;
        let mut cache = self.keys.lock().await;
        let fetched_now = cache.is_none();
        if fetched_now {
            *cache = Some(self.fetch().await?);
        }
        let keys = cache.clone().unwrap_or_else(|| CoreJsonWebKeySet::new(Vec::new()));
        let got_iss = unverified_iss(raw);
        match self
            .check(&parsed, keys, expected_nonce, now)
            .map_err(|e| with_issuer(e, &got_iss))
        {
            // The provider may have rotated its keys: fetch them once more, then decide.
            Err(IdTokenError::UnknownKey) if !fetched_now => {
                let keys = self.fetch().await?;
                *cache = Some(keys.clone());
                self.check(&parsed, keys, expected_nonce, now)
                    .map_err(|e| with_issuer(e, &got_iss))
            }
            other => other,
        }
    }

    fn check(
        &self,
        token: &CoreIdToken,
        keys: CoreJsonWebKeySet,
        expected_nonce: Option<&str>,
        now: i64,
    ) -> Result<IdClaims, IdTokenError> {
        let issuer = IssuerUrl::new(self.issuer.clone()).map_err(|e| IdTokenError::Keys(e.to_string()))?;
        let at = |secs: i64| DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default();
        let latest_iat = at(now + MAX_SKEW_SECS);
        // `exp` is compared with "now" minus the tolerated skew, so a token that expired a moment
        // ago by Cobot's clock still passes when our clock runs a little ahead.
        let lenient_now = at(now - MAX_SKEW_SECS);
        let verifier = CoreIdTokenVerifier::new_public_client(ClientId::new(self.client_id.clone()), issuer, keys)
            .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
            .set_time_fn(move || lenient_now)
            .set_issue_time_verifier_fn(move |iat| {
                if iat > latest_iat {
                    Err(ISSUED_IN_FUTURE.to_string())
                } else {
                    Ok(())
                }
            });
        let nonce = expected_nonce.map(|n| Nonce::new(n.to_string()));
        let verified = match (&nonce, self.nonce) {
            (Some(nonce), NonceRule::Required) => token.claims(&verifier, nonce),
            (Some(nonce), NonceRule::WhenPresent) => token.claims(&verifier, |got: Option<&Nonce>| match got {
                None => Ok(()),
                Some(got) if got.secret() == nonce.secret() => Ok(()),
                Some(_) => Err("the nonce is not this sign-in's".to_string()),
            }),
            (None, _) => token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
        };
        let claims = verified.map_err(|e| self.refusal(e))?;
        let audiences: Vec<String> = claims.audiences().iter().map(|a| a.to_string()).collect();
        let azp = claims.authorized_party().map(|a| a.to_string());
        // OIDC Core §3.1.3.7 (4, 5), which the crate leaves to us: with several audiences the
        // authorized party must be us; when named, it must be us.
        if azp.as_deref().is_some_and(|a| a != self.client_id) || (audiences.len() > 1 && azp.is_none()) {
            return Err(IdTokenError::WrongAudience);
        }
        Ok(IdClaims {
            iss: claims.issuer().to_string(),
            sub: claims.subject().to_string(),
            aud: match audiences.as_slice() {
                [one] => Audience::One(one.clone()),
                _ => Audience::Many(audiences),
            },
            exp: claims.expiration().timestamp(),
            iat: claims.issue_time().timestamp(),
            nonce: claims.nonce().map(|n| n.secret().clone()),
            azp,
            email: claims.email().map(|e| e.to_string()),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
            picture: claims.picture().and_then(|p| p.get(None)).map(|p| p.to_string()),
            phone_number: claims.phone_number().map(|p| p.to_string()),
        })
    }

    /// The crate's refusal in our words.
    fn refusal(&self, e: ClaimsVerificationError) -> IdTokenError {
        use openidconnect::SignatureVerificationError as S;
        use ClaimsVerificationError as C;
        match e {
            C::Expired(why) if why == ISSUED_IN_FUTURE => IdTokenError::IssuedInFuture,
            C::Expired(_) => IdTokenError::Expired,
            C::InvalidAudience(_) => IdTokenError::WrongAudience,
            C::InvalidIssuer(_) => IdTokenError::WrongIssuer {
                expected: self.issuer.clone(),
                got: String::new(),
            },
            C::InvalidNonce(_) => IdTokenError::NonceMismatch,
            C::SignatureVerification(S::NoMatchingKey | S::AmbiguousKeyId(_)) => IdTokenError::UnknownKey,
            C::SignatureVerification(S::DisallowedAlg(alg) | S::UnsupportedAlg(alg)) => {
                IdTokenError::UnsupportedAlgorithm(alg)
            }
            C::SignatureVerification(S::NoSignature) => IdTokenError::UnsupportedAlgorithm("none".into()),
            C::SignatureVerification(S::CryptoError(_) | S::InvalidKey(_)) => IdTokenError::BadSignature,
            // Both enums are `#[non_exhaustive]`: anything new refuses the token as malformed.
            _ => IdTokenError::Malformed,
        }
    }

    async fn fetch(&self) -> Result<CoreJsonWebKeySet, IdTokenError> {
        let response = self
            .http
            .get(self.jwks_uri.clone())
            .send()
            .await
            .map_err(|e| IdTokenError::Keys(e.to_string()))?;
        if !response.status().is_success() {
            return Err(IdTokenError::Keys(format!("HTTP {}", response.status().as_u16())));
        }
        let body = response.bytes().await.map_err(|e| IdTokenError::Keys(e.to_string()))?;
        serde_json::from_slice(&body).map_err(|e| IdTokenError::Keys(format!("not a key set ({e})")))
    }
}

fn decode_header(raw: &str) -> Result<Header, IdTokenError> {
    let mut parts = raw.split('.');
    let (Some(header), Some(_), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(IdTokenError::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD.decode(header).map_err(|_| IdTokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| IdTokenError::Malformed)
}

/// The `iss` a token claims, unverified: only to say in the refusal whom it claims to be from.
fn unverified_iss(raw: &str) -> String {
    #[derive(Deserialize)]
    struct Iss {
        #[serde(default)]
        iss: String,
    }
    raw.split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice::<Iss>(&b).ok())
        .map(|i| i.iss)
        .unwrap_or_default()
}

fn with_issuer(e: IdTokenError, got: &str) -> IdTokenError {
    match e {
        IdTokenError::WrongIssuer { expected, .. } => IdTokenError::WrongIssuer {
            expected,
            got: got.to_string(),
        },
        other => other,
    }
}
