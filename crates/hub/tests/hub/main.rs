//! The hub's integration tests: sign-in, unlock, sync, check-ins, the console, storage, kills, hardening, TLS, phone pages, load and freshness, against cobot-sim and relay-sim.
//!
//! One binary, with a module per subject, so the crate is linked once for all of them.

#[path = "../util/mod.rs"]
mod util;

mod access_setup;
mod check_ins;
mod console_cobot;
mod console_part2;
mod fleet;
mod freshness;
mod hardening;
mod kill;
mod load;
mod phone_pages;
mod sign_in;
mod storage;
mod sync;
mod tls;
mod unlock;
