//! The routes of a sign-in begun and Cobot's callback, with the pages the browser shows (the use case: [`crate::app::sign_in`]).
use crate::app::sign_in::*;

use crate::app::session::token_hash;
use crate::app::Error;
use crate::app::Hub;
use crate::base::throttle::Endpoint;
use crate::http::{Json, Query};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use frontdoor_core::hub::{Code, SignInRequest, SignInStarted};
use frontdoor_core::links::Callback;
use frontdoor_core::secret::AuthCode;
use std::net::SocketAddr;
use std::sync::Arc;
use url::Url;

/// `POST /api/v1/sign_in`.
pub(crate) async fn begin(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(request): Json<SignInRequest>,
) -> Result<axum::Json<SignInStarted>, Error> {
    if let Err(wait) = hub.throttles.admit(Endpoint::Begin, peer.ip()) {
        return Err(throttled(wait));
    }
    if !return_allowed(&request.return_to, &hub.config.hub.return_urls) {
        return Err(Error::new(
            StatusCode::BAD_REQUEST,
            Code::BadReturnAddress,
            "The hub does not hand sign-ins to that address. Update Frontdoor, or ask staff to add the app's address to the hub.",
        ));
    }
    let well_formed = |s: &str| {
        (20..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !well_formed(&request.state) || request.challenge.len() != 43 || !well_formed(&request.challenge) {
        return Err(Error::new(
            StatusCode::BAD_REQUEST,
            Code::BadRequest,
            "The sign-in request lacks a proper state or challenge. Update Frontdoor.",
        ));
    }
    let client = hub.oidc().await?;
    let now = hub.clock.now().as_second();
    let scopes: Vec<&str> = hub.config.cobot.scopes.iter().map(String::as_str).collect();
    let (authorize_url, login) = client.begin(&hub.redirect_uri(), &scopes, None);
    let kind = Kind::Member {
        app_state: request.state,
        challenge: request.challenge,
    };
    hub.sign_ins
        .hold(login, kind, request.return_to, now, Some(peer.ip().to_canonical()))?;
    Ok(axum::Json(SignInStarted {
        authorize_url,
        expires_at: now + PENDING_SECS,
    }))
}

/// `GET /auth/callback`: Cobot's redirect. Finishes the OAuth part at the hub, then hands a
/// ticket to the app.
pub(crate) async fn callback(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    if let Err(wait) = hub.throttles.admit(Endpoint::Token, peer.ip()) {
        let mut refused = page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-in answers reached the hub",
            "Wait a minute, then sign in again from Frontdoor.",
        );
        refused
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, wait.secs().into());
        return refused;
    }
    let now = hub.clock.now().as_second();
    let begun = {
        let mut begun = hub.sign_ins.begun();
        begun.retain(|_, b| b.expires_at > now);
        query.state.as_deref().and_then(|s| begun.remove(s))
    };
    let Some(begun) = begun else {
        return page(
            StatusCode::BAD_REQUEST,
            "This sign-in link has expired or was already used",
            "Nothing was changed. Go back to Frontdoor and sign in again.",
        );
    };
    let state = query.state.clone().unwrap_or_default();
    let callback = match (query.code, query.error) {
        (_, Some(error)) => Callback::Error {
            error,
            description: query.error_description,
            state: Some(state),
        },
        (Some(code), None) => Callback::Code {
            code: AuthCode::new(code),
            state,
            iss: query.iss,
        },
        (None, None) => Callback::Error {
            error: "invalid_request".into(),
            description: Some("Cobot sent neither a code nor an error".into()),
            state: Some(state),
        },
    };
    let mut back = begun.return_to.clone();
    let (app_state, challenge) = match begun.kind {
        Kind::Member { app_state, challenge } => (app_state, challenge),
        Kind::Plug { user_id, name } => {
            // In a task of its own: once Cobot has issued a token, the hub stores or revokes it
            // even if the browser's request is dropped half-way (the request only waits for it).
            let finishing = {
                let hub = hub.clone();
                tokio::spawn(
                    async move { crate::app::plug::finish(&hub, begun.login, callback, (user_id, name)).await },
                )
            };
            let finished = finishing
                .await
                .unwrap_or_else(|e| Err(("server_error", format!("connecting Cobot stopped half-way ({e})"))));
            crate::app::doctor::record_plug(
                &hub,
                crate::app::doctor::SignInOutcome {
                    at: hub.clock.now().to_string(),
                    ok: finished.is_ok(),
                    problem: finished.as_ref().err().map(|(_, words)| words.clone()),
                    subject: None,
                    user_id: None,
                },
            )
            .await;
            let title = match finished {
                Ok(()) => {
                    back.query_pairs_mut().append_pair("connected", "1");
                    "Cobot connected"
                }
                Err((error, words)) => {
                    tracing::info!(why = ?words, "connecting Cobot failed at the callback");
                    // The app reads descriptions up to 1,024 bytes.
                    let words: String = words.chars().take(300).collect();
                    back.query_pairs_mut()
                        .append_pair("error", error)
                        .append_pair("error_description", &words);
                    "Cobot was not connected"
                }
            };
            return handover(&back, title);
        }
    };
    let result = finish(&hub, begun.login, callback, now).await;
    match result {
        Ok(verified) => {
            let ticket = auth_random();
            hub.sign_ins.tickets().insert(
                token_hash(&ticket),
                Ticket {
                    verified,
                    challenge,
                    expires_at: now + TICKET_SECS,
                },
            );
            back.query_pairs_mut()
                .append_pair("code", &ticket)
                .append_pair("state", &app_state);
        }
        Err((error, words)) => {
            static LOG: std::sync::OnceLock<crate::base::log::LogBudget> = std::sync::OnceLock::new();
            if crate::base::log::budgeted(&LOG, "a sign-in failed at the callback", 20).admit() {
                tracing::info!(why = ?words, "a sign-in failed at the callback");
            }
            back.query_pairs_mut()
                .append_pair("error", error)
                .append_pair("error_description", &words)
                .append_pair("state", &app_state);
        }
    }
    handover(&back, "Signed in with Cobot")
}

/// Sends the browser on to the app: a redirect, with a page and a link for browsers that stop
/// at a custom scheme.
pub(crate) fn handover(back: &Url, title: &str) -> Response {
    let href = html_escape(back.as_str());
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>Back to Frontdoor</title>\
         <meta name=viewport content=\"width=device-width\">\
         <body style=\"font-family:sans-serif;max-width:30em;margin:3em auto;text-align:center\">\
         <h1>{title}</h1><p>Returning you to Frontdoor…</p>\
         <p><a href=\"{href}\" style=\"font-size:1.2em\">Open Frontdoor</a></p></body>"
    );
    let mut response = (StatusCode::SEE_OTHER, Html(body)).into_response();
    if let Ok(location) = back.as_str().parse() {
        response.headers_mut().insert(axum::http::header::LOCATION, location);
    }
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

pub(crate) fn page(status: StatusCode, title: &str, words: &str) -> Response {
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>{t}</title><body style=\"font-family:sans-serif;max-width:30em;margin:3em auto\"><h1>{t}</h1><p>{w}</p></body>",
        t = html_escape(title),
        w = html_escape(words)
    );
    (status, Html(body)).into_response()
}

pub(crate) fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
