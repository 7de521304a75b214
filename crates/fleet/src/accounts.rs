//! The NATS users of a fleet, each allowed only what it needs: the fleet everything, each hub
//! its own subjects and no other hub's (issue 21). `frontdoor-fleet nats-config` prints them as
//! nats-server's `authorization` block; only bcrypt hashes of the passwords are in it.
//!
//! A hub of space S named H may publish its events (`frontdoor.up.S.H`), its state
//! (`$KV.frontdoor-state.S.H`) and its claims (`frontdoor.claim.*.S.H`), read and watch S's down
//! bucket and no other, answer the fleet's requests, and subscribe to its remote opens
//! (`frontdoor.open.S.H`) and its own inbox (`_INBOX_hub.S.H.>`). So a hub's password, taken
//! from one site, cannot send another hub's events, answer its opens, read another space's
//! revocations or setup, or write anything down.

use std::fmt::Write;

use frontdoor_core::fleet;

use crate::config::{Config, HubAccount};
use crate::error::FleetError;

/// The bcrypt hash of `password` at `cost`, in the `$2a$` form nats-server reads.
pub fn hash_password(password: &str, cost: u32) -> Result<String, FleetError> {
    bcrypt::hash_with_result(password, cost)
        .map(|parts| parts.format_for_version(bcrypt::Version::TwoA))
        .map_err(|e| FleetError::Invalid(format!("the password cannot be hashed: {e}")))
}

/// What one hub may publish and subscribe to.
pub fn hub_permissions(space: &str, hub: &str) -> (Vec<String>, Vec<String>) {
    let down = format!("KV_{}", fleet::down_bucket(space));
    let state = format!("KV_{}", fleet::STATE_BUCKET);
    let publish = vec![
        fleet::up_subject(space, hub),
        format!("$KV.{}.{}", fleet::STATE_BUCKET, fleet::state_key(space, hub)),
        format!("$JS.API.STREAM.INFO.{state}"),
        format!("$JS.API.STREAM.INFO.{down}"),
        format!("$JS.API.CONSUMER.CREATE.{down}"),
        // Needed when the watch's consumer is made again after a reconnect (the fleet tests with
        // a cut link fail without it).
        format!("$JS.API.CONSUMER.CREATE.{down}.>"),
        format!("$JS.API.CONSUMER.DELETE.{down}.>"),
        format!("$JS.API.CONSUMER.INFO.{down}.>"),
        format!("$JS.FC.{down}.>"),
        fleet::claim_subject(space, hub),
        fleet::claim_done_subject(space, hub),
    ];
    let subscribe = vec![
        fleet::open_subject(space, hub),
        format!("{}.>", fleet::inbox_prefix(space, hub)),
    ];
    (publish, subscribe)
}

/// nats-server's `authorization` block for `config`'s fleet user and hubs.
pub fn nats_authorization(config: &Config) -> Result<String, FleetError> {
    let Some(fleet_hash) = &config.nats.password_bcrypt else {
        return Err(FleetError::Invalid(
            "Set nats.password_bcrypt (frontdoor-fleet hash-password prints it) so the fleet has a NATS user.".into(),
        ));
    };
    let quoted = |s: &str| serde_json::Value::from(s).to_string();
    let list = |items: &[String]| items.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(", ");
    let mut out = String::from(
        "# Written by `frontdoor-fleet nats-config`; include it in nats-server's configuration.\n\
         authorization {\n  users = [\n",
    );
    let _ = writeln!(
        out,
        "    {{user: {}, password: {}, permissions: {{publish: \">\", subscribe: \">\"}}}}",
        quoted(&config.nats.user),
        quoted(fleet_hash)
    );
    for HubAccount {
        id,
        space,
        password_bcrypt,
    } in &config.hubs
    {
        let (publish, subscribe) = hub_permissions(space, id);
        let _ = writeln!(
            out,
            "    {{user: {}, password: {}, permissions: {{publish: {{allow: [{}]}}, subscribe: {{allow: [{}]}}, \
             allow_responses: true}}}}",
            quoted(id),
            quoted(password_bcrypt),
            list(&publish),
            list(&subscribe)
        );
    }
    out.push_str("  ]\n}\n");
    Ok(out)
}
