//! The up stream's consumer: batches from JetStream into PostgreSQL, each message acknowledged
//! only after the transaction committed, so a fleet killed between the two gets the batch again and
//! the record's unique key drops what it already has.

use std::time::Duration;

use async_nats::jetstream::consumer::{pull, AckPolicy};
use async_nats::jetstream::{self, Context};
use frontdoor_core::fleet::{self, Up};
use futures_util::StreamExt;
use tokio::sync::watch;

use crate::error::FleetError;
use crate::store::Store;

/// The durable consumer's name.
pub const CONSUMER: &str = "fleet-record";
/// Messages per batch.
const BATCH: usize = 1000;

fn link(e: impl std::fmt::Display) -> FleetError {
    FleetError::Link(e.to_string())
}

/// Makes the stream and the buckets (the state bucket, each space's down bucket) if they are not
/// there (the fleet owns them).
pub async fn prepare(js: &Context, spaces: &std::collections::BTreeSet<String>) -> Result<(), FleetError> {
    js.get_or_create_stream(jetstream::stream::Config {
        name: fleet::UP_STREAM.into(),
        subjects: vec![fleet::UP_SUBJECTS.into()],
        storage: jetstream::stream::StorageType::File,
        // Longer than any outage a hub rides out with its own audit log; the record is PostgreSQL.
        max_age: Duration::from_secs(14 * 86_400),
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .map_err(link)?;
    bucket(js, fleet::STATE_BUCKET, 1).await?;
    for space in spaces {
        down_bucket(js, space).await?;
    }
    Ok(())
}

/// `space`'s down bucket, made if it is not there.
pub async fn down_bucket(js: &Context, space: &str) -> Result<jetstream::kv::Store, FleetError> {
    let name = fleet::down_bucket(space);
    bucket(js, &name, 5).await?;
    js.get_key_value(name).await.map_err(link)
}

/// Makes the bucket `name` keeping `history` values per key, if it is not there. A bucket is a
/// stream of this shape; made as a stream rather than by `create_key_value`, which first asks for
/// the account's limits in a form Debian's nats-server 2.9 does not answer in; `get_key_value`
/// then finds it as a bucket.
async fn bucket(js: &Context, name: &str, history: i64) -> Result<(), FleetError> {
    js.get_or_create_stream(jetstream::stream::Config {
        name: format!("KV_{name}"),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: history,
        storage: jetstream::stream::StorageType::File,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        num_replicas: 1,
        discard: jetstream::stream::DiscardPolicy::New,
        ..Default::default()
    })
    .await
    .map_err(link)?;
    Ok(())
}

/// Consumes until `stop`, starting again after each failure.
pub async fn run(
    js: Context,
    store: Store,
    spaces: std::collections::BTreeSet<String>,
    mut stop: watch::Receiver<bool>,
) {
    let mut failing = false;
    loop {
        let result = tokio::select! {
            result = consume(&js, &store, &spaces) => result,
            _ = stop.wait_for(|s| *s) => return,
        };
        if let Err(e) = result {
            if !failing {
                tracing::warn!("storing the hubs' events failed, retrying: {e}");
                failing = true;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

async fn consume(js: &Context, store: &Store, spaces: &std::collections::BTreeSet<String>) -> Result<(), FleetError> {
    prepare(js, spaces).await?;
    let stream = js.get_stream(fleet::UP_STREAM).await.map_err(link)?;
    let consumer: async_nats::jetstream::consumer::PullConsumer = stream
        .get_or_create_consumer(
            CONSUMER,
            pull::Config {
                durable_name: Some(CONSUMER.into()),
                // Each message acknowledged on its own, after its batch committed: several fleet
                // processes may pull from this one consumer, and none acknowledges another's.
                ack_policy: AckPolicy::Explicit,
                ack_wait: Duration::from_secs(10),
                ..Default::default()
            },
        )
        .await
        .map_err(link)?;
    loop {
        let mut messages = consumer
            .fetch()
            .max_messages(BATCH)
            .expires(Duration::from_millis(500))
            .messages()
            .await
            .map_err(link)?;
        let mut batch = Vec::new();
        let mut fetched = Vec::new();
        while let Some(message) = messages.next().await {
            let message = message.map_err(link)?;
            match serde_json::from_slice::<Up>(&message.payload) {
                Ok(up) if message.subject.as_str() == fleet::up_subject(&up.space, &up.hub) => batch.push(up),
                Ok(up) => tracing::warn!(
                    "an event on {} names hub {} of {}; dropped",
                    message.subject,
                    up.hub,
                    up.space
                ),
                Err(e) => tracing::warn!("an event on {} cannot be read ({e}); dropped", message.subject),
            }
            fetched.push(message);
        }
        if fetched.is_empty() {
            continue;
        }
        let stored = store.store(&batch).await?;
        tracing::debug!("stored {stored:?}");
        // A lost acknowledgement only brings the message again, and the record drops the repeat.
        for message in fetched {
            message.ack().await.map_err(link)?;
        }
    }
}
