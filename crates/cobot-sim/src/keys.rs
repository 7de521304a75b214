//! RS256 signing keys, their JWK form, and compact JWS (JWT) signing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use rsa::traits::PublicKeyParts as _;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// RSA modulus size; 2048 is what RS256 deployments use.
const KEY_BITS: usize = 2048;

/// One signing key with its published half.
pub(crate) struct KeyPair {
    kid: String,
    signing: SigningKey<Sha256>,
    /// Base64url (no padding) big-endian modulus and exponent.
    n: String,
    e: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Generates a fresh key. Takes a noticeable fraction of a second: call off the async runtime.
    pub(crate) fn generate() -> Result<KeyPair, rsa::Error> {
        let private = RsaPrivateKey::new(&mut rand::thread_rng(), KEY_BITS)?;
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        // RFC 7638 JWK thumbprint: stable, derived from the key, unique in practice.
        let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        Ok(KeyPair {
            kid,
            signing: SigningKey::<Sha256>::new(private),
            n,
            e,
        })
    }

    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK (RFC 7517) for `jwks.json`.
    pub(crate) fn jwk(&self) -> Value {
        json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": self.n, "e": self.e})
    }

    /// Signs `claims` as a compact JWS with header `{"alg":"RS256","typ":"JWT","kid":…}`.
    pub(crate) fn sign_jwt(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        // PKCS#1 v1.5 with the SHA-256 DigestInfo prefix: exactly RS256 (RFC 7518 §3.3).
        let signature = self.signing.sign(signing_input.as_bytes()).to_bytes();
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}
