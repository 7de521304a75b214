//! The routes of the sync panel: runs, interval, a sync started by staff and its progress events (the use case: [`crate::app::sync_panel`]).
use crate::app::sync_panel::*;

use crate::app::Error;
use crate::app::Hub;
use crate::http::{staff_only, Json};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use frontdoor_core::console::SyncPanel;
use frontdoor_core::hub::Code;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};

/// `GET /api/v1/admin/sync/runs` (staff).
pub(crate) async fn runs(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<SyncPanel>, Error> {
    staff_only(&hub, &headers, "see the sync runs").await?;
    panel(&hub).await.map(Json)
}

/// `PUT /api/v1/admin/sync/interval` (staff) `{minutes}`: 5 to 1,440, stored and applied by
/// the scheduler at once.
pub(crate) async fn interval(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Json<SyncPanel>, Error> {
    let staff = staff_only(&hub, &headers, "change how often the hub syncs").await?;
    let words = format!("Between {MIN_INTERVAL} and {MAX_INTERVAL} minutes (a day), in whole minutes.");
    let minutes = body
        .get("minutes")
        .and_then(serde_json::Value::as_u64)
        .filter(|m| (MIN_INTERVAL..=MAX_INTERVAL).contains(m))
        .ok_or_else(|| {
            Error::invalid(
                format!("The sync interval must be {MIN_INTERVAL} to {MAX_INTERVAL} minutes; nothing was changed."),
                [("minutes".to_string(), words)].into(),
            )
        })?;
    hub.db(move |store| store.set_sync_interval(minutes))
        .await?
        .map_err(Error::internal)?;
    hub.schedule.set_interval(minutes);
    tracing::info!(by = %staff.user_id, minutes, "staff changed the sync interval");
    panel(&hub).await.map(Json)
}

/// `POST /api/v1/admin/sync/start` (staff): 202 at once with the progress of the sync it started
/// or joined.
pub(crate) async fn start(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Response, Error> {
    staff_only(&hub, &headers, "start a sync").await?;
    if hub.syncer.token().is_none() {
        return Err(Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::NotConnected,
            "The hub is not connected to Cobot yet, so it cannot sync. Connect Cobot first.",
        ));
    }
    let started = start_full(&hub, false);
    let mut now = hub
        .syncer
        .progress()
        .current()
        .map(|t| t.progress)
        .unwrap_or_else(starting);
    if !started {
        now.message = format!("A sync was already under way; following it. {}", now.message);
    }
    Ok((StatusCode::ACCEPTED, Json(now)).into_response())
}

/// `GET /api/v1/admin/sync/events` (staff): the sync's progress as server-sent events, one JSON
/// [`SyncProgress`] per `data:` line.
pub(crate) async fn events(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Response, Error> {
    staff_only(&hub, &headers, "follow a sync").await?;
    // Subscribed before the current state is read: no change falls between the two.
    let mut changes = hub.syncer.progress().subscribe();
    let current = hub.syncer.progress().current();
    let (tx, rx) = mpsc::channel::<Event>(16);
    let follow = hub.clone();
    let mut stopping = hub.schedule.stopping.subscribe();
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + EVENTS_LIFETIME;
        let mut seen = 0;
        let send = |tick: &Tick| {
            Event::default()
                .id(tick.seq.to_string())
                .json_data(&tick.progress)
                .expect("progress serialises")
        };
        if let Some(tick) = current {
            seen = tick.seq;
            if tx.send(send(&tick)).await.is_err() || !tick.running {
                return;
            }
        }
        loop {
            let tick = tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return,
                _ = stopping.wait_for(|s| *s) => return,
                _ = tx.closed() => return,
                next = changes.recv() => match next {
                    Ok(tick) => tick,
                    // Fell behind: catch up from the current state.
                    Err(broadcast::error::RecvError::Lagged(_)) => match follow.syncer.progress().current() {
                        Some(tick) => tick,
                        None => continue,
                    },
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            if tick.seq <= seen {
                continue;
            }
            seen = tick.seq;
            if tx.send(send(&tick)).await.is_err() || !tick.running {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok::<_, Infallible>(event), rx))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}
