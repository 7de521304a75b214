//! The routes of the status strip (the use case: [`crate::app::glance`]).
use crate::app::glance::*;

use crate::app::Error;
use crate::app::Hub;
use crate::http::{staff_only, Json};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use frontdoor_core::console::Glance;
use std::sync::Arc;

/// The glance route.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new().route("/api/v1/admin/glance", get(glance))
}

pub(crate) async fn glance(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<Glance>, Error> {
    staff_only(&hub, &headers, "see the space's health").await?;
    Ok(Json(now(&hub).await?))
}
