//! The token endpoint (RFC 6749 §4.1.3–4.1.4, §5; RFC 7636 §4.5–4.6) and ID tokens
//! (OIDC Core §2), on `www` and on each space.
//!
//! Client authentication (RFC 6749 §2.3.1): a confidential client (one with a secret) sends it as
//! `client_secret` in the body (client_secret_post, what third-party Cobot clients do) or as HTTP
//! Basic (client_secret_basic); a client registered public sends `client_id` alone. Cobot's
//! discovery lists only `none` (for dynamically registered public clients), yet every known
//! integration registers its client in Cobot's UI and gets a secret, so both secret methods are
//! accepted here while discovery keeps advertising what Cobot advertises.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use crate::authorize::is_pkce_string;
use crate::discovery::space_site;
use crate::error::{no_store, OAuthError};
use crate::params::Params;
use crate::seed::SeedClient;
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

/// How a client identified itself at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug)]
struct Credentials {
    client_id: String,
    /// `None`: no secret (a public client, or a confidential one that forgot it).
    secret: Option<String>,
    /// Sent as `Authorization: Basic` (client_secret_basic) rather than in the body.
    basic: bool,
}

/// Why an `Authorization: Basic` header could not be read.
#[derive(Debug, thiserror::Error)]
enum BasicError {
    #[error("the Authorization header is not valid ASCII")]
    NotAscii,
    #[error("the Basic credentials are not valid base64")]
    Base64,
    #[error("the Basic credentials have no `:` between client_id and secret")]
    NoColon,
    #[error("the Basic credentials have an empty client_id")]
    EmptyId,
    #[error("the Basic credentials are not valid application/x-www-form-urlencoded UTF-8")]
    Encoding,
}

/// The client's credentials: `Authorization: Basic base64(urlencoded(id):urlencoded(secret))` or
/// `client_id` (+ `client_secret`) in the body. Using both at once is `invalid_request`
/// (RFC 6749 §2.3: "MUST NOT use more than one authentication method in each request").
fn credentials(headers: &HeaderMap, form: &Params) -> Result<Credentials, OAuthError> {
    let Some(authorization) = headers.get(header::AUTHORIZATION) else {
        let client_id = form
            .get("client_id")
            .ok_or_else(|| OAuthError::new("invalid_request", "The parameter client_id is missing."))?;
        return Ok(Credentials {
            client_id: client_id.to_string(),
            secret: form.get("client_secret").map(str::to_string),
            basic: false,
        });
    };
    let (client_id, secret) = parse_basic(authorization).map_err(|e| match e {
        Some(e) => OAuthError::invalid_client(format!("Client authentication failed: {e}."), true),
        None => OAuthError::invalid_client(
            "The token endpoint authenticates clients with HTTP Basic or client_secret in the body.",
            true,
        ),
    })?;
    if form.get("client_secret").is_some() {
        return Err(OAuthError::new(
            "invalid_request",
            "The client sent credentials both in the Authorization header and as client_secret; use one method.",
        ));
    }
    if form.get("client_id").is_some_and(|id| id != client_id) {
        return Err(OAuthError::new(
            "invalid_request",
            "The client_id in the body differs from the one in the Authorization header.",
        ));
    }
    Ok(Credentials {
        client_id,
        secret,
        basic: true,
    })
}

/// `(client_id, secret)` from `Basic …`; `Err(None)` for another scheme. An empty secret counts as
/// none, as an empty form parameter does (RFC 6749 §3.1).
fn parse_basic(value: &HeaderValue) -> Result<(String, Option<String>), Option<BasicError>> {
    let value = value.to_str().map_err(|_| Some(BasicError::NotAscii))?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or(None)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(None);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| Some(BasicError::Base64))?;
    let decoded = String::from_utf8(decoded).map_err(|_| Some(BasicError::Encoding))?;
    let (id, secret) = decoded.split_once(':').ok_or(Some(BasicError::NoColon))?;
    let id = form_decode(id).ok_or(Some(BasicError::Encoding))?;
    let secret = form_decode(secret).ok_or(Some(BasicError::Encoding))?;
    if id.is_empty() {
        return Err(Some(BasicError::EmptyId));
    }
    Ok((id, Some(secret).filter(|s| !s.is_empty())))
}

/// Decodes `application/x-www-form-urlencoded` (`+` is a space, `%XX` a byte); `None` for a
/// malformed escape or bytes that are not UTF-8.
fn form_decode(s: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut rest = s.bytes();
    while let Some(b) = rest.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = [rest.next()?, rest.next()?];
                let hex = std::str::from_utf8(&hex).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
            }
            b => bytes.push(b),
        }
    }
    String::from_utf8(bytes).ok()
}

/// The registered client, if `creds` authenticate it. A client with a secret must present it;
/// a client registered public (no secret) must present none: neither is ever taken for the other.
fn authenticate_client<'s>(state: &'s state::State, creds: &Credentials) -> Result<&'s SeedClient, OAuthError> {
    let refuse = |why: &str| OAuthError::invalid_client(why, creds.basic);
    let client = state
        .clients
        .get(&creds.client_id)
        .ok_or_else(|| refuse("Unknown client."))?;
    match (&client.secret, &creds.secret) {
        (Some(expected), Some(presented)) if same_secret(expected, presented) => Ok(client),
        (Some(_), Some(_)) => Err(refuse("Client authentication failed.")),
        (Some(_), None) => Err(refuse(
            "This client is confidential: authenticate with its secret (client_secret_basic or client_secret_post).",
        )),
        (None, None) => Ok(client),
        // [U] what Cobot does; strict: a client that believes it has a secret while registered
        // public is misconfigured, and silently ignoring the secret would hide that.
        (None, Some(_)) => Err(refuse("This client is public and has no secret; send none.")),
    }
}

/// Compares secrets without an early exit on the first differing byte.
fn same_secret(expected: &str, presented: &str) -> bool {
    expected.len() == presented.len()
        && expected
            .bytes()
            .zip(presented.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// Whether the token endpoint of `endpoint` may redeem a code issued by the authorization endpoint
/// of `issuer`. Real integrations (omniauth_cobot) always redeem at www's token endpoint, also for
/// codes from a space's authorize endpoint, so www takes every code. A space's token endpoint takes
/// only its own codes: [U] whether Cobot lets a space redeem a www code; the simulator chooses the
/// strict answer.
fn redeemable_at(endpoint: &Site, issuer: &Site) -> bool {
    match endpoint {
        Site::Www => true,
        Site::Space(_) => endpoint == issuer,
    }
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
    let creds = credentials(headers, &form)?;

    let mut state = sim.lock();
    let client = authenticate_client(&state, &creds)?;
    let client_id = client.client_id.clone();
    // Only a client with exactly one registered URI may leave redirect_uri out (below).
    let single_redirect_uri = match client.redirect_uris.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    };

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
    if !redeemable_at(&site, &grant.site) {
        return Err(invalid_grant("The authorization code was issued by another issuer."));
    }
    // RFC 6749 §4.1.3 requires redirect_uri here whenever the authorization request had one. The
    // issue this follows says Cobot takes the exchange without it; the simulator allows that only
    // when the client has a single registered URI and the code was issued for exactly that one,
    // so leaving it out can never stand in for a URI the client did not register verbatim (a
    // loopback request with a port, say).
    match form.get("redirect_uri") {
        Some(sent) if sent == grant.redirect_uri => {}
        Some(_) => {
            return Err(invalid_grant(
                "The redirect_uri does not match the authorization request.",
            ))
        }
        None if single_redirect_uri.as_deref() == Some(grant.redirect_uri.as_str()) => {}
        None => {
            return Err(invalid_grant(
                "The redirect_uri is missing; it may be left out only when the client has a single registered redirect URI and used it.",
            ))
        }
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
    // The ID token speaks for the issuer whose authorize endpoint issued the code, wherever the
    // code is redeemed (a space code redeemed at www still carries the space's `iss`).
    let (user_id, scopes, nonce, issuer) = (
        grant.user_id.clone(),
        grant.scopes.clone(),
        grant.nonce.clone(),
        grant.site.clone(),
    );
    let token = state.issue_token(TokenRecord {
        user_id: user_id.clone(),
        client_id: client_id.clone(),
        scopes: scopes.clone(),
        issued_at: now,
        revoked_at: None,
        space: None,
    });
    if let Some(grant) = state.grants.get_mut(code) {
        grant.tokens.push(token.clone());
    }
    tracing::info!(client = %client_id, user = %user_id, token = prefix(&token), "issued access token");

    let mut body = json!({"access_token": token, "token_type": "bearer"});
    if scopes.iter().any(|s| s == "openid") {
        let claims = id_token_claims(
            &state,
            &issuer,
            &user_id,
            &client_id,
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
    claims.insert("sub".into(), state.settings.variants.subjects.of(user_id).into());
    claims.insert("aud".into(), client_id.into());
    claims.insert("iat".into(), iat.into());
    claims.insert("exp".into(), (iat + ID_TOKEN_TTL_SECS).into());
    if let (Some(nonce), crate::IdTokenNonce::Echo) = (nonce, state.settings.variants.id_token_nonce) {
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
