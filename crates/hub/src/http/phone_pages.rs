//! What a phone's camera opens from a printed code: the hub's join page (`<hub>/join?space=…`)
//! and door pages (`<hub>/open?space=…&door=…`). Each hands over to the app by its
//! `frontdoor://` link (one tap on "Open in Frontdoor") and says how to get the app when it is
//! missing. A space that ships its own app build can have the phone open these addresses in the
//! app directly (Android App Links, iOS Universal Links): the hub then serves
//! `/.well-known/assetlinks.json` and `/.well-known/apple-app-site-association` for that build,
//! from `[phone]` in its configuration.
//!
//! The page addresses are read with the app's own [`DeepLink::read`], so a page exists exactly
//! for the addresses the app accepts, and its button carries exactly the link the app would make
//! of them. Pages are self-contained: inline style, no script, nothing loaded.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use frontdoor_core::hub::Code;
use frontdoor_core::links::{DeepLink, LinkError, DOOR_PAGE, JOIN_PAGE};
use serde_json::json;

use crate::app::Hub;
use crate::http::qr::escape;
use crate::http::Error;

/// The phone routes (anyone may call them: they only show what a printed code shows).
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route(&format!("/{JOIN_PAGE}"), get(join_page))
        .route(&format!("/{DOOR_PAGE}"), get(door_page))
        .route("/.well-known/assetlinks.json", get(asset_links))
        .route(
            "/.well-known/apple-app-site-association",
            get(apple_app_site_association),
        )
}

/// Why a page cannot be shown; each is a page in words, for a person holding a phone.
#[derive(Debug, thiserror::Error)]
enum PageError {
    /// The address does not follow the pages' grammar (a damaged or hand-made code).
    #[error("{0}")]
    Link(#[from] LinkError),
    /// The hub's configured public address is not one the app accepts.
    #[error("This hub's address is not set up for phones yet. Tell the space's staff: {0}")]
    HubAddress(String),
    /// The code is for a space this hub does not serve.
    #[error("This code is for another space, not {0}. Scan the code again, or ask the staff of the space you are in.")]
    OtherSpace(String),
    /// The door is not (or no longer) one of the space's doors.
    #[error("{space} has no door “{door}” any more. Pick the door in the Frontdoor app, or tell the space's staff.")]
    UnknownDoor {
        /// The space's name.
        space: String,
        /// The door id from the code.
        door: String,
    },
}

impl PageError {
    fn status(&self) -> StatusCode {
        match self {
            PageError::Link(_) => StatusCode::BAD_REQUEST,
            PageError::HubAddress(_) => StatusCode::CONFLICT,
            PageError::OtherSpace(_) | PageError::UnknownDoor { .. } => StatusCode::NOT_FOUND,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = format!(
            "<h1>This code doesn't work here</h1><p class=\"why\">{}</p>",
            escape(&self.to_string())
        );
        html(self.status(), &page("Frontdoor", &body))
    }
}

/// The link a page's address stands for, read as the app reads it, for this hub's space.
fn link_of(hub: &Hub, page: &str, query: Option<&str>) -> Result<DeepLink, PageError> {
    let base = crate::http::qr::hub_url(hub).map_err(|e| PageError::HubAddress(e.message().to_string()))?;
    let mut address = base.join(page);
    address.set_query(query);
    let link = DeepLink::read(address.as_str())?;
    let space = match &link {
        DeepLink::Join { space, .. } | DeepLink::Open { space, .. } => space,
        DeepLink::AuthCallback(_) | DeepLink::CobotConnected => return Err(PageError::Link(LinkError::NotAPage)),
    };
    if space != &hub.config.space.subdomain {
        return Err(PageError::OtherSpace(hub.config.space.name.clone()));
    }
    Ok(link)
}

/// `GET /join?space=…`: the join code's page.
async fn join_page(State(hub): State<Arc<Hub>>, RawQuery(query): RawQuery) -> Result<Response, PageError> {
    let link = link_of(&hub, JOIN_PAGE, query.as_deref())?;
    let space = escape(&hub.config.space.name);
    let body = format!(
        "<h1>Join {space}</h1>\
         <p>Frontdoor shows your plans at {space} and opens its doors with one tap.</p>\
         {open}\
         <p class=\"small\">Frontdoor asks you to confirm, then you sign in with your Cobot account.</p>\
         {get_app}\
         <p class=\"small\">Or open Frontdoor, choose “Paste a join link” and paste:<br><code>{link}</code></p>",
        open = open_button(&link),
        get_app = get_the_app(&hub, "join"),
        link = escape(&link.to_string()),
    );
    Ok(html(
        StatusCode::OK,
        &page(&format!("Join {}", hub.config.space.name), &body),
    ))
}

/// `GET /open?space=…&door=…`: a door sticker's page.
async fn door_page(State(hub): State<Arc<Hub>>, RawQuery(query): RawQuery) -> Result<Response, PageError> {
    let link = link_of(&hub, DOOR_PAGE, query.as_deref())?;
    let DeepLink::Open { door, .. } = &link else {
        return Err(PageError::Link(LinkError::NotAPage));
    };
    let rules = hub.rules();
    let Some(known) = rules.doors().iter().find(|d| d.id.0 == door.as_str()) else {
        return Err(PageError::UnknownDoor {
            space: hub.config.space.name.clone(),
            door: door.to_string(),
        });
    };
    let body = format!(
        "<h1>{door}</h1><p class=\"space\">{space}</p>\
         {open}\
         <p class=\"small\">Frontdoor asks before the door opens, and the hub checks that you may open it now.</p>\
         {get_app}",
        door = escape(&known.name),
        space = escape(&hub.config.space.name),
        open = open_button(&link),
        get_app = get_the_app(&hub, "open the door"),
    );
    Ok(html(
        StatusCode::OK,
        &page(&format!("{} — {}", known.name, hub.config.space.name), &body),
    ))
}

/// The one thing to tap: hands the link to the app by its scheme.
fn open_button(link: &DeepLink) -> String {
    format!(
        "<a class=\"open\" id=\"open-in-app\" href=\"{}\">Open in Frontdoor</a>",
        escape(&link.to_string())
    )
}

/// How to get the app, with the space's store links when it configured them.
fn get_the_app(hub: &Hub, then: &str) -> String {
    let phone = &hub.config.phone;
    let mut stores = String::new();
    if let Some(url) = &phone.app_store_url {
        stores.push_str(&format!(
            "<a class=\"store\" href=\"{}\">Get Frontdoor on the App Store</a>",
            escape(url.as_str())
        ));
    }
    if let Some(url) = &phone.play_store_url {
        stores.push_str(&format!(
            "<a class=\"store\" href=\"{}\">Get Frontdoor on Google Play</a>",
            escape(url.as_str())
        ));
    }
    if stores.is_empty() {
        stores = format!(
            "<p>Ask {}'s staff how to install Frontdoor on your phone.</p>",
            escape(&hub.config.space.name)
        );
    }
    format!(
        "<section class=\"get-app\" id=\"get-app\"><h2>Nothing happened?</h2>\
         <p>Then Frontdoor is not on this phone yet.</p>{stores}\
         <p class=\"small\">Once it is installed, come back to this page and tap “Open in Frontdoor” to {then}.</p></section>"
    )
}

/// A page made for a phone: readable at 320 px, touch targets of at least 48 px, safe areas.
fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b2733; background: #eef3f7; line-height: 1.4; }}
main {{ max-width: 30rem; margin: 0 auto; padding: max(1.5rem, env(safe-area-inset-top)) max(1.25rem, env(safe-area-inset-right)) max(2rem, env(safe-area-inset-bottom)) max(1.25rem, env(safe-area-inset-left)); }}
h1 {{ font-size: 1.6rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }}
h2 {{ font-size: 1.1rem; margin: 0 0 .25rem; }}
.space {{ margin: 0 0 1rem; color: #5a6b7b; }}
a.open, a.store {{ display: flex; align-items: center; justify-content: center; min-height: 3.25rem; border-radius: .75rem; font-size: 1.15rem; font-weight: 600; text-decoration: none; margin: 1rem 0 .5rem; }}
a.open {{ background: #24487a; color: #fff; }}
a.store {{ background: #fff; color: #24487a; border: 2px solid #24487a; font-size: 1rem; }}
.get-app {{ margin-top: 2rem; padding: 1rem; background: #fff; border-radius: .75rem; }}
.small {{ font-size: .9rem; color: #5a6b7b; }}
code {{ overflow-wrap: anywhere; font-size: .85rem; }}
</style>
</head>
<body><main>
{body}
</main></body>
</html>
"#,
        title = escape(title),
    )
}

fn html(status: StatusCode, page: &str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
            ),
        ],
        page.to_string(),
    )
        .into_response()
}

/// The page paths below the hub's public address, for the association files.
fn page_paths(hub: &Hub) -> [String; 2] {
    let base = hub.public_base();
    let base = base.path();
    [format!("{base}{JOIN_PAGE}"), format!("{base}{DOOR_PAGE}")]
}

fn association(body: serde_json::Value) -> Response {
    (
        [
            // Both the Android and the Apple verifier want JSON and follow no redirect.
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `GET /.well-known/assetlinks.json`: the Android app (`[phone] android_package`, signed with
/// `android_cert_sha256`) may open this hub's pages.
async fn asset_links(State(hub): State<Arc<Hub>>) -> Result<Response, Error> {
    let phone = &hub.config.phone;
    let Some(package) = &phone.android_package else {
        return Err(Error::new(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            "This hub names no Android app for its pages ([phone] android_package in its configuration).",
        ));
    };
    Ok(association(json!([{
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {
            "namespace": "android_app",
            "package_name": package,
            "sha256_cert_fingerprints": phone.android_cert_sha256,
        }
    }])))
}

/// `GET /.well-known/apple-app-site-association`: the iOS apps (`[phone] apple_app_ids`) may
/// open the join and door pages as Universal Links.
async fn apple_app_site_association(State(hub): State<Arc<Hub>>) -> Result<Response, Error> {
    let phone = &hub.config.phone;
    if phone.apple_app_ids.is_empty() {
        return Err(Error::new(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            "This hub names no iOS app for its pages ([phone] apple_app_ids in its configuration).",
        ));
    }
    let components: Vec<serde_json::Value> = page_paths(&hub)
        .iter()
        .map(|path| json!({ "/": path, "comment": "Frontdoor's join and door pages" }))
        .collect();
    Ok(association(json!({
        "applinks": {
            "details": [{ "appIDs": phone.apple_app_ids, "components": components }]
        }
    })))
}
