//! ID-token verification: RS256 only, key from the provider's JWKS, standard claim checks.
//!
//! The algorithm comes from our policy, never from the token: `alg: none`, HS256 (including the
//! classic trick of using the RSA public key as an HMAC secret) and anything else are refused
//! before a key is even looked up.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
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
    fn contains(&self, client_id: &str) -> bool {
        match self {
            Audience::One(a) => a == client_id,
            Audience::Many(list) => list.iter().any(|a| a == client_id),
        }
    }
    fn is_many(&self) -> bool {
        matches!(self, Audience::Many(list) if list.len() > 1)
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// Verifies ID tokens of one provider for one client, caching its keys.
#[derive(Debug, Clone)]
pub struct IdTokenVerifier {
    http: reqwest::Client,
    issuer: String,
    jwks_uri: Url,
    client_id: String,
    keys: Arc<Mutex<Option<Vec<Jwk>>>>,
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
        }
    }

    /// Verifies `token` at Unix time `now`. With `expected_nonce`, the token must carry exactly it.
    pub async fn verify(
        &self,
        token: &RawIdToken,
        expected_nonce: Option<&str>,
        now: i64,
    ) -> Result<IdClaims, IdTokenError> {
        let raw = token.secret();
        let header = decode_header(raw)?;
        if header.alg != "RS256" {
            return Err(IdTokenError::UnsupportedAlgorithm(header.alg));
        }
        let key = self.key_for(header.kid.as_deref()).await?;
        let (n, e) = match (&key.n, &key.e) {
            (Some(n), Some(e)) => (n, e),
            _ => return Err(IdTokenError::Keys("an RSA key without n or e".into())),
        };
        let decoding = DecodingKey::from_rsa_components(n, e).map_err(|e| IdTokenError::Keys(e.to_string()))?;
        let mut validation = Validation::new(Algorithm::RS256);
        // Time and audience are checked below against the injected clock and our client id.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<IdClaims>(raw, &decoding, &validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => IdTokenError::BadSignature,
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => IdTokenError::UnsupportedAlgorithm(header_alg(raw)),
            _ => IdTokenError::Malformed,
        })?;
        let claims = data.claims;
        if claims.iss.trim_end_matches('/') != self.issuer.trim_end_matches('/') {
            return Err(IdTokenError::WrongIssuer {
                expected: self.issuer.clone(),
                got: claims.iss,
            });
        }
        if !claims.aud.contains(&self.client_id) {
            return Err(IdTokenError::WrongAudience);
        }
        if claims.aud.is_many() && claims.azp.as_deref() != Some(self.client_id.as_str()) {
            return Err(IdTokenError::WrongAudience);
        }
        if claims.exp + MAX_SKEW_SECS <= now {
            return Err(IdTokenError::Expired);
        }
        if claims.iat - MAX_SKEW_SECS > now {
            return Err(IdTokenError::IssuedInFuture);
        }
        if let Some(expected) = expected_nonce {
            if claims.nonce.as_deref() != Some(expected) {
                return Err(IdTokenError::NonceMismatch);
            }
        }
        Ok(claims)
    }

    /// The signing key for `kid`, fetching the JWKS if it is not cached, and once more if the
    /// cached set does not have the key (the provider rotated its keys).
    async fn key_for(&self, kid: Option<&str>) -> Result<Jwk, IdTokenError> {
        let mut cache = self.keys.lock().await;
        let fetched_now = cache.is_none();
        if fetched_now {
            *cache = Some(self.fetch().await?);
        }
        if let Some(key) = pick(cache.as_deref().unwrap_or_default(), kid) {
            return Ok(key);
        }
        if !fetched_now {
            *cache = Some(self.fetch().await?);
            if let Some(key) = pick(cache.as_deref().unwrap_or_default(), kid) {
                return Ok(key);
            }
        }
        Err(IdTokenError::UnknownKey)
    }

    async fn fetch(&self) -> Result<Vec<Jwk>, IdTokenError> {
        let response = self
            .http
            .get(self.jwks_uri.clone())
            .send()
            .await
            .map_err(|e| IdTokenError::Keys(e.to_string()))?;
        if !response.status().is_success() {
            return Err(IdTokenError::Keys(format!("HTTP {}", response.status().as_u16())));
        }
        let set: JwkSet = response.json().await.map_err(|e| IdTokenError::Keys(e.to_string()))?;
        Ok(set
            .keys
            .into_iter()
            .filter(|k| {
                k.kty == "RSA"
                    && k.use_.as_deref().is_none_or(|u| u == "sig")
                    && k.alg.as_deref().is_none_or(|a| a == "RS256")
            })
            .collect())
    }
}

fn pick(keys: &[Jwk], kid: Option<&str>) -> Option<Jwk> {
    match kid {
        Some(kid) => keys.iter().find(|k| k.kid.as_deref() == Some(kid)).cloned(),
        // Without a kid, only an unambiguous set will do.
        None if keys.len() == 1 => keys.first().cloned(),
        None => None,
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

fn header_alg(raw: &str) -> String {
    decode_header(raw).map(|h| h.alg).unwrap_or_default()
}
