//! Every hub's last state (lights, doors), watched from its bucket into memory: the console's
//! space overview reads it without asking any hub.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_nats::jetstream::kv::Operation;
use async_nats::jetstream::Context;
use frontdoor_core::fleet::{self, HubState};
use futures_util::StreamExt;
use tokio::sync::watch;

/// The states by space, then hub.
#[derive(Clone, Default)]
pub struct States(Arc<RwLock<BTreeMap<String, BTreeMap<String, HubState>>>>);

impl States {
    /// The hubs of `space` with their last state.
    pub fn of(&self, space: &str) -> BTreeMap<String, HubState> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(space)
            .cloned()
            .unwrap_or_default()
    }

    fn put(&self, state: HubState) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(state.space.clone())
            .or_default()
            .insert(state.hub.clone(), state);
    }
}

/// Watches the state bucket until `stop`.
pub async fn run(js: Context, states: States, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = watch(&js, &states) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

async fn watch(js: &Context, states: &States) {
    let Ok(bucket) = js.get_key_value(fleet::STATE_BUCKET).await else {
        return;
    };
    let Ok(mut entries) = bucket.watch_with_history(">").await else {
        return;
    };
    while let Some(Ok(entry)) = entries.next().await {
        if entry.operation != Operation::Put {
            continue;
        }
        match serde_json::from_slice::<HubState>(&entry.value) {
            Ok(state) if entry.key == fleet::state_key(&state.space, &state.hub) => states.put(state),
            Ok(_) | Err(_) => tracing::warn!("the state under {:?} cannot be read; left out", entry.key),
        }
    }
}
