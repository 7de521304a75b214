//! Frontdoor's core: everything the app and the hub share that is not a user interface.
//!
//! - [`access`]: the access model (groups, plans, schedules, verdicts); pure.
//! - [`links`]: the `frontdoor://` deep-link grammar, parsed strictly.
//! - [`auth`]: Cobot sign-in (OpenID Connect, authorization code + PKCE), ID-token verification,
//!   sign-out with revocation, the RFC 8252 loopback redirect.
//! - [`cobot`]: typed calls to Cobot's API.
//! - [`door`]: door drivers (Shelly relays) behind one trait; a pulse is never sent twice.
//! - [`hub`]: what a hub says about itself, and the client the app uses to ask.
//! - [`console`]: the staff console's wire types (the hub's admin API).
//! - [`secret`]: redacted newtypes for tokens and other secrets.
//!
//! Architecture Invariant: this crate names no `tauri`, `yew` or `wasm_bindgen`; HTTP clients and
//! clocks are passed in, never global.
#![warn(missing_docs)]

pub mod access;
pub mod auth;
pub mod clock;
pub mod cobot;
pub mod console;
pub mod door;
pub mod fleet;
pub mod hub;
pub mod links;
pub mod secret;

pub use auth::CobotHosts;
