//! The Zigbee2MQTT switch contract (see the module's documentation): `zigbee2mqtt/<d>/set` and
//! `/get`, and the state it publishes on `zigbee2mqtt/<d>`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::device::{Inner, Kind};

impl Inner {
    pub(super) fn zigbee2mqtt(self: &Arc<Self>, topic: &str, payload: &str) {
        if topic.ends_with("/get") {
            self.zigbee2mqtt_state(*self.relay(0).on.borrow());
            return;
        }
        let Ok(message) = serde_json::from_str::<Value>(payload) else {
            return; // Zigbee2MQTT logs "Invalid JSON" and does nothing.
        };
        let on = *self.relay(0).on.borrow();
        let wanted = match message
            .get("state")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("ON") => true,
            Some("OFF") => false,
            Some("TOGGLE") => !on,
            _ => return,
        };
        let on_time = message
            .get("on_time")
            .and_then(Value::as_f64)
            .filter(|s| *s > 0.0)
            .map(Duration::from_secs_f64);
        self.switch(0, wanted, if wanted { on_time } else { None });
        self.zigbee2mqtt_state(wanted);
    }

    pub(super) fn zigbee2mqtt_state(&self, on: bool) {
        let Kind::Zigbee2Mqtt { base, device } = &self.kind else {
            return;
        };
        let state = if on { "ON" } else { "OFF" };
        self.answer(
            format!("{base}/{device}"),
            json!({"state": state, "linkquality": 120}).to_string(),
        );
    }
}
