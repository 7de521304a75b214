//! The hub's use cases: signing in and devices, opening doors and checking in, syncing Cobot
//! and following its webhooks, the console's setup of access, doors, members and check-ins.
//! They use the store and the base below them, and Cobot and the door drivers through
//! `frontdoor-core`; they know nothing of HTTP routes, which live in [`crate::http`] above.

pub mod activity;
pub mod check_in;
pub mod check_ins_view;
pub mod device;
pub mod doctor;
pub mod door_admin;
pub mod doors;
pub mod error;
pub mod fleet;
pub mod freshness;
pub mod glance;
pub mod hub;
pub mod members;
pub mod plug;
pub mod session;
pub mod setup;
pub mod sign_in;
pub mod sync;
pub mod sync_panel;
pub mod unlock;
pub mod webhook;

pub use error::Error;
pub use hub::Hub;
