//! Check-in claims across the hubs of one space (issue 21.4). Cobot has no idempotency key, so
//! two hubs of one space that each read "no check-in" and then post would check a member in
//! twice. Before its check-in worker reads Cobot, a hub claims (space, membership, Cobot day)
//! here; the claim is a row in PostgreSQL, taken under its row lock, with a lease.
//!
//! The window that remains (measured in the hub's fleet tests): a hub whose post to Cobot takes
//! longer than the lease, while another takes the claim over and reads Cobot before the first
//! post is recorded there. A hub that cannot reach the fleet checks in as alone (read, then post).

use std::time::Duration;

use frontdoor_core::fleet::{self, ClaimReply, ClaimRequest};
use futures_util::StreamExt;
use tokio::sync::watch;

use crate::error::FleetError;
use crate::store::Store;

/// How long a claim holds before another hub may take it over (`claim_lease_seconds`).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

impl Store {
    /// Takes or reports the claim for `request`.
    pub async fn claim(&self, request: &ClaimRequest, lease: Duration) -> Result<ClaimReply, FleetError> {
        let lease_ms = lease.as_secs_f64() * 1000.0;
        let mut client = self.pool().get().await?;
        let tx = client.transaction().await?;
        let (space, member, day) = (&request.space, &request.membership_id, &request.day);
        let fresh = tx
            .execute(
                "INSERT INTO claims (space, membership_id, day, hub, state, leased_until) \
                 VALUES ($1, $2, $3, $4, 'held', now() + $5::float8 * interval '1 millisecond') ON CONFLICT DO NOTHING",
                &[space, member, day, &request.hub, &lease_ms],
            )
            .await?;
        let reply = if fresh == 1 {
            ClaimReply::Granted
        } else {
            let row = tx
                .query_one(
                    "SELECT hub, state, leased_until < now() FROM claims \
                     WHERE space = $1 AND membership_id = $2 AND day = $3 FOR UPDATE",
                    &[space, member, day],
                )
                .await?;
            let (holder, state, expired): (String, String, bool) = (row.get(0), row.get(1), row.get(2));
            let reply = if state == "done" {
                ClaimReply::Done
            } else if holder == request.hub {
                ClaimReply::Granted
            } else if expired {
                ClaimReply::TakenOver { from: holder }
            } else {
                ClaimReply::HeldElsewhere { hub: holder }
            };
            if matches!(reply, ClaimReply::Granted | ClaimReply::TakenOver { .. }) {
                tx.execute(
                    "UPDATE claims SET hub = $4, state = 'held', leased_until = now() + $5::float8 * interval '1 millisecond' \
                     WHERE space = $1 AND membership_id = $2 AND day = $3",
                    &[space, member, day, &request.hub, &lease_ms],
                )
                .await?;
            }
            reply
        };
        tx.commit().await?;
        Ok(reply)
    }

    /// The holder says the check-in is done (posted, found at Cobot, or refused by it).
    pub async fn claim_done(&self, request: &ClaimRequest) -> Result<(), FleetError> {
        let client = self.pool().get().await?;
        client
            .execute(
                "UPDATE claims SET state = 'done' WHERE space = $1 AND membership_id = $2 AND day = $3 AND hub = $4",
                &[&request.space, &request.membership_id, &request.day, &request.hub],
            )
            .await?;
        Ok(())
    }
}

/// Answers claims until `stop`, in the `fleet` queue group (several fleet processes share them;
/// PostgreSQL's row lock decides).
pub async fn run(nats: async_nats::Client, store: Store, lease: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = serve(&nats, &store, lease) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

async fn serve(nats: &async_nats::Client, store: &Store, lease: Duration) {
    let (Ok(mut takes), Ok(mut dones)) = (
        nats.queue_subscribe(fleet::CLAIM_SUBJECTS, "fleet".into()).await,
        nats.queue_subscribe(fleet::CLAIM_DONE_SUBJECTS, "fleet".into()).await,
    ) else {
        return;
    };
    loop {
        let (message, done) = tokio::select! {
            Some(m) = takes.next() => (m, false),
            Some(m) = dones.next() => (m, true),
            else => return,
        };
        let (Some(reply), Ok(request)) = (
            message.reply.clone(),
            serde_json::from_slice::<ClaimRequest>(&message.payload),
        ) else {
            continue;
        };
        // The subject names the asker, and only that hub's NATS user may publish on it.
        let asked_on = if done {
            fleet::claim_done_subject(&request.space, &request.hub)
        } else {
            fleet::claim_subject(&request.space, &request.hub)
        };
        if !fleet::is_name(&request.hub) || !fleet::is_name(&request.space) || message.subject.as_str() != asked_on {
            tracing::warn!(
                "a claim on {} names hub {} of {}; dropped",
                message.subject,
                request.hub,
                request.space
            );
            continue;
        }
        let (nats, store) = (nats.clone(), store.clone());
        tokio::spawn(async move {
            let answer = if done {
                store.claim_done(&request).await.map(|()| serde_json::json!("ok"))
            } else {
                store.claim(&request, lease).await.map(|r| serde_json::json!(r))
            };
            match answer {
                // No answer on failure: the hub checks in as alone, as when the fleet is away.
                Err(e) => tracing::warn!("a check-in claim failed: {e}"),
                Ok(answer) => {
                    let _ = nats.publish(reply, answer.to_string().into()).await;
                }
            }
        });
    }
}
