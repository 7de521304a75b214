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
//!
//! Pages speak the phone's language (its browser's `Accept-Language`: German or English, see
//! [`frontdoor_i18n::Lang::from_accept_language`]); names of spaces and doors are shown as staff
//! wrote them.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use frontdoor_core::hub::Code;
use frontdoor_core::links::{DeepLink, LinkError, LinkPart, DOOR_PAGE, JOIN_PAGE, MAX_LINK_LEN};
use frontdoor_i18n::{Arg, Lang};
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
#[derive(Debug)]
enum PageError {
    /// The address does not follow the pages' grammar (a damaged or hand-made code).
    Link(LinkError),
    /// The hub's configured public address is not one the app accepts.
    HubAddress(String),
    /// The code is for a space this hub does not serve.
    OtherSpace(String),
    /// The door is not (or no longer) one of the space's doors.
    UnknownDoor {
        /// The space's name.
        space: String,
        /// The door id from the code.
        door: String,
    },
}

impl From<LinkError> for PageError {
    fn from(e: LinkError) -> Self {
        PageError::Link(e)
    }
}

/// A refused page in `lang`, with its status.
struct Refused(PageError, Lang);

impl PageError {
    fn status(&self) -> StatusCode {
        match self {
            PageError::Link(_) => StatusCode::BAD_REQUEST,
            PageError::HubAddress(_) => StatusCode::CONFLICT,
            PageError::OtherSpace(_) | PageError::UnknownDoor { .. } => StatusCode::NOT_FOUND,
        }
    }

    fn words(&self, lang: Lang) -> String {
        match self {
            PageError::Link(e) => link_words(e, lang),
            PageError::HubAddress(why) => lang.t_args("phone-error-hub-address", &[("why", why.into())]),
            PageError::OtherSpace(space) => lang.t_args("phone-error-other-space", &[("space", space.into())]),
            PageError::UnknownDoor { space, door } => lang.t_args(
                "phone-error-unknown-door",
                &[("space", space.into()), ("door", door.into())],
            ),
        }
    }
}

/// Why a link was refused, in `lang`.
pub(crate) fn link_words(e: &LinkError, lang: Lang) -> String {
    // The catalogue's name for a part of a link.
    let part = |part: &LinkPart| match part {
        LinkPart::Space | LinkPart::SpaceName => "space",
        LinkPart::HubAddress => "hub",
        LinkPart::Door => "door",
        LinkPart::SignInCode => "code",
        LinkPart::SignInState => "state",
        LinkPart::SignInAnswer => "answer",
    };
    match e {
        LinkError::TooLong => lang.t_args("link-too-long", &[("max", MAX_LINK_LEN.into())]),
        LinkError::NotFrontdoor => lang.t("link-not-frontdoor"),
        LinkError::Malformed => lang.t("link-malformed"),
        LinkError::UnknownKind(kind) => lang.t_args("link-unknown-kind", &[("kind", kind.into())]),
        LinkError::Missing(which) => lang.t_args("link-missing", &[("part", Arg::Text(part(which)))]),
        LinkError::Duplicate(name) => lang.t_args("link-duplicate", &[("name", name.into())]),
        LinkError::Unexpected(name) => lang.t_args("link-unexpected", &[("name", name.into())]),
        LinkError::NotAPage => lang.t("link-not-a-page"),
        LinkError::Invalid { part: which, reason } => lang.t_args(
            "link-invalid",
            &[("part", Arg::Text(part(which))), ("reason", reason.into())],
        ),
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let Refused(error, lang) = self;
        let body = format!(
            "<h1>{}</h1><p class=\"why\">{}</p>",
            escape(&lang.t("phone-error-title")),
            escape(&error.words(lang))
        );
        html(error.status(), &page(lang, "Frontdoor", &body))
    }
}

/// The language the phone's browser asks for.
fn lang_of(headers: &HeaderMap) -> Lang {
    Lang::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
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
async fn join_page(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Refused> {
    let lang = lang_of(&headers);
    let link = link_of(&hub, JOIN_PAGE, query.as_deref()).map_err(|e| Refused(e, lang))?;
    let name = &hub.config.space.name;
    let space = [("space", Arg::from(name))];
    let body = format!(
        "<h1>{title}</h1>\
         <p>{lead}</p>\
         {open}\
         <p class=\"small\">{confirm}</p>\
         {get_app}\
         <p class=\"small\">{paste}<br><code>{link}</code></p>",
        title = escape(&lang.t_args("phone-join-title", &space)),
        lead = escape(&lang.t_args("phone-join-lead", &space)),
        open = open_button(&link, lang),
        confirm = escape(&lang.t("phone-join-confirm")),
        get_app = get_the_app(&hub, lang, &lang.t("phone-come-back-join")),
        paste = escape(&lang.t("phone-join-paste")),
        link = escape(&link.to_string()),
    );
    Ok(html(
        StatusCode::OK,
        &page(lang, &lang.t_args("phone-join-title", &space), &body),
    ))
}

/// `GET /open?space=…&door=…`: a door sticker's page.
async fn door_page(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Refused> {
    let lang = lang_of(&headers);
    let link = link_of(&hub, DOOR_PAGE, query.as_deref()).map_err(|e| Refused(e, lang))?;
    let DeepLink::Open { door, .. } = &link else {
        return Err(Refused(PageError::Link(LinkError::NotAPage), lang));
    };
    let rules = hub.rules();
    let Some(known) = rules.doors().iter().find(|d| d.id.0 == door.as_str()) else {
        return Err(Refused(
            PageError::UnknownDoor {
                space: hub.config.space.name.clone(),
                door: door.to_string(),
            },
            lang,
        ));
    };
    let body = format!(
        "<h1>{door}</h1><p class=\"space\">{space}</p>\
         {open}\
         <p class=\"small\">{lead}</p>\
         {get_app}",
        door = escape(&known.name),
        space = escape(&hub.config.space.name),
        open = open_button(&link, lang),
        lead = escape(&lang.t("phone-door-lead")),
        get_app = get_the_app(&hub, lang, &lang.t("phone-come-back-door")),
    );
    Ok(html(
        StatusCode::OK,
        &page(lang, &format!("{} — {}", known.name, hub.config.space.name), &body),
    ))
}

/// The one thing to tap: hands the link to the app by its scheme.
fn open_button(link: &DeepLink, lang: Lang) -> String {
    format!(
        "<a class=\"open\" id=\"open-in-app\" href=\"{}\">{}</a>",
        escape(&link.to_string()),
        escape(&lang.t("phone-open-button"))
    )
}

/// How to get the app, with the space's store links when it configured them; `come_back` says
/// what tapping the button again will do.
fn get_the_app(hub: &Hub, lang: Lang, come_back: &str) -> String {
    let phone = &hub.config.phone;
    let mut stores = String::new();
    if let Some(url) = &phone.app_store_url {
        stores.push_str(&format!(
            "<a class=\"store\" href=\"{}\">{}</a>",
            escape(url.as_str()),
            escape(&lang.t("phone-app-store"))
        ));
    }
    if let Some(url) = &phone.play_store_url {
        stores.push_str(&format!(
            "<a class=\"store\" href=\"{}\">{}</a>",
            escape(url.as_str()),
            escape(&lang.t("phone-play-store"))
        ));
    }
    if stores.is_empty() {
        stores = format!(
            "<p>{}</p>",
            escape(&lang.t_args("phone-ask-staff", &[("space", (&hub.config.space.name).into())]))
        );
    }
    format!(
        "<section class=\"get-app\" id=\"get-app\"><h2>{}</h2>\
         <p>{}</p>{stores}\
         <p class=\"small\">{}</p></section>",
        escape(&lang.t("phone-nothing-happened")),
        escape(&lang.t("phone-not-installed")),
        escape(come_back),
    )
}

/// A page made for a phone: readable at 320 px, touch targets of at least 48 px, safe areas.
fn page(lang: Lang, title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="{lang}">
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
        lang = lang.tag(),
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
