//! The hub's base layer: what every other layer may use and which uses none of them — the
//! configuration file, the log, the seal for secrets at rest, and the request throttles.

pub mod config;
pub mod log;
pub mod seal;
pub mod throttle;

pub use config::Config;
pub use throttle::Throttles;
