//! The routes of the activity log, its CSV, door latency and a staff opening (the use case: [`crate::app::activity`]).
use crate::app::activity::*;

use crate::app::Error;
use crate::app::Hub;
use crate::http::{bearer, staff_only, Json, Path, Query};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use frontdoor_core::console::{ActivityPage, DoorLatency, LATENCY_WINDOW};
use frontdoor_core::hub::UnlockResponse;
use serde::Deserialize;
use std::sync::Arc;

/// The activity routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/admin/activity", get(list))
        .route("/api/v1/admin/activity.csv", get(csv))
        .route("/api/v1/admin/doors/latency", get(latency))
        .route("/api/v1/admin/doors/{door}/open", post(open))
}

/// `GET /api/v1/admin/activity`.
pub(crate) async fn list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(raw): Query<RawFilters>,
) -> Result<Json<ActivityPage>, Error> {
    staff_only(&hub, &headers, "see the activity").await?;
    let filters = raw.check(&hub.snapshot(), MAX_LIMIT)?;
    let limit = filters.limit as usize;
    let query = filters.clone();
    let found = hub
        .db(move |store| store.activity(&query))
        .await?
        .map_err(Error::internal)?;
    let names = Names::of(&hub);
    let next_before_id = (found.len() == limit).then(|| found.last().map(|f| f.id)).flatten();
    Ok(Json(ActivityPage {
        rows: found.into_iter().map(|f| names.row(f)).collect(),
        next_before_id,
    }))
}

/// `GET /api/v1/admin/activity.csv`: streamed a page at a time; the database is held only while a
/// page is read, never while the client downloads.
pub(crate) async fn csv(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(raw): Query<RawFilters>,
) -> Result<Response, Error> {
    staff_only(&hub, &headers, "export the activity").await?;
    // `limit` is the export's total here (at most MAX_CSV_ROWS, all of them by default).
    let mut filters = raw.check(&hub.snapshot(), MAX_CSV_ROWS)?;
    let total = if present(&raw.limit).is_some() {
        filters.limit
    } else {
        MAX_CSV_ROWS
    };
    filters.limit = CSV_PAGE.min(total);
    let names = Arc::new(Names::of(&hub));
    let day = hub.space_day(hub.clock.now());
    let filename = format!("frontdoor-activity-{}-{day}.csv", hub.config.space.subdomain);

    // State: the next page's filters and how many rows are still wanted; `None` when done.
    let start = Some((filters, total, true));
    let stream = futures_util::stream::unfold(start, move |state| {
        let hub = hub.clone();
        let names = names.clone();
        async move {
            let (filters, left, first) = state?;
            if left == 0 {
                return None;
            }
            let mut page = filters.clone();
            page.limit = page.limit.min(left);
            let wanted = page.limit as usize;
            let query = page.clone();
            let found = match hub.db(move |store| store.activity(&query)).await {
                Ok(Ok(found)) => found,
                Ok(Err(e)) => {
                    tracing::error!("the activity export stopped: {e}");
                    return Some((Err(std::io::Error::other("the audit log could not be read")), None));
                }
                Err(_) => return Some((Err(std::io::Error::other("the audit log could not be read")), None)),
            };
            let mut chunk = String::new();
            if first {
                chunk.push_str(CSV_HEADER);
            }
            let last_id = found.last().map(|f| f.id);
            let read = found.len();
            for f in found {
                chunk.push_str(&csv_line(&names.row(f)));
            }
            let next = match last_id {
                Some(id) if read == wanted => Some((
                    Filters {
                        before_id: Some(id),
                        ..filters
                    },
                    left - read as u32,
                    false,
                )),
                _ => None,
            };
            if chunk.is_empty() {
                return None;
            }
            Some((Ok::<_, std::io::Error>(chunk), next))
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// `GET /api/v1/admin/doors/latency`.
pub(crate) async fn latency(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<Vec<DoorLatency>>, Error> {
    staff_only(&hub, &headers, "see the doors' opening times").await?;
    let doors: Vec<(String, String)> = hub
        .rules()
        .doors()
        .iter()
        .map(|d| (d.id.0.clone(), d.name.clone()))
        .collect();
    let ids: Vec<String> = doors.iter().map(|(id, _)| id.clone()).collect();
    let samples = hub
        .db(move |store| {
            ids.iter()
                .map(|id| store.opened_latencies(id, LATENCY_WINDOW))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?
        .map_err(Error::internal)?;
    Ok(Json(
        doors
            .into_iter()
            .zip(samples)
            .map(|((door, name), mut us)| {
                us.sort_unstable();
                DoorLatency {
                    door,
                    name,
                    count: us.len() as u32,
                    p50_us: percentile(&us, 50),
                    p95_us: percentile(&us, 95),
                }
            })
            .collect(),
    ))
}

/// The body of a remote open; `reason` is optional here only so that a missing one is a field
/// error in words (the wire type is [`frontdoor_core::console::RemoteOpen`]).
#[derive(Deserialize)]
pub(crate) struct OpenBody {
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /api/v1/admin/doors/{door}/open`: staff open a door for a visitor. The door is only
/// opened through the unlock path, which checks staff again and audits the attempt.
pub(crate) async fn open(
    State(hub): State<Arc<Hub>>,
    Path(door): Path<String>,
    headers: HeaderMap,
    Json(body): Json<OpenBody>,
) -> Result<Json<UnlockResponse>, Error> {
    staff_only(&hub, &headers, "open doors remotely").await?;
    let reason = check_reason(body.reason.as_deref())?;
    // An unknown door is refused (and audited) by the unlock path like any other.
    hub.open_remotely(bearer(&headers), &door, &reason).await.map(Json)
}
