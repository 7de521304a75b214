//! The token endpoint (RFC 6749 §4.1.3–4.1.4, §5; RFC 7636 §4.5–4.6) and ID tokens
//! (OIDC Core §2), on `www` and on each space.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use crate::authorize::is_pkce_string;
use crate::discovery::space_site;
use crate::error::{no_store, OAuthError};
use crate::params::Params;
use crate::state::{self, Site, TokenRecord};
use crate::{prefix, Sim};

/// ID token lifetime.
const ID_TOKEN_TTL_SECS: i64 = 3600;

/// `POST /oauth/access_token`.
pub(crate) async fn www(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    exchange(&sim, Site::Www, &headers, &body).into_response()
}

/// `POST /sub/{subdomain}/oauth/access_token`.
pub(crate) async fn space(
    State(sim): State<Sim>,
    Path(subdomain): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let site = match space_site(&sim.lock(), &subdomain) {
        Ok(site) => site,
        Err(e) => return e.into_response(),
    };
    exchange(&sim, site, &headers, &body).into_response()
}

fn exchange(sim: &Sim, site: Site, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
        });
    if !form_encoded {
        return Err(OAuthError::new(
            "invalid_request",
            "The body must be application/x-www-form-urlencoded.",
        ));
    }
    let form = Params::parse(body);
    if let Some(name) = form.first_duplicate() {
        return Err(OAuthError::new(
            "invalid_request",
            format!("The parameter {name} was sent more than once."),
        ));
    }
    let required = |name: &'static str| {
        form.get(name)
            .ok_or_else(|| OAuthError::new("invalid_request", format!("The parameter {name} is missing.")))
    };
    if required("grant_type")? != "authorization_code" {
        return Err(OAuthError::new(
            "unsupported_grant_type",
            "Only grant_type=authorization_code is supported.",
        ));
    }
    let code = required("code")?;
    let client_id = required("client_id")?;
    let redirect_uri = required("redirect_uri")?;

    let mut state = sim.lock();
    let client = state
        .clients
        .get(client_id)
        .ok_or_else(|| OAuthError::new("invalid_client", "Unknown client."))?;
    // Public clients have no secret; whatever they send is ignored. Confidential ones must match.
    if let Some(secret) = &client.secret {
        if form.get("client_secret") != Some(secret.as_str()) {
            return Err(OAuthError::new("invalid_client", "Client authentication failed."));
        }
    }

    let now = state.now();
    let invalid_grant = |why: &str| OAuthError::new("invalid_grant", why);
    let Some(grant) = state.grants.get_mut(code) else {
        return Err(invalid_grant("The authorization code is unknown."));
    };
    if grant.redeemed {
        // RFC 6749 §4.1.2: a code used twice revokes what it already produced.
        let issued = std::mem::take(&mut grant.tokens);
        for token in &issued {
            state.revoke(token);
        }
        tracing::warn!(
            code = prefix(code),
            revoked = issued.len(),
            "authorization code replayed; revoked its tokens"
        );
        return Err(invalid_grant("The authorization code has already been used."));
    }
    if now >= grant.expires_at {
        return Err(invalid_grant("The authorization code has expired."));
    }
    if grant.client_id != client_id {
        return Err(invalid_grant("The authorization code was issued to another client."));
    }
    if grant.site != site {
        return Err(invalid_grant("The authorization code was issued by another issuer."));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "The redirect_uri does not match the authorization request.",
        ));
    }
    match (&grant.challenge, form.get("code_verifier")) {
        (None, None) => {}
        (Some(_), None) => return Err(invalid_grant("The code_verifier is missing.")),
        // RFC 9700 §2.1.1: a verifier without a challenge is a PKCE downgrade attempt.
        (None, Some(_)) => {
            return Err(invalid_grant(
                "A code_verifier was sent but the authorization request had no code_challenge.",
            ))
        }
        (Some(challenge), Some(verifier)) => {
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if !is_pkce_string(verifier) || computed != *challenge {
                return Err(invalid_grant("The code_verifier does not match the code_challenge."));
            }
        }
    }

    grant.redeemed = true;
    let (user_id, scopes, nonce) = (grant.user_id.clone(), grant.scopes.clone(), grant.nonce.clone());
    let token = state.issue_token(TokenRecord {
        user_id: user_id.clone(),
        client_id: client_id.to_string(),
        scopes: scopes.clone(),
        issued_at: now,
        revoked_at: None,
        space: None,
    });
    if let Some(grant) = state.grants.get_mut(code) {
        grant.tokens.push(token.clone());
    }
    tracing::info!(client = client_id, user = %user_id, token = prefix(&token), "issued access token");

    let mut body = json!({"access_token": token, "token_type": "bearer"});
    if scopes.iter().any(|s| s == "openid") {
        let claims = id_token_claims(
            &state,
            &site,
            &user_id,
            client_id,
            &scopes,
            nonce.as_deref(),
            now.as_second(),
        );
        body["id_token"] = Value::String(state.signing_key().sign_jwt(&claims));
    }
    Ok((no_store(), Json(body)).into_response())
}

/// The ID token claims: `iss`, `sub`, `aud`, `iat`, `exp`, `nonce` if sent, `email` with scope
/// `email`; from a space issuer with scope `profile` also the membership's `name`, `picture` and
/// `phone_number` (each only if known; a non-member gets the account name only).
fn id_token_claims(
    state: &state::State,
    site: &Site,
    user_id: &str,
    client_id: &str,
    scopes: &[String],
    nonce: Option<&str>,
    iat: i64,
) -> Value {
    let has = |scope: &str| scopes.iter().any(|s| s == scope);
    let mut claims = Map::new();
    claims.insert("iss".into(), state.issuer_of(site).into());
    claims.insert("sub".into(), user_id.into());
    claims.insert("aud".into(), client_id.into());
    claims.insert("iat".into(), iat.into());
    claims.insert("exp".into(), (iat + ID_TOKEN_TTL_SECS).into());
    if let Some(nonce) = nonce {
        claims.insert("nonce".into(), nonce.into());
    }
    let user = state.user(user_id);
    if let (true, Some(user)) = (has("email"), user) {
        claims.insert("email".into(), user.email.clone().into());
    }
    if let (Site::Space(sub), true) = (site, has("profile")) {
        claims.extend(space_profile(state, sub, user_id));
    }
    Value::Object(claims)
}

/// Space-level profile claims: from the user's membership in `subdomain`, else the account name.
pub(crate) fn space_profile(state: &state::State, subdomain: &str, user_id: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    if let Some(m) = state.membership(user_id, subdomain) {
        claims.insert("name".into(), m.name.clone().into());
        claims.insert("picture".into(), state.picture_url(m).into());
        if let Some(phone) = &m.phone {
            claims.insert("phone_number".into(), phone.clone().into());
        }
    } else if let Some(user) = state.user(user_id) {
        claims.insert("name".into(), user.name.clone().into());
    }
    claims
}
