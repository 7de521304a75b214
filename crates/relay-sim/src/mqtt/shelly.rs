//! The Shelly Gen2+ over MQTT contract (see the module's documentation): JSON-RPC frames on
//! `<p>/rpc`, answered on `<src>/rpc`, and the switch status it publishes on every change.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::device::{Inner, Kind};

impl Inner {
    pub(super) fn shelly(self: &Arc<Self>, payload: &str) {
        let Kind::Shelly { prefix } = &self.kind else { return };
        let Ok(frame) = serde_json::from_str::<Value>(payload) else {
            return;
        };
        let Some(src) = frame.get("src").and_then(Value::as_str) else {
            return; // no `src`: nowhere to answer
        };
        let id = frame.get("id").cloned().unwrap_or(Value::Null);
        let params = frame.get("params").cloned().unwrap_or(Value::Null);
        let method = frame.get("method").and_then(Value::as_str).unwrap_or_default();
        let switch = params.get("id").and_then(Value::as_u64).unwrap_or(0);
        let valid = switch < self.relays.len() as u64;
        let outcome: Result<Value, (i64, String)> = match method {
            "Switch.Set" | "Switch.GetStatus" if !valid => {
                Err((-105, format!("Argument 'id', value {switch} not found!")))
            }
            "Switch.Set" => match params.get("on").and_then(Value::as_bool) {
                Some(on) => {
                    let pulse = params
                        .get("toggle_after")
                        .and_then(Value::as_f64)
                        .filter(|s| *s > 0.0)
                        .map(Duration::from_secs_f64);
                    let was_on = self.switch(switch as u32, on, if on { pulse } else { None });
                    self.shelly_status(switch as u32, on, pulse);
                    Ok(json!({"was_on": was_on}))
                }
                None => Err((-103, "Missing required argument 'on'!".to_string())),
            },
            "Switch.GetStatus" => Ok(json!({"id": switch, "output": *self.relay(switch as u32).on.borrow()})),
            "Shelly.GetDeviceInfo" => Ok(json!({"id": prefix, "model": "SPSW-201XE16EU", "gen": 2, "auth_en": false})),
            other => Err((404, format!("No handler for {other}"))),
        };
        let mut answer = json!({"id": id, "src": prefix, "dst": src});
        match outcome {
            Ok(result) => answer["result"] = result,
            Err((code, message)) => answer["error"] = json!({"code": code, "message": message}),
        }
        self.answer(format!("{src}/rpc"), answer.to_string());
    }

    pub(super) fn shelly_status(&self, switch: u32, on: bool, pulse: Option<Duration>) {
        let Kind::Shelly { prefix } = &self.kind else { return };
        let mut status = json!({"id": switch, "source": "MQTT", "output": on});
        if let Some(pulse) = pulse {
            status["timer_duration"] = json!(pulse.as_secs_f64());
        }
        self.answer(format!("{prefix}/status/switch:{switch}"), status.to_string());
    }
}
