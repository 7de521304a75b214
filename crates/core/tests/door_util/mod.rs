//! Door doubles for core's driver tests: the Shelly double and the HTTP plumbing come from
//! `relay-sim` (shared with the hub's tests, benchmarks and the demo); the Standard Webhooks
//! receiver and Home Assistant doubles, and an address nobody answers at, live here.
#![allow(dead_code)]

pub mod home_assistant;
pub mod unreachable;
pub mod webhook;

pub use relay_sim::*;
