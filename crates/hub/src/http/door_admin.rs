//! The routes of the doors: list, save, remove and test (the use case: [`crate::app::door_admin`]).
use crate::app::door_admin::*;

use crate::app::setup::Actor;
use crate::app::Error;
use crate::app::Hub;
use crate::http::{bearer, staff_only, Json, Path};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post, put};
use axum::Router;
use frontdoor_core::console::{DoorChange, DoorsView};
use frontdoor_core::hub::UnlockResponse;
use std::sync::Arc;

/// The console's door routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/admin/doors", get(list))
        .route("/api/v1/admin/doors/{door}", put(save).delete(remove))
        .route("/api/v1/admin/doors/{door}/test", post(test))
}

pub(crate) async fn list(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<DoorsView>, Error> {
    staff_only(&hub, &headers, WHAT).await?;
    Ok(Json(view(&hub).await?))
}

pub(crate) async fn save(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(change): Json<DoorChange>,
) -> Result<Json<DoorsView>, Error> {
    let session = staff_only(&hub, &headers, WHAT).await?;
    save_door(&hub, &Actor::staff(&session), id, change).await.map(Json)
}

pub(crate) async fn remove(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<DoorsView>, Error> {
    let session = staff_only(&hub, &headers, WHAT).await?;
    remove_door(&hub, &Actor::staff(&session), id).await.map(Json)
}

pub(crate) async fn test(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(door): Path<String>,
) -> Result<Json<UnlockResponse>, Error> {
    staff_only(&hub, &headers, "test doors").await?;
    // An unknown door is refused (and audited) by the unlock path like any other.
    hub.test_door(bearer(&headers), &door).await.map(Json)
}
