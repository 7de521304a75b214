//! The authorization endpoint (RFC 6749 §4.1.1–4.1.2, RFC 7636, OIDC Core §3.1.2), on `www` and
//! on each space.
//!
//! `GET` validates and shows the sign-in page (or, with a `login_hint` naming a demo user, signs in
//! at once). The page `POST`s the original parameters back with the user's decision.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use jiff::SignedDuration;
use url::Url;

use crate::discovery::space_site;
use crate::params::Params;
use crate::seed::SeedClient;
use crate::state::{self, Grant, Site};
use crate::{page, prefix, redirect_uri, Sim};

/// The parameters the sign-in page carries from `GET` to `POST` as hidden fields.
pub(crate) const CARRIED: [&str; 10] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "login_hint",
    "prompt",
];

/// A request that passed validation.
pub(crate) struct AuthRequest {
    pub(crate) site: Site,
    pub(crate) client: SeedClient,
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) challenge: Option<String>,
    pub(crate) login_hint: Option<String>,
    pub(crate) prompt: Option<String>,
    pub(crate) params: Params,
}

/// Why a request cannot proceed.
enum Refusal {
    /// The client or redirect URI cannot be trusted: show an error page, never redirect
    /// (RFC 6749 §4.1.2.1, first paragraph).
    Page(String),
    /// Tell the client through its (verified) redirect URI: the full `Location`.
    Redirect(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(message) => {
                (StatusCode::BAD_REQUEST, page_headers(), Html(page::error(&message))).into_response()
            }
            Refusal::Redirect(location) => found(&location),
        }
    }
}

fn page_headers() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ]
}

/// `redirect_uri` with `pairs` appended to its query.
fn location(redirect_uri: &str, pairs: &[(&str, &str)]) -> String {
    // Validated as an absolute URI at registration, and equal to it up to the loopback port.
    let mut url = Url::parse(redirect_uri).expect("registered redirect URIs parse");
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
    }
    url.into()
}

/// `302 Found` to `location`.
fn found(location: &str) -> Response {
    let location = HeaderValue::from_str(location).expect("a serialised URL is a valid header value");
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

fn redirect_error(redirect_uri: &str, state: Option<&str>, error: &str, description: &str) -> Refusal {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    Refusal::Redirect(location(redirect_uri, &pairs))
}

/// RFC 7636 §4.1/§4.2: 43–128 characters from the unreserved set.
pub(crate) fn is_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn validate(state: &state::State, site: Site, params: Params) -> Result<AuthRequest, Refusal> {
    // Until client and redirect URI are verified nothing may be sent to the redirect URI.
    if params.is_duplicated("client_id") || params.is_duplicated("redirect_uri") {
        return Err(Refusal::Page("The request repeats client_id or redirect_uri.".into()));
    }
    let Some(client_id) = params.get("client_id") else {
        return Err(Refusal::Page("The request has no client_id.".into()));
    };
    let Some(client) = state.clients.get(client_id) else {
        return Err(Refusal::Page(format!(
            "No application is registered with client_id “{client_id}”."
        )));
    };
    let Some(redirect_uri) = params.get("redirect_uri") else {
        return Err(Refusal::Page(format!(
            "The request from “{}” has no redirect_uri.",
            client.name
        )));
    };
    if !redirect_uri::is_registered(&client.redirect_uris, redirect_uri) {
        return Err(Refusal::Page(format!(
            "The redirect_uri “{redirect_uri}” is not registered for “{}”. Registered: {}.",
            client.name,
            client.redirect_uris.join(", ")
        )));
    }

    let state_param = params.get("state");
    let fail = |error: &str, description: &str| redirect_error(redirect_uri, state_param, error, description);
    if let Some(name) = params.first_duplicate() {
        return Err(fail(
            "invalid_request",
            &format!("The parameter {name} was sent more than once."),
        ));
    }
    match params.get("response_type") {
        None => return Err(fail("invalid_request", "The response_type parameter is missing.")),
        Some("code") => {}
        Some(_) => {
            return Err(fail(
                "unsupported_response_type",
                "Only response_type=code is supported.",
            ))
        }
    }
    let challenge = params.get("code_challenge");
    match (challenge, params.get("code_challenge_method")) {
        (None, Some(_)) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method was sent without code_challenge.",
            ));
        }
        // RFC 7636 §4.3: a missing method means `plain`, which Cobot does not support.
        (Some(_), None | Some("plain")) => {
            return Err(fail("invalid_request", "Only code_challenge_method=S256 is supported."));
        }
        (Some(_), Some(method)) if method != "S256" => {
            return Err(fail("invalid_request", "Only code_challenge_method=S256 is supported."));
        }
        (Some(c), Some(_)) if !is_pkce_string(c) => {
            return Err(fail(
                "invalid_request",
                "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~].",
            ));
        }
        (None, None) if state.settings.require_pkce => {
            return Err(fail("invalid_request", "code_challenge is required (S256)."));
        }
        _ => {}
    }
    let mut scopes: Vec<String> = Vec::new();
    for scope in params
        .get("scope")
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
    {
        if !client.scopes.iter().any(|s| s == scope) {
            return Err(fail(
                "invalid_scope",
                &format!("The scope {scope} is unknown or not allowed for this client."),
            ));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }
    if scopes.is_empty() {
        // Cobot's default scope for an empty request is undocumented ([U]); refuse rather than guess.
        return Err(fail("invalid_scope", "The scope parameter is missing."));
    }

    Ok(AuthRequest {
        site,
        client: client.clone(),
        redirect_uri: redirect_uri.to_string(),
        state: state_param.map(str::to_string),
        scopes,
        nonce: params.get("nonce").map(str::to_string),
        challenge: challenge.map(str::to_string),
        login_hint: params.get("login_hint").map(str::to_string),
        prompt: params.get("prompt").map(str::to_string),
        params,
    })
}

/// Issues a code for `user_id` and redirects to the client with it.
fn approve(state: &mut state::State, req: &AuthRequest, user_id: &str) -> Response {
    let ttl = SignedDuration::try_from(state.settings.code_ttl).unwrap_or(SignedDuration::MAX);
    let expires_at = state.now().saturating_add(ttl).unwrap_or(jiff::Timestamp::MAX);
    let code = state.issue_code(Grant {
        client_id: req.client.client_id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        scopes: req.scopes.clone(),
        nonce: req.nonce.clone(),
        challenge: req.challenge.clone(),
        site: req.site.clone(),
        user_id: user_id.to_string(),
        expires_at,
        redeemed: false,
        tokens: Vec::new(),
    });
    tracing::info!(client = %req.client.client_id, user = user_id, code = prefix(&code), "issued authorization code");
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &req.state {
        pairs.push(("state", s));
    }
    found(&location(&req.redirect_uri, &pairs))
}

fn sign_in_page(state: &state::State, req: &AuthRequest, error: Option<&str>, email: &str) -> Response {
    let html = page::sign_in(state, req, error, email);
    (StatusCode::OK, page_headers(), Html(html)).into_response()
}

fn show(sim: &Sim, site: Site, raw: &[u8]) -> Response {
    let mut state = sim.lock();
    let req = match validate(&state, site, Params::parse(raw)) {
        Ok(req) => req,
        Err(refusal) => return refusal.into_response(),
    };
    // OIDC Core §3.1.2.1: prompt=login/consent/select_account asks for the page; prompt=none forbids it.
    let interactive = matches!(req.prompt.as_deref(), Some(p) if p.split(' ').any(|p| p != "none"));
    let hinted = req
        .login_hint
        .as_deref()
        .and_then(|hint| state.user_by_login(hint))
        .map(|u| u.id.clone());
    match hinted {
        Some(user_id) if state.settings.auto_login_hint && !interactive => approve(&mut state, &req, &user_id),
        _ if req.prompt.as_deref() == Some("none") => redirect_error(
            &req.redirect_uri,
            req.state.as_deref(),
            "login_required",
            "The user is not signed in.",
        )
        .into_response(),
        _ => sign_in_page(&state, &req, None, req.login_hint.as_deref().unwrap_or_default()),
    }
}

fn decide(sim: &Sim, site: Site, body: &[u8]) -> Response {
    let mut state = sim.lock();
    let form = Params::parse(body);
    let (decision, login) = (
        form.get("decision").map(str::to_string),
        form.get("user").or(form.get("email")).map(str::to_string),
    );
    let req = match validate(&state, site, form) {
        Ok(req) => req,
        Err(refusal) => return refusal.into_response(),
    };
    match decision.as_deref() {
        Some("deny") => {
            tracing::info!(client = %req.client.client_id, "user denied access");
            redirect_error(
                &req.redirect_uri,
                req.state.as_deref(),
                "access_denied",
                "The user denied access",
            )
            .into_response()
        }
        Some("allow") => match login.as_deref().map(|l| state.user_by_login(l).map(|u| u.id.clone())) {
            Some(Some(user_id)) => approve(&mut state, &req, &user_id),
            Some(None) => {
                let login = login.unwrap_or_default();
                sign_in_page(
                    &state,
                    &req,
                    Some(&format!("There is no Cobot account for “{login}”.")),
                    &login,
                )
            }
            None => sign_in_page(&state, &req, Some("Choose an account or enter an email address."), ""),
        },
        _ => sign_in_page(&state, &req, Some("Choose Allow or Deny."), ""),
    }
}

/// `GET /oauth/authorize`.
pub(crate) async fn www_get(State(sim): State<Sim>, RawQuery(query): RawQuery) -> Response {
    show(&sim, Site::Www, query.unwrap_or_default().as_bytes())
}

/// `POST /oauth/authorize` (the sign-in page's form).
pub(crate) async fn www_post(State(sim): State<Sim>, body: Bytes) -> Response {
    decide(&sim, Site::Www, &body)
}

/// `GET /sub/{subdomain}/oauth/authorize`.
pub(crate) async fn space_get(
    State(sim): State<Sim>,
    Path(subdomain): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let site = match space_site(&sim.lock(), &subdomain) {
        Ok(site) => site,
        Err(e) => return e.into_response(),
    };
    show(&sim, site, query.unwrap_or_default().as_bytes())
}

/// `POST /sub/{subdomain}/oauth/authorize`.
pub(crate) async fn space_post(State(sim): State<Sim>, Path(subdomain): Path<String>, body: Bytes) -> Response {
    let site = match space_site(&sim.lock(), &subdomain) {
        Ok(site) => site,
        Err(e) => return e.into_response(),
    };
    decide(&sim, site, &body)
}
