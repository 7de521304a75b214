//! Integration tests: each test spawns its own simulator on 127.0.0.1:0 and talks HTTP to it.

mod util;

mod access_tokens;
mod api;
mod api2;
mod authorize;
mod bulk;
mod check_ins;
mod client_auth;
mod contract;
mod control;
mod custom_fields;
mod discovery;
mod faults;
mod members;
mod register;
mod requests;
mod token;
mod variants;
mod webhooks;
