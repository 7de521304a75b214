//! The core library's integration tests: Cobot's API 2, the door drivers against real peers (Mosquitto, HTTP doubles), the hub client's unlock wait, ID tokens and the certified OpenID Connect peer.
//!
//! One binary, with a module per subject, so the crate is linked once for all of them.

#[path = "../door_util/mod.rs"]
mod door_util;
#[path = "../util/mod.rs"]
mod util;

mod cobot_api2;
mod door_home_assistant;
mod door_mqtt;
mod door_shelly;
mod door_webhook;
mod hub_unlock;
mod id_token;
mod oidc_peer;
