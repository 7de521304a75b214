//! The QR tab: the space's join code with its link in words, one sticker code per door, and the
//! printable sticker sheet (A4 or Letter) or a single code saved to Downloads, with a button that
//! opens the saved sheet to print it.
//!
//! The codes are SVG drawn by the space's own hub (fetched by the shell with staff's session) and
//! put into the page as they are.

use frontdoor_ipc::{ErrorDto, QrCodesDto, SavedFileDto};
use serde::Serialize;
use yew::prelude::*;

use super::{error_banner, saved_note, NoArgs};
use crate::tauri;
use crate::words::{use_lang, Lang};

/// The `<svg>…</svg>` element of an SVG document (without its XML declaration), or nothing when
/// the text holds no SVG.
pub fn inline_svg(document: &str) -> Option<&str> {
    let start = document.find("<svg")?;
    let end = document.rfind("</svg>")? + "</svg>".len();
    (start < end).then(|| &document[start..end])
}

fn code(svg: &str, lang: Lang) -> Html {
    match inline_svg(svg) {
        Some(svg) => Html::from_html_unchecked(AttrValue::from(svg.to_string())),
        None => html! { <p class="warning">{ lang.t("console-qr-no-code") }</p> },
    }
}

#[derive(Serialize)]
struct PaperArgs {
    paper: &'static str,
}

#[derive(Serialize)]
struct CodeArgs {
    door: Option<String>,
}

#[derive(Serialize)]
struct PathArgs {
    path: String,
}

/// Runs a command that saves a file, and shows where it went (or why it did not).
fn save<A: Serialize + 'static>(
    cmd: &'static str,
    args: A,
    saved: &UseStateHandle<Option<SavedFileDto>>,
    error: &UseStateHandle<Option<ErrorDto>>,
) {
    let (saved, error) = (saved.clone(), error.clone());
    saved.set(None);
    error.set(None);
    wasm_bindgen_futures::spawn_local(async move {
        match tauri::call::<_, SavedFileDto>(cmd, &args).await {
            Ok(file) => saved.set(Some(file)),
            Err(e) => error.set(Some(e)),
        }
    });
}

#[function_component(QrTab)]
pub fn qr_tab() -> Html {
    let lang = use_lang();
    let codes = use_state(|| None::<QrCodesDto>);
    let error = use_state(|| None::<ErrorDto>);
    let saved = use_state(|| None::<SavedFileDto>);
    {
        let (codes, error) = (codes.clone(), error.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match tauri::call::<_, QrCodesDto>("console_qr_codes", &NoArgs {}).await {
                    Ok(c) => codes.set(Some(c)),
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    let sheet = |paper: &'static str| {
        let (saved, error) = (saved.clone(), error.clone());
        Callback::from(move |_| save("console_save_stickers", PaperArgs { paper }, &saved, &error))
    };
    let one = |door: Option<String>| {
        let (saved, error) = (saved.clone(), error.clone());
        Callback::from(move |_| save("console_save_qr_code", CodeArgs { door: door.clone() }, &saved, &error))
    };
    let open = {
        let (saved, error) = (saved.clone(), error.clone());
        Callback::from(move |_| {
            let Some(file) = (*saved).clone() else {
                return;
            };
            let error = error.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = tauri::call::<_, ()>("console_open_saved", &PathArgs { path: file.path }).await {
                    error.set(Some(e));
                }
            });
        })
    };
    html! {
        <div id="qr-tab">
            <div class="card" id="qr-print">
                <h3>{ lang.t("console-qr-print-title") }</h3>
                <p class="muted">{ lang.t("console-qr-print-help") }</p>
                <button id="qr-stickers-a4" onclick={sheet("a4")}>{ lang.t("console-qr-save-a4") }</button>
                {" "}
                <button id="qr-stickers-letter" onclick={sheet("letter")}>{ lang.t("console-qr-save-letter") }</button>
                if let Some(file) = &*saved {
                    { saved_note("qr-saved", file) }
                    <button id="qr-open-saved" onclick={open}>
                        { if file.name.ends_with(".html") { lang.t("console-qr-open-to-print") } else { lang.t("open") } }
                    </button>
                }
                if let Some(e) = &*error {
                    { error_banner("qr-error", e) }
                }
            </div>
            if let Some(c) = &*codes {
                <div class="card qr-join" id="qr-join">
                    <h3>{ lang.t("console-qr-join-title") }</h3>
                    <div class="qr-code">{ code(&c.join_svg, lang) }</div>
                    <code id="qr-join-link">{ &c.join_link }</code>
                    <button id="qr-save-join" onclick={one(None)}>{ lang.t("console-qr-save-join") }</button>
                </div>
                <div class="qr-doors">
                    { for c.doors.iter().map(|d| html! {
                        <div class="card qr-door" data-door={d.door.clone()}>
                            <h3 class="qr-door-name">{ &d.name }</h3>
                            <div class="qr-code">{ code(&d.svg, lang) }</div>
                            <button class="qr-save-door" data-door={d.door.clone()} onclick={one(Some(d.door.clone()))}>{ lang.t("console-qr-save-door") }</button>
                        </div>
                    }) }
                </div>
                if c.doors.is_empty() {
                    <p class="muted" id="qr-no-doors">{ lang.t("console-qr-no-doors") }</p>
                }
            } else if error.is_none() {
                <p class="muted">{ lang.t("console-qr-loading") }</p>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_svg_element_goes_into_the_page() {
        let document =
            r#"<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>"#;
        assert_eq!(
            inline_svg(document),
            Some(r#"<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>"#)
        );
        assert_eq!(inline_svg("<html>not a code</html>"), None);
        assert_eq!(inline_svg("</svg><svg"), None);
    }
}
