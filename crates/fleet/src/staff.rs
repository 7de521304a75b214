//! Who is asking: a bearer token matched against the configured staff by its hash, in constant
//! time; and the one rule every endpoint keeps: a space is seen and changed only by its staff.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::Staff;
use crate::error::FleetError;

/// A staff API token as it arrives: redacted in `Debug`, never logged.
pub struct ApiToken(String);

impl ApiToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> ApiToken {
        ApiToken(token.into())
    }

    /// Its SHA-256 in hex, as the configuration keeps it.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(…)")
    }
}

/// A signed-in staff member of the operator.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Their name.
    pub name: String,
    /// The spaces they run.
    pub spaces: Vec<String>,
}

impl Caller {
    /// The staff member whose token this is.
    pub fn of(staff: &[Staff], token: Option<&ApiToken>) -> Result<Caller, FleetError> {
        let token = token.ok_or(FleetError::NotSignedIn)?;
        let hash = token.hash();
        let mut found = None;
        for one in staff {
            if bool::from(one.token_sha256.to_ascii_lowercase().as_bytes().ct_eq(hash.as_bytes())) {
                found = Some(one);
            }
        }
        let one = found.ok_or(FleetError::NotSignedIn)?;
        Ok(Caller {
            name: one.name.clone(),
            spaces: one.spaces.clone(),
        })
    }

    /// `space`, when they run it. A space they do not run is answered exactly as one that does
    /// not exist, so staff of one space cannot learn of another.
    pub fn space<'a>(&self, space: &'a str) -> Result<&'a str, FleetError> {
        if self.spaces.iter().any(|s| s == space) {
            Ok(space)
        } else {
            Err(FleetError::UnknownSpace)
        }
    }
}
