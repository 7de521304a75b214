//! The space's QR codes for staff to print: the join code (the hub's join page,
//! `<hub>/join?space=…`), one sticker code per door (its door page, `<hub>/open?space=…&door=…`),
//! and a printable sticker sheet.
//!
//! A code holds the hub's https page rather than the `frontdoor://` link itself, because every
//! phone camera opens a web address, and the page hands over to the app by its `frontdoor://`
//! link or says how to get the app ([`crate::http::phone_pages`]); a space's own app build opens the
//! page directly as an App Link. The addresses are written by `links::join_page` and
//! `links::door_page`, so a printed code holds exactly what the app's `DeepLink::read` accepts.
//! The codes come from the `qrcode` crate (error correction Q, a four-module quiet zone, black on
//! white) and are never drawn by hand.
//!
//! Every endpoint is for staff only ([`crate::http::staff_only`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use frontdoor_core::hub::Code;
use frontdoor_core::links::{self, DoorId, HubUrl};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::Deserialize;

use crate::app::Hub;
use crate::http::{staff_only, Error, Path, Query};

/// Error correction: Q restores up to a quarter of the code, enough for a scuffed sticker.
pub const EC_LEVEL: EcLevel = EcLevel::Q;
/// Pixels per module in the SVG (it scales; this only sets its natural size).
const MODULE_PX: u32 = 8;
/// Door stickers per row and rows per printed page (two columns of 90 mm, three rows of 80 mm
/// fit inside A4 and Letter with 12 mm margins).
const STICKERS_PER_ROW: usize = 2;
const ROWS_PER_PAGE: usize = 3;

/// Why a code could not be made.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The text does not fit in a QR code (links are far shorter; this would be a bug).
    #[error("the link is too long for a QR code: {0}")]
    TooLong(qrcode::types::QrError),
}

/// The QR code of `text` as an SVG document: error correction [`EC_LEVEL`], quiet zone, black
/// modules on white.
pub fn svg(text: &str) -> Result<String, QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EC_LEVEL).map_err(QrError::TooLong)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(MODULE_PX, MODULE_PX)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// The code's modules (without quiet zone): its width and, row by row, `true` for dark. For
/// tests that decode what the hub prints.
pub fn matrix(text: &str) -> Result<(usize, Vec<bool>), QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EC_LEVEL).map_err(QrError::TooLong)?;
    Ok((
        code.width(),
        code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect(),
    ))
}

/// The SVG without its XML declaration, to place inside an HTML page.
fn inline(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(start) => &svg[start..],
        None => svg,
    }
}

/// The console's QR routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/admin/qr/join.svg", get(join_svg))
        .route("/api/v1/admin/qr/doors/{door}", get(door_svg))
        .route("/api/v1/admin/qr/stickers", get(stickers))
}

/// The hub as the app's links name it: its public base URL, which the app must accept.
pub(crate) fn hub_url(hub: &Hub) -> Result<HubUrl, Error> {
    let base = hub.public_base();
    HubUrl::parse(base.as_str()).map_err(|e| {
        Error::new(
            StatusCode::CONFLICT,
            Code::Conflict,
            format!(
                "The hub's public address {base} is not one the app accepts ({e}). Set [hub] public_url to the \
                 hub's https:// address, then print the codes."
            ),
        )
    })
}

/// The join page, `<public base URL>join?space=<subdomain>`: the app reads it as
/// `frontdoor://join?space=<subdomain>&hub=<public base URL>`.
pub fn join_link(hub: &Hub) -> Result<String, Error> {
    Ok(links::join_page(&hub_url(hub)?, &hub.config.space.subdomain).to_string())
}

/// A door's page, `<public base URL>open?space=<subdomain>&door=<door>`, for a door the hub has:
/// the app reads it as `frontdoor://open?space=<subdomain>&door=<door>`.
pub fn door_link(hub: &Hub, door: &str) -> Result<String, Error> {
    if !hub.doors().contains_key(door) {
        return Err(unknown_door(hub, door));
    }
    let door = DoorId::parse(door).map_err(|e| {
        Error::new(
            StatusCode::CONFLICT,
            Code::Conflict,
            format!("The door id “{door}” cannot be put in a link the app reads ({e}). Rename the door."),
        )
    })?;
    Ok(links::door_page(&hub_url(hub)?, &hub.config.space.subdomain, &door).to_string())
}

fn unknown_door(hub: &Hub, door: &str) -> Error {
    let shown: String = door.chars().take(64).collect();
    Error::new(
        StatusCode::NOT_FOUND,
        Code::UnknownDoor,
        format!("{} has no door “{shown}”.", hub.config.space.name),
    )
}

fn code_of(link: &str) -> Result<String, Error> {
    svg(link).map_err(Error::internal)
}

fn svg_response(svg: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            // An SVG opened on its own is a document: it may hold no script and load nothing.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        svg,
    )
        .into_response()
}

/// `GET /api/v1/admin/qr/join.svg`: the space's join code.
async fn join_svg(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Response, Error> {
    staff_only(&hub, &headers, "print the space's codes").await?;
    Ok(svg_response(code_of(&join_link(&hub)?)?))
}

/// `GET /api/v1/admin/qr/doors/{door}.svg`: one door's sticker code.
async fn door_svg(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, Error> {
    staff_only(&hub, &headers, "print the space's codes").await?;
    // axum cannot match a parameter with a suffix in one segment, so the `.svg` is taken off here.
    let Some(door) = file.strip_suffix(".svg") else {
        return Err(Error::new(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            "Door codes are at /api/v1/admin/qr/doors/<door>.svg.",
        ));
    };
    Ok(svg_response(code_of(&door_link(&hub, door)?)?))
}

/// Paper the sticker sheet is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// ISO A4, 210 × 297 mm.
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

impl Paper {
    fn css(self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::Letter => "letter",
        }
    }
}

#[derive(Deserialize)]
struct StickerQuery {
    paper: Option<String>,
}

/// `GET /api/v1/admin/qr/stickers?paper=a4|letter`: a printable page with every door's sticker
/// and the join code.
async fn stickers(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(q): Query<StickerQuery>,
) -> Result<Response, Error> {
    staff_only(&hub, &headers, "print the space's codes").await?;
    let paper = match q.paper.as_deref().map(|p| p.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("a4") => Paper::A4,
        Some("letter") => Paper::Letter,
        Some(_) => {
            return Err(Error::invalid(
                "The sticker sheet is made for A4 or Letter paper.",
                BTreeMap::from([("paper".to_string(), "Choose “a4” or “letter”.".to_string())]),
            ))
        }
    };
    let rules = hub.rules();
    let mut doors = Vec::new();
    // In the configuration's order, which is the order staff know them in.
    for door in rules.doors() {
        let link = door_link(&hub, &door.id.0)?;
        doors.push((door.name.clone(), code_of(&link)?));
    }
    let join = code_of(&join_link(&hub)?)?;
    let page = sticker_page(&hub.config.space.name, paper, &doors, &join);
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            // The page is self-contained: inline styles and SVG, nothing loaded, no script.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        page,
    )
        .into_response())
}

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The sticker sheet: rows of door stickers (name, code, space, hint), three rows a page, then
/// the join code on a sheet of its own. `doors` are (name, SVG).
pub fn sticker_page(space: &str, paper: Paper, doors: &[(String, String)], join: &str) -> String {
    let space = escape(space);
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Door stickers — {space}</title>
<style>
@page {{ size: {size}; margin: 12mm; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #000; background: #fff; }}
.sheet {{ break-after: page; page-break-after: always; }}
.sheet:last-child {{ break-after: auto; page-break-after: auto; }}
.row {{ display: flex; gap: 6mm; margin-bottom: 6mm; break-inside: avoid; page-break-inside: avoid; }}
.sticker {{ width: 90mm; height: 80mm; border: 0.3mm dashed #888; padding: 4mm; display: flex; flex-direction: column; align-items: center; justify-content: space-between; text-align: center; break-inside: avoid; page-break-inside: avoid; }}
.sticker h2 {{ margin: 0; font-size: 15pt; line-height: 1.15; overflow-wrap: anywhere; }}
.sticker .code svg {{ width: 48mm; height: 48mm; display: block; }}
.sticker .space {{ font-size: 10pt; }}
.sticker .hint {{ font-size: 9pt; white-space: nowrap; }}
.join {{ text-align: center; padding-top: 20mm; break-before: page; page-break-before: always; break-inside: avoid; page-break-inside: avoid; }}
.join h1 {{ font-size: 22pt; margin: 0 0 4mm; overflow-wrap: anywhere; }}
.join p {{ font-size: 12pt; margin: 0 0 8mm; }}
.join .code svg {{ width: 110mm; height: 110mm; }}
.screen-note {{ font-size: 11pt; padding: 4mm; background: #f3f3f3; margin-bottom: 6mm; }}
@media screen {{ body {{ padding: 12mm; }} }}
@media print {{
  .screen-note {{ display: none; }}
  .sticker {{ border-color: #bbb; }}
  svg {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
}}
</style>
</head>
<body>
<p class="screen-note">Print this page on {paper} paper at 100% scale (no “fit to page”). Cut along the dashed lines; stick each code at its door.</p>
"#,
        size = paper.css(),
        paper = match paper {
            Paper::A4 => "A4",
            Paper::Letter => "Letter",
        },
    );
    let per_page = STICKERS_PER_ROW * ROWS_PER_PAGE;
    for page in doors.chunks(per_page) {
        html.push_str("<div class=\"sheet\">\n");
        for row in page.chunks(STICKERS_PER_ROW) {
            html.push_str("<div class=\"row\">\n");
            for (name, code) in row {
                let _ = writeln!(
                    html,
                    "<div class=\"sticker\"><h2>{name}</h2><div class=\"code\">{code}</div>\
                     <div class=\"space\">{space}</div><div class=\"hint\">Scan with your phone to open</div></div>",
                    name = escape(name),
                    code = inline(code),
                );
            }
            html.push_str("</div>\n");
        }
        html.push_str("</div>\n");
    }
    let _ = write!(
        html,
        "<section class=\"join\"><h1>Join {space}</h1><p>Scan with your phone's camera or with Frontdoor to join \
         {space} and open its doors.</p><div class=\"code\">{code}</div></section>\n</body>\n</html>\n",
        code = inline(join),
    );
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_everywhere_on_the_sheet() {
        let page = sticker_page(
            "<b>Space</b> & \"Co\"",
            Paper::Letter,
            &[("<script>alert('x')</script>".into(), "<svg></svg>".into())],
            "<?xml version=\"1.0\"?><svg id=\"join\"></svg>",
        );
        assert!(!page.contains("<script>"));
        assert!(!page.contains("<b>Space"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(page.contains("&lt;b&gt;Space&lt;/b&gt; &amp; &quot;Co&quot;"));
        assert!(page.contains("size: letter"));
        assert!(!page.contains("<?xml"), "inline SVGs lose their XML declaration");
    }

    #[test]
    fn seven_doors_make_two_sheets_of_stickers_then_the_join_code() {
        let doors: Vec<(String, String)> = (0..7).map(|i| (format!("Door {i}"), "<svg></svg>".into())).collect();
        let page = sticker_page("S", Paper::A4, &doors, "<svg></svg>");
        assert_eq!(page.matches("class=\"sheet\"").count(), 2);
        assert_eq!(page.matches("class=\"sticker\"").count(), 7);
        assert_eq!(page.matches("class=\"row\"").count(), 4);
        assert_eq!(page.matches("Scan with your phone to open").count(), 7);
        assert!(page.contains("@media print"));
        assert!(page.contains("size: A4"));
    }

    #[test]
    fn a_code_is_black_on_white_with_a_quiet_zone() {
        let svg = svg("https://hub.lighthouse.example/open?space=lighthouse&door=front").unwrap();
        assert!(svg.contains("fill=\"#000000\"") && svg.contains("fill=\"#ffffff\""));
        let (width, modules) = matrix("https://hub.lighthouse.example/open?space=lighthouse&door=front").unwrap();
        assert_eq!(modules.len(), width * width);
        // Quiet zone of 4 modules on each side.
        assert!(svg.contains(&format!("width=\"{}\"", (width as u32 + 8) * MODULE_PX)));
    }
}
