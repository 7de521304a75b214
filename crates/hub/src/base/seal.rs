//! Encryption at rest for the secrets the hub must use again later (a member's Cobot token, to
//! re-validate the person and to revoke the token at sign-out). XChaCha20-Poly1305 with a random
//! nonce per value and the owning row's id as associated data, so a sealed value copied into
//! another row does not open. The key comes from a credential, never from the database file.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// Length of the key in bytes.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

/// Why a value could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The key text is not 32 bytes in hex or base64.
    #[error("the store key must be 32 bytes, written as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)")]
    BadKey,
    /// The sealed value was made with another key, for another row, or was altered.
    #[error("a sealed value could not be opened (another store key, or the value was altered)")]
    Unreadable,
}

/// The key that seals values at rest. `Debug` prints no key material.
#[derive(Clone)]
pub struct SealKey(chacha20poly1305::Key);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey([redacted])")
    }
}

impl SealKey {
    /// A fresh random key: for tests, and for a hub started without one (whose sealed values then
    /// do not survive a restart; it says so at start).
    pub fn random() -> SealKey {
        let mut raw = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        SealKey(raw.into())
    }

    /// Reads a key written as 64 hex digits or as base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<SealKey, Error> {
        use base64::Engine;
        let text = text.trim();
        let bytes = if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..KEY_LEN)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| Error::BadKey))
                .collect::<Result<Vec<u8>, Error>>()?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
                .map_err(|_| Error::BadKey)?
        };
        let raw: [u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::BadKey)?;
        Ok(SealKey(raw.into()))
    }

    /// Seals `value` for the row `owner`: nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, owner: &str, value: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = XChaCha20Poly1305::new(&self.0)
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: value,
                    aad: owner.as_bytes(),
                },
            )
            .expect("encryption with a valid key and nonce does not fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`SealKey::seal`] made for the same `owner`.
    pub fn open(&self, owner: &str, sealed: &[u8]) -> Result<Vec<u8>, Error> {
        if sealed.len() < NONCE_LEN {
            return Err(Error::Unreadable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        XChaCha20Poly1305::new(&self.0)
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| Error::Unreadable)
    }
}

#[cfg(test)]
mod tests;
