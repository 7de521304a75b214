//! Who is asking: the hub session a bearer token names, and whether it is staff's. Tokens are
//! kept only as their hash.

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use frontdoor_core::hub::Code;
use sha2::{Digest, Sha256};

use super::{Error, Hub};
use crate::store::SessionRow;

/// How a hub session token is stored: its SHA-256, base64url. Only the hash is ever kept.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// The live session a bearer token names at `now`; "not signed in" for none, an empty, forged or
/// expired one. The lookup runs off the async workers.
pub(crate) async fn of(hub: &Hub, bearer: Option<&str>, now: jiff::Timestamp) -> Result<SessionRow, Error> {
    let token = bearer
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or_else(Error::not_signed_in)?;
    let hash = token_hash(token);
    hub.db(move |store| store.session(&hash, now.as_second()))
        .await?
        .map_err(Error::internal)?
        .ok_or_else(Error::not_signed_in)
}

/// The live session of a staff member at the hub's now; "not staff" names what they tried (`what`:
/// "change the access setup").
pub(crate) async fn staff(hub: &Hub, bearer: Option<&str>, what: &str) -> Result<SessionRow, Error> {
    let session = of(hub, bearer, hub.clock.now()).await?;
    if !session.staff {
        return Err(Error::new(
            StatusCode::FORBIDDEN,
            Code::NotStaff,
            format!("Only the space's staff can {what}."),
        ));
    }
    Ok(session)
}
