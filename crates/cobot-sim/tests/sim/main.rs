//! Integration tests: each test spawns its own simulator on 127.0.0.1:0 and talks HTTP to it.

mod util;

mod api;
mod authorize;
mod control;
mod discovery;
mod token;
