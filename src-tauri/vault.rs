//! Where tokens are kept: the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows) through `keyring`; memory only when there is no keychain,
//! reported to the person so they know they'll sign in again after a restart.
//!
//! Architecture Invariant: no token is ever written to a plain file.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use frontdoor_core::secret::RefreshToken;
use frontdoor_ipc::TokenStorage;

const SERVICE: &str = "frontdoor";

/// A place for tokens, keyed by space.
pub trait Vault: Send + Sync {
    /// Which kind of place this is.
    fn kind(&self) -> TokenStorage;
    /// Keeps a token.
    fn put(&self, key: &str, token: &RefreshToken) -> Result<(), String>;
    /// Reads a token.
    fn get(&self, key: &str) -> Result<Option<RefreshToken>, String>;
    /// Forgets a token.
    fn delete(&self, key: &str) -> Result<(), String>;
}

/// The OS keychain.
pub struct Keychain;

impl Vault for Keychain {
    fn kind(&self) -> TokenStorage {
        TokenStorage::Keychain
    }
    fn put(&self, key: &str, token: &RefreshToken) -> Result<(), String> {
        entry(key)?.set_password(token.secret()).map_err(|e| e.to_string())
    }
    fn get(&self, key: &str) -> Result<Option<RefreshToken>, String> {
        match entry(key)?.get_password() {
            Ok(t) => Ok(Some(RefreshToken::new(t))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        match entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

fn entry(key: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, key).map_err(|e| e.to_string())
}

/// Memory only: tokens are gone when the app quits.
pub struct Memory {
    reason: String,
    tokens: Mutex<HashMap<String, RefreshToken>>,
}

impl Memory {
    /// A memory vault, with the reason the keychain is not used.
    pub fn new(reason: impl Into<String>) -> Memory {
        Memory {
            reason: reason.into(),
            tokens: Mutex::default(),
        }
    }
}

impl Vault for Memory {
    fn kind(&self) -> TokenStorage {
        TokenStorage::MemoryOnly {
            reason: self.reason.clone(),
        }
    }
    fn put(&self, key: &str, token: &RefreshToken) -> Result<(), String> {
        self.tokens
            .lock()
            .map_err(|e| e.to_string())?
            .insert(key.into(), token.clone());
        Ok(())
    }
    fn get(&self, key: &str) -> Result<Option<RefreshToken>, String> {
        Ok(self.tokens.lock().map_err(|e| e.to_string())?.get(key).cloned())
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.tokens.lock().map_err(|e| e.to_string())?.remove(key);
        Ok(())
    }
}

/// The keychain if it answers, else memory with the reason in words. The probe runs on its own
/// thread with a deadline: a Secret Service that is activatable but waits for an unlock prompt
/// nobody can see must not freeze the app at start.
pub fn open() -> Box<dyn Vault> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let probe = entry("__probe__").and_then(|e| match e.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        });
        let _ = tx.send(probe);
    });
    match rx.recv_timeout(Duration::from_secs(3)) {
        Ok(Ok(())) => Box::new(Keychain),
        Ok(Err(e)) => Box::new(Memory::new(format!("no system keychain is available ({e})"))),
        Err(_) => Box::new(Memory::new("the system keychain did not answer (is it locked?)")),
    }
}
