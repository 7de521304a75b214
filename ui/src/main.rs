//! Frontdoor's window (Yew, compiled to wasm). It renders the shell's
//! [`AppView`](frontdoor_ipc::AppView) and sends commands; all decisions are made in the Rust
//! shell and core.
//!
//! This file is the app's root: [`App`] picks the screen the model names ([`model::Screen`]),
//! with the banners, the door-link sheet and the token-storage note around it, and [`run`]s the
//! shell's commands. The screens are in `screens/`, the banner in `banner.rs`, the camera in
//! `scan.rs`.

mod banner;
#[cfg(feature = "console")]
mod console;
mod facts;
mod model;
// Only the staff console shows the hub's moments.
#[cfg_attr(not(feature = "console"), allow(dead_code))]
mod moment;
mod scan;
mod screens;
// Some bindings serve only the staff console.
#[cfg_attr(not(feature = "console"), allow(dead_code))]
mod tauri;
mod words;

use frontdoor_ipc::{TokenStorage, VIEW_CHANGED_EVENT};
use model::{Action, Model, Screen};
use serde::Serialize;
use yew::prelude::*;

use banner::ErrorBanner;
use screens::{ConfirmJoin, LanguagePicker, OpenSheet, SignedIn, SignedOut, SigningIn, Welcome};
use words::{use_lang, Lang};

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct LinkArgs {
    link: String,
}

/// How often the window looks at the hub again while a message says it cannot be reached.
const RETRY_MS: i32 = 5000;

/// Runs a command and feeds its answer to the model.
fn run<A: Serialize + 'static>(model: &UseReducerHandle<Model>, cmd: &'static str, args: A) {
    let model = model.clone();
    model.dispatch(Action::Started);
    wasm_bindgen_futures::spawn_local(async move {
        match tauri::command(cmd, &args).await {
            Ok(view) => model.dispatch(Action::View(Box::new(view))),
            Err(e) => model.dispatch(Action::Failed(e)),
        }
    });
}

#[function_component(App)]
fn app() -> Html {
    let model = use_reducer(Model::default);
    {
        let model = model.clone();
        use_effect_with((), move |_| {
            let events = model.clone();
            tauri::listen_views(VIEW_CHANGED_EVENT, move |view| {
                events.dispatch(Action::View(Box::new(view)))
            });
            run(&model, "get_view", NoArgs {});
        });
    }
    // While a message says the hub or Cobot cannot be reached, look at the hub again every few
    // seconds, so the message goes by itself once it answers. A newer watch ends the older one.
    let watch = use_mut_ref(|| 0u32);
    {
        let model = model.clone();
        use_effect_with(model.waits_for_the_hub(), move |waiting| {
            *watch.borrow_mut() += 1;
            let this = *watch.borrow();
            if *waiting {
                wasm_bindgen_futures::spawn_local(async move {
                    loop {
                        tauri::sleep(RETRY_MS).await;
                        if *watch.borrow() != this {
                            break;
                        }
                        let answer = tauri::command("refresh", &NoArgs {}).await.map(Box::new);
                        if *watch.borrow() != this {
                            break;
                        }
                        model.dispatch(Action::Retried(answer));
                    }
                });
            }
        });
    }
    let screen = model.screen();
    let view = model.view.clone().unwrap_or_default();
    let lang = words::chosen(view.language.as_deref());
    {
        // The page's own language, for screen readers and hyphenation.
        let tag = lang.tag();
        use_effect_with(tag, move |tag| {
            if let Some(root) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = root.set_attribute("lang", tag);
            }
        });
    }
    let body = match screen {
        Screen::Loading => html! { <p class="muted">{ lang.t("loading") }</p> },
        Screen::Welcome => html! { <Welcome model={model.clone()} phone={view.phone.clone()} /> },
        Screen::ConfirmJoin => html! { <ConfirmJoin model={model.clone()} view={view.clone()} /> },
        Screen::SigningIn => html! { <SigningIn model={model.clone()} view={view.clone()} /> },
        Screen::SignedIn => html! { <SignedIn model={model.clone()} view={view.clone()} /> },
        Screen::SignedOut => html! { <SignedOut model={model.clone()} view={view.clone()} /> },
    };
    let dismiss_error = {
        let model = model.clone();
        Callback::from(move |_| model.dispatch(Action::DismissError))
    };
    let dismiss_notice = {
        let model = model.clone();
        Callback::from(move |_| run(&model, "dismiss_notice", NoArgs {}))
    };
    // One message per subject: the shell's notice only when it is about something else.
    let (error, notice) = model.messages(view.notice.as_ref());
    html! {
        <ContextProvider<Lang> context={lang}>
        <main class={classes!(model.busy.then_some("busy"))}>
            <header><h1>{ lang.t("app-title") }</h1></header>
            if let Some(error) = error {
                <ErrorBanner id="error" error={error.clone()} on_dismiss={dismiss_error} />
            }
            if let Some(notice) = notice {
                <ErrorBanner id="notice" error={notice.clone()} on_dismiss={dismiss_notice} />
            }
            { body }
            if let Some(offer) = &view.pending_open {
                <OpenSheet model={model.clone()} offer={offer.clone()} />
            }
            <TokenStorageNote storage={view.token_storage.clone()} />
            <LanguagePicker model={model.clone()} chosen={view.language.clone()} />
        </main>
        </ContextProvider<Lang>>
    }
}

#[derive(Properties, PartialEq)]
struct StorageProps {
    storage: TokenStorage,
}

#[function_component(TokenStorageNote)]
fn token_storage_note(props: &StorageProps) -> Html {
    let lang = use_lang();
    match &props.storage {
        TokenStorage::Keychain => html! {},
        TokenStorage::MemoryOnly { reason } => html! {
            <footer id="token-storage" class="muted">
                { lang.t_args("token-memory-only", &[("reason", reason.into())]) }
            </footer>
        },
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
