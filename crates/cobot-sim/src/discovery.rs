//! OIDC discovery documents and the JWK set, for `www` and for each space.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::state::{self, Site};
use crate::Sim;

/// Claims every issuer supports (cobot-api.md §1, verbatim, including the odd `profile`).
const CLAIMS: [&str; 4] = ["sub", "email", "iss", "profile"];
/// Extra claims of the per-space issuer. Cobot says "additional claims are supported" without
/// naming them ([U]); these are the ones the simulator puts in space ID tokens and userinfo.
const SPACE_CLAIMS: [&str; 3] = ["name", "picture", "phone_number"];

/// The discovery document for `site`. For `www` it is exactly cobot-api.md §1 with the base URL
/// substituted. A space's document has the space issuer (`{base}/sub/{subdomain}`), endpoints under
/// that prefix, and the extra claims. The registration endpoint stays on `www`: client registration
/// is a user-level feature there ([U] whether spaces advertise their own); the simulator serves it
/// (RFC 7591, the `register` module).
///
/// `token_endpoint_auth_methods_supported` is Cobot's `["none"]`, though the token endpoint also
/// takes `client_secret_post` and `client_secret_basic`: Cobot's UI-registered clients use secrets
/// in every known integration, while its discovery lists only `none`. Advertising what Cobot
/// advertises keeps clients from relying on a document Cobot does not serve.
pub(crate) fn document(state: &state::State, site: &Site) -> Value {
    let issuer = state.issuer_of(site);
    let mut claims: Vec<&str> = CLAIMS.to_vec();
    if matches!(site, Site::Space(_)) {
        claims.extend(SPACE_CLAIMS);
    }
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/access_token"),
        "userinfo_endpoint": format!("{issuer}/api/userinfo"),
        "jwks_uri": format!("{issuer}/jwks.json"),
        "registration_endpoint": format!("{}/oauth/register", state.issuer),
        "scopes_supported": ["openid", "email", "profile"],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": claims,
        "claims_parameter_supported": false,
    })
}

/// `Site::Space` for a known subdomain, else 404 `{"error":"not found"}`.
pub(crate) fn space_site(state: &state::State, subdomain: &str) -> Result<Site, ApiError> {
    state
        .space(subdomain)
        .map(|_| Site::Space(subdomain.to_string()))
        .ok_or_else(ApiError::not_found)
}

/// `GET /.well-known/openid-configuration` and `/.well-known/oauth-authorization-server`.
pub(crate) async fn www(State(sim): State<Sim>) -> Json<Value> {
    Json(document(&sim.lock(), &Site::Www))
}

/// `GET /sub/{subdomain}/.well-known/openid-configuration`.
pub(crate) async fn space(State(sim): State<Sim>, Path(subdomain): Path<String>) -> Result<Json<Value>, ApiError> {
    let state = sim.lock();
    let site = space_site(&state, &subdomain)?;
    Ok(Json(document(&state, &site)))
}

/// `GET /jwks.json`: every published key, the signing one last.
pub(crate) async fn jwks(State(sim): State<Sim>) -> Json<Value> {
    let state = sim.lock();
    Json(json!({"keys": state.keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()}))
}

/// `GET /sub/{subdomain}/jwks.json`: the same keys as `www`.
pub(crate) async fn space_jwks(State(sim): State<Sim>, Path(subdomain): Path<String>) -> Result<Json<Value>, ApiError> {
    space_site(&sim.lock(), &subdomain)?;
    Ok(jwks(State(sim)).await)
}
