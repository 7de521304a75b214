//! Where tokens are kept: the OS keychain through `keyring` — Secret Service on Linux, Keychain
//! on macOS and iOS, Credential Manager on Windows, the Android Keystore (through
//! `android-keyring`) on Android — or memory only, reported to the person so they know they'll
//! sign in again after a restart.
//!
//! `keyring` quietly falls back to a store of its own that keeps nothing (its mock) on a platform
//! whose store was not compiled in, so the vault asks the store it got how long it keeps what it
//! is given (`persistence()`), and calls it a keychain only when it keeps tokens until they are
//! deleted.
//!
//! Two kinds of token are kept: a hub's refresh token (`refresh:<space>@<hub>`) and the staff token
//! of the fleet the operator signed in to (`fleet@<fleet>`), each typed, so one is never read back
//! as the other.
//!
//! Architecture Invariant: no token is ever written to a plain file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontdoor_core::secret::RefreshToken;
use frontdoor_ipc::TokenStorage;
use keyring::credential::{CredentialBuilder, CredentialPersistence};

use crate::console::fleet::FleetToken;
use crate::device_error::DeviceError;

const SERVICE: &str = "frontdoor";

/// A place for tokens, keyed by space (refresh tokens) or by fleet (the fleet's staff token).
pub trait Vault: Send + Sync {
    /// Which kind of place this is.
    fn kind(&self) -> TokenStorage;
    /// Keeps a token.
    fn put(&self, key: &str, token: &RefreshToken) -> Result<(), DeviceError>;
    /// Reads a token.
    fn get(&self, key: &str) -> Result<Option<RefreshToken>, DeviceError>;
    /// Keeps the fleet's staff token.
    fn put_fleet(&self, key: &str, token: &FleetToken) -> Result<(), DeviceError>;
    /// Reads the fleet's staff token.
    fn get_fleet(&self, key: &str) -> Result<Option<FleetToken>, DeviceError>;
    /// Forgets a token of either kind.
    fn delete(&self, key: &str) -> Result<(), DeviceError>;
}

/// The OS keychain: entries made by the platform's `keyring` store.
pub struct Keychain {
    store: Box<CredentialBuilder>,
}

impl Keychain {
    fn entry(&self, key: &str) -> Result<keyring::Entry, DeviceError> {
        self.store
            .build(None, SERVICE, key)
            .map(keyring::Entry::new_with_credential)
            .map_err(DeviceError::Keychain)
    }

    /// The text kept under `key`, if any.
    fn read(&self, key: &str) -> Result<Option<String>, DeviceError> {
        match self.entry(key)?.get_password() {
            Ok(t) => Ok(Some(t)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

impl Vault for Keychain {
    fn kind(&self) -> TokenStorage {
        TokenStorage::Keychain
    }
    fn put(&self, key: &str, token: &RefreshToken) -> Result<(), DeviceError> {
        Ok(self.entry(key)?.set_password(token.secret())?)
    }
    fn get(&self, key: &str) -> Result<Option<RefreshToken>, DeviceError> {
        Ok(self.read(key)?.map(RefreshToken::new))
    }
    fn put_fleet(&self, key: &str, token: &FleetToken) -> Result<(), DeviceError> {
        Ok(self.entry(key)?.set_password(token.secret())?)
    }
    fn get_fleet(&self, key: &str) -> Result<Option<FleetToken>, DeviceError> {
        Ok(self.read(key)?.map(FleetToken::new))
    }
    fn delete(&self, key: &str) -> Result<(), DeviceError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Memory only: tokens are gone when the app quits.
pub struct Memory {
    reason: String,
    tokens: Mutex<HashMap<String, Kept>>,
}

/// A token kept in memory, of its kind.
#[derive(Clone)]
enum Kept {
    Refresh(RefreshToken),
    Fleet(FleetToken),
}

impl Memory {
    /// A memory vault, with the reason the keychain is not used.
    pub fn new(reason: impl Into<String>) -> Memory {
        Memory {
            reason: reason.into(),
            tokens: Mutex::default(),
        }
    }

    /// The tokens; a panic elsewhere while holding them leaves plain data behind, kept.
    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Vault for Memory {
    fn kind(&self) -> TokenStorage {
        TokenStorage::MemoryOnly {
            reason: self.reason.clone(),
        }
    }
    fn put(&self, key: &str, token: &RefreshToken) -> Result<(), DeviceError> {
        self.tokens().insert(key.into(), Kept::Refresh(token.clone()));
        Ok(())
    }
    fn get(&self, key: &str) -> Result<Option<RefreshToken>, DeviceError> {
        Ok(match self.tokens().get(key) {
            Some(Kept::Refresh(token)) => Some(token.clone()),
            Some(Kept::Fleet(_)) | None => None,
        })
    }
    fn put_fleet(&self, key: &str, token: &FleetToken) -> Result<(), DeviceError> {
        self.tokens().insert(key.into(), Kept::Fleet(token.clone()));
        Ok(())
    }
    fn get_fleet(&self, key: &str) -> Result<Option<FleetToken>, DeviceError> {
        Ok(match self.tokens().get(key) {
            Some(Kept::Fleet(token)) => Some(token.clone()),
            Some(Kept::Refresh(_)) | None => None,
        })
    }
    fn delete(&self, key: &str) -> Result<(), DeviceError> {
        self.tokens().remove(key);
        Ok(())
    }
}

/// The platform's credential store, as `keyring` was built for this target.
fn platform_store() -> Box<CredentialBuilder> {
    #[cfg(target_os = "android")]
    {
        // The Android Keystore needs the app's context, which Tauri's Android runtime provides
        // through `ndk-context`; without it, the store stays keyring's (which keeps nothing).
        match android_keyring::credential::AndroidBuilder::from_ndk_context() {
            Ok(store) => return Box::new(store),
            Err(e) => tracing::warn!("the Android Keystore could not be opened: {e}"),
        }
    }
    keyring::default::default_credential_builder()
}

/// The keychain if it keeps tokens and answers, else memory with the reason in words.
pub fn open() -> Box<dyn Vault> {
    open_with(platform_store())
}

/// The vault for `store`: a keychain only when the store keeps what it is given until it is
/// deleted (keyring's mock, and a kernel keyring that forgets at reboot, do not), and answers.
/// The probe runs on its own thread with a deadline: a Secret Service that is activatable but
/// waits for an unlock prompt nobody can see must not freeze the app at start.
pub fn open_with(store: Box<CredentialBuilder>) -> Box<dyn Vault> {
    let lasting = matches!(store.persistence(), CredentialPersistence::UntilDelete);
    if !lasting {
        return Box::new(Memory::new(
            "this device's keychain is not available to Frontdoor, so nothing would keep your sign-in",
        ));
    }
    let keychain = Arc::new(Keychain { store });
    let (tx, rx) = std::sync::mpsc::channel();
    let probing = Arc::clone(&keychain);
    std::thread::spawn(move || {
        let probe = probing.entry("__probe__").and_then(|e| match e.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(DeviceError::from(e)),
        });
        let _ = tx.send(probe);
    });
    match rx.recv_timeout(Duration::from_secs(3)) {
        Ok(Ok(())) => Box::new(keychain),
        Ok(Err(e)) => Box::new(Memory::new(format!("no system keychain is available ({e})"))),
        Err(_) => Box::new(Memory::new("the system keychain did not answer (is it locked?)")),
    }
}

/// The keychain, shared with the probe thread (which may outlive a probe that timed out).
impl Vault for Arc<Keychain> {
    fn kind(&self) -> TokenStorage {
        Keychain::kind(self)
    }
    fn put(&self, key: &str, token: &RefreshToken) -> Result<(), DeviceError> {
        Keychain::put(self, key, token)
    }
    fn get(&self, key: &str) -> Result<Option<RefreshToken>, DeviceError> {
        Keychain::get(self, key)
    }
    fn put_fleet(&self, key: &str, token: &FleetToken) -> Result<(), DeviceError> {
        Keychain::put_fleet(self, key, token)
    }
    fn get_fleet(&self, key: &str) -> Result<Option<FleetToken>, DeviceError> {
        Keychain::get_fleet(self, key)
    }
    fn delete(&self, key: &str) -> Result<(), DeviceError> {
        Keychain::delete(self, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyring::credential::{Credential, CredentialBuilderApi};

    #[test]
    fn a_store_that_keeps_nothing_is_not_called_a_keychain() {
        // keyring's mock is what `keyring` hands out on a platform whose store was not compiled
        // in: it accepts tokens and forgets them with the entry.
        let vault = open_with(keyring::mock::default_credential_builder());
        match vault.kind() {
            TokenStorage::MemoryOnly { reason } => assert!(
                reason.contains("keychain is not available"),
                "the person is told why they will sign in again: {reason}"
            ),
            TokenStorage::Keychain => panic!("a store that keeps nothing was called a keychain"),
        }
        // And it still works for this run.
        vault.put("k", &RefreshToken::new("t")).unwrap();
        assert_eq!(
            vault.get("k").unwrap().map(|t| t.secret().to_string()),
            Some("t".into())
        );
    }

    /// A store that says it keeps tokens until deleted, holding them in a map (keyring's mock
    /// keeps a password only inside one entry, and the vault makes a new entry per call).
    struct Lasting(Arc<Mutex<HashMap<String, String>>>);
    #[derive(Debug)]
    struct LastingEntry(Arc<Mutex<HashMap<String, String>>>, String);

    impl keyring::credential::CredentialApi for LastingEntry {
        fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
            let text = String::from_utf8(secret.to_vec()).expect("tokens are text");
            self.0.lock().unwrap().insert(self.1.clone(), text);
            Ok(())
        }
        fn get_secret(&self) -> keyring::Result<Vec<u8>> {
            let map = self.0.lock().unwrap();
            map.get(&self.1)
                .map(|t| t.as_bytes().to_vec())
                .ok_or(keyring::Error::NoEntry)
        }
        fn delete_credential(&self) -> keyring::Result<()> {
            self.0
                .lock()
                .unwrap()
                .remove(&self.1)
                .map(|_| ())
                .ok_or(keyring::Error::NoEntry)
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    impl CredentialBuilderApi for Lasting {
        fn build(&self, _target: Option<&str>, _service: &str, user: &str) -> keyring::Result<Box<Credential>> {
            Ok(Box::new(LastingEntry(Arc::clone(&self.0), user.to_string())))
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn persistence(&self) -> CredentialPersistence {
            CredentialPersistence::UntilDelete
        }
    }

    #[test]
    fn a_store_that_keeps_tokens_until_deleted_is_the_keychain() {
        let kept = Arc::new(Mutex::new(HashMap::new()));
        let vault = open_with(Box::new(Lasting(Arc::clone(&kept))));
        assert_eq!(vault.kind(), TokenStorage::Keychain);
        vault
            .put("refresh:lighthouse@https://hub", &RefreshToken::new("r1"))
            .unwrap();
        assert_eq!(
            kept.lock()
                .unwrap()
                .get("refresh:lighthouse@https://hub")
                .map(String::as_str),
            Some("r1"),
            "the token went to the store"
        );
        vault.delete("refresh:lighthouse@https://hub").unwrap();
        vault.delete("refresh:lighthouse@https://hub").unwrap();
        assert_eq!(vault.get("refresh:lighthouse@https://hub").unwrap(), None);

        vault
            .put_fleet("fleet@https://fleet.example/", &FleetToken::new("f1"))
            .unwrap();
        assert_eq!(
            kept.lock()
                .unwrap()
                .get("fleet@https://fleet.example/")
                .map(String::as_str),
            Some("f1"),
            "the fleet's token went to the store too"
        );
        assert_eq!(
            vault
                .get_fleet("fleet@https://fleet.example/")
                .unwrap()
                .map(|t| t.secret().to_string()),
            Some("f1".into())
        );
    }

    #[test]
    fn in_memory_a_fleet_token_is_never_read_back_as_a_refresh_token() {
        let vault = Memory::new("test");
        vault.put_fleet("k", &FleetToken::new("staff")).unwrap();
        assert_eq!(
            vault.get("k").unwrap(),
            None,
            "a fleet token is not a hub's refresh token"
        );
        assert_eq!(
            vault.get_fleet("k").unwrap().map(|t| t.secret().to_string()),
            Some("staff".into())
        );
        vault.delete("k").unwrap();
        assert!(vault.get_fleet("k").unwrap().is_none(), "forgotten");
    }
}
