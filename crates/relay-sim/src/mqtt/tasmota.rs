//! The Tasmota contract (see the module's documentation): `cmnd/<t>/…` commands (`Power<n>`,
//! `PulseTime<n>`, `Backlog` / `Backlog0`) and their `stat/<t>/…` answers, plus how Tasmota
//! numbers its relays and counts its `PulseTime`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::device::{Inner, Kind};

/// Tasmota's default delay between `Backlog` commands (`SetOption34` = 200 ms).
const BACKLOG_DELAY: Duration = Duration::from_millis(200);

impl Inner {
    pub(super) fn tasmota(self: &Arc<Self>, topic: &str, payload: &str) {
        let command = topic.rsplit('/').next().unwrap_or_default();
        let (name, index) = split_index(command);
        if name.eq_ignore_ascii_case("backlog") {
            let commands: Vec<String> = payload
                .split(';')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            if index == Some(0) {
                for command in commands {
                    self.tasmota_command(&command);
                }
            } else {
                let device = self.clone();
                tokio::spawn(async move {
                    for (i, command) in commands.iter().enumerate() {
                        if i > 0 {
                            tokio::time::sleep(BACKLOG_DELAY).await;
                        }
                        device.tasmota_command(command);
                    }
                });
            }
        } else {
            self.tasmota_execute(name, index, payload.trim());
        }
    }

    /// One backlog entry: `PulseTime1 3`, `Power1 ON`.
    fn tasmota_command(self: &Arc<Self>, line: &str) {
        let (command, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let (name, index) = split_index(command);
        self.tasmota_execute(name, index, value.trim());
    }

    fn tasmota_execute(self: &Arc<Self>, name: &str, index: Option<u32>, value: &str) {
        let Kind::Tasmota { topic } = &self.kind else { return };
        let result = format!("stat/{topic}/RESULT");
        let relay = index.unwrap_or(1);
        let valid = relay >= 1 && relay < 1 + self.relays.len() as u32;
        match name.to_ascii_uppercase().as_str() {
            "POWER" if valid => {
                let on = *self.relay(relay).on.borrow();
                let wanted = match value.to_ascii_lowercase().as_str() {
                    "" => None,
                    "on" | "1" | "true" => Some(true),
                    "off" | "0" | "false" => Some(false),
                    "toggle" | "2" => Some(!on),
                    _ => None,
                };
                if let Some(wanted) = wanted {
                    let pulse = match (wanted, self.relay(relay).pulse_time.load(Ordering::SeqCst)) {
                        (true, 0) | (false, _) => None,
                        (true, v) => Some(pulse_time_duration(v)),
                    };
                    self.switch(relay, wanted, pulse);
                }
                self.tasmota_power_report(relay, *self.relay(relay).on.borrow());
            }
            "PULSETIME" if valid => {
                let pulse_time = self.relay(relay).pulse_time.load(Ordering::SeqCst);
                let set = match value.parse::<u64>() {
                    Ok(v) if v <= 64_900 => {
                        self.relay(relay).pulse_time.store(v, Ordering::SeqCst);
                        v
                    }
                    _ => pulse_time,
                };
                let key = format!("PulseTime{relay}");
                self.answer(result, json!({ key: {"Set": set, "Remaining": set} }).to_string());
            }
            "POWER" | "PULSETIME" => self.answer(result, json!({"Command": "Error"}).to_string()),
            _ => self.answer(result, json!({"Command": "Unknown"}).to_string()),
        }
    }

    pub(super) fn tasmota_power_report(&self, relay: u32, on: bool) {
        let Kind::Tasmota { topic } = &self.kind else { return };
        let key = if self.relays.len() == 1 {
            "POWER".to_string()
        } else {
            format!("POWER{relay}")
        };
        let state = if on { "ON" } else { "OFF" };
        self.answer(
            format!("stat/{topic}/RESULT"),
            json!({ key.clone(): state }).to_string(),
        );
        self.answer(format!("stat/{topic}/{key}"), state.to_string());
    }
}

/// `POWER1` → (`POWER`, Some(1)); `Backlog0` → (`Backlog`, Some(0)); `Power` → (`Power`, None).
fn split_index(command: &str) -> (&str, Option<u32>) {
    let name = command.trim_end_matches(|c: char| c.is_ascii_digit());
    (name, command[name.len()..].parse().ok())
}

/// Tasmota's `PulseTime` value as a duration: 1..=111 tenths of a second, 112.. seconds + 100.
pub fn pulse_time_duration(value: u64) -> Duration {
    if value <= 111 {
        Duration::from_millis(value * 100)
    } else {
        Duration::from_secs(value - 100)
    }
}
