//! The routes of Check Cobot (the use case: [`crate::app::doctor`]).
use crate::app::doctor::*;

use crate::app::Error;
use crate::app::Hub;
use crate::http::{staff_only, Json};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use frontdoor_core::console::DoctorReport;
use std::sync::Arc;

pub(crate) async fn doctor(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<DoctorReport>, Error> {
    staff_only(&hub, &headers, "check the Cobot connection").await?;
    Ok(Json(run(&hub).await))
}

/// The console's route: `GET /api/v1/admin/doctor` (staff).
pub fn routes() -> Router<Arc<Hub>> {
    Router::new().route("/api/v1/admin/doctor", get(doctor))
}
