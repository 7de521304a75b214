//! Frontdoor's window (Yew, compiled to wasm). It renders the shell's [`AppView`] and sends
//! commands; all decisions are made in the Rust shell and core.

#[cfg(feature = "console")]
mod console;
mod model;
// Some bindings serve only the staff console.
#[cfg_attr(not(feature = "console"), allow(dead_code))]
mod tauri;

use std::collections::BTreeMap;

use frontdoor_ipc::{
    AccessView, AppView, CheckInState, DoorView, ErrorCode, ErrorDto, OpenOffer, PhoneView, RedirectKind, Role,
    TokenStorage, UnlockAnswer, UnlockOutcome, VIEW_CHANGED_EVENT,
};
use model::{Action, DoorState, Model, Screen};
use serde::{Deserialize, Serialize};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct LinkArgs {
    link: String,
}

#[derive(Serialize)]
struct JoinArgs {
    subdomain: String,
    hub: String,
}

#[derive(Serialize)]
struct UnlockArgs {
    door: String,
}

/// How often the window looks at the hub again while a message says it cannot be reached.
const RETRY_MS: i32 = 5000;

/// How long "Front door is open." stays on screen.
const OPEN_RESULT_MS: i32 = 6000;

/// Opens a door — `unlock`, or `confirm_open` for a door link — and shows what happened next to
/// it: "Opening…", then the hub's words for a few seconds, or why it did not open.
fn open_door<A: Serialize + 'static>(model: &UseReducerHandle<Model>, cmd: &'static str, door: String, args: A) {
    let tap = js_sys::Date::now() as u64;
    model.dispatch(Action::Unlocking {
        door: door.clone(),
        tap,
    });
    let model = model.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match tauri::call::<_, UnlockAnswer>(cmd, &args).await {
            Ok(answer) => {
                model.dispatch(Action::Unlocked {
                    door: door.clone(),
                    tap,
                    answer: Box::new(answer),
                });
                tauri::sleep(OPEN_RESULT_MS).await;
                model.dispatch(Action::Expire { door, tap });
            }
            Err(error) => model.dispatch(Action::UnlockFailed { door, tap, error }),
        }
    });
}

#[derive(Serialize)]
struct ScanArgs {
    windowed: bool,
    formats: Vec<&'static str>,
}

#[derive(Deserialize)]
struct Camera {
    camera: String,
}

#[derive(Deserialize)]
struct Scanned {
    content: String,
}

#[derive(Serialize)]
struct ConfirmArgs {
    enabled: bool,
}

/// Phones: scans a join or door code with the camera (Tauri's barcode-scanner plugin, allowed
/// by capabilities/mobile.json) and opens what it holds, as if it had been pasted.
fn scan_code(model: &UseReducerHandle<Model>) {
    let model = model.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let camera = |words: &str| ErrorDto::new(ErrorCode::Internal, words.to_string());
        match tauri::call::<_, Camera>("plugin:barcode-scanner|request_permissions", &NoArgs {}).await {
            Ok(c) if c.camera == "granted" => {}
            Ok(_) => {
                return model.dispatch(Action::Failed(camera(
                    "Frontdoor may not use the camera. Allow it in the phone's settings, then tap Scan again — or paste the link.",
                )))
            }
            Err(e) => {
                return model.dispatch(Action::Failed(camera(&format!(
                    "The camera could not be started ({}). Paste the link instead.",
                    e.message
                ))))
            }
        }
        let args = ScanArgs {
            windowed: false,
            formats: vec!["QR_CODE"],
        };
        match tauri::call::<_, Scanned>("plugin:barcode-scanner|scan", &args).await {
            Ok(scanned) => run(&model, "open_link", LinkArgs { link: scanned.content }),
            // Closing the camera is not an error worth a banner.
            Err(e) if e.message.to_ascii_lowercase().contains("cancel") => {}
            Err(e) => model.dispatch(Action::Failed(camera(&format!(
                "The code could not be read ({}). Try again in better light, or paste the link.",
                e.message
            )))),
        }
    });
}

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
    let body = match screen {
        Screen::Loading => html! { <p class="muted">{"Loading…"}</p> },
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
        <main class={classes!(model.busy.then_some("busy"))}>
            <header><h1>{"Frontdoor"}</h1></header>
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
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct ErrorBannerProps {
    id: AttrValue,
    error: ErrorDto,
    on_dismiss: Callback<MouseEvent>,
}

/// A short title for an error; the message says the rest.
fn title(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::ConsentDenied | ErrorCode::SignInCancelled => "Not signed in",
        ErrorCode::StateMismatch | ErrorCode::UntrustedSignIn => "Sign-in refused for your safety",
        ErrorCode::ExpiredCode | ErrorCode::SignInAgain => "Please sign in again",
        ErrorCode::CobotUnreachable => "Cobot can't be reached",
        ErrorCode::UnknownHub => "Unknown hub",
        ErrorCode::HubUnreachable => "The hub can't be reached",
        ErrorCode::NotAMember => "No membership found",
        ErrorCode::InvalidLink => "That link doesn't work",
        ErrorCode::NoSpace => "Join the space first",
        ErrorCode::NotSignedIn => "Sign in first",
        ErrorCode::NoPendingOpen => "Nothing to open",
        ErrorCode::NoAccess => "Not open for you now",
        ErrorCode::UnknownDoor => "Unknown door",
        ErrorCode::SlowDown => "Slow down",
        ErrorCode::DoorDidNotAnswer => "The door didn't answer",
        ErrorCode::DoorFailed | ErrorCode::UnlockInterrupted => "The door didn't open",
        ErrorCode::DoorNotConnected => "Door not connected",
        ErrorCode::NoMembershipData | ErrorCode::HubNotReady => "The hub isn't ready",
        ErrorCode::MembershipDataTooOld => "The hub can't reach Cobot",
        ErrorCode::MembershipEnded => "Membership ended",
        ErrorCode::NotStaff => "Staff only",
        ErrorCode::AuditUnavailable => "The door stays shut",
        ErrorCode::Invalid => "Please check the form",
        ErrorCode::Conflict => "Someone else changed this",
        ErrorCode::UnknownItem => "Not found",
        ErrorCode::NotSaved => "File not saved",
        ErrorCode::NotConfirmed => "Not confirmed",
        ErrorCode::InvalidIdToken | ErrorCode::SignInRefused | ErrorCode::NoSignInInProgress => "Sign-in failed",
        ErrorCode::Internal => "Something went wrong",
    }
}

/// The code as it crosses IPC (`no_access`), for `data-code`.
fn code_name(code: ErrorCode) -> String {
    serde_json::to_string(&code)
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

#[function_component(ErrorBanner)]
fn error_banner(props: &ErrorBannerProps) -> Html {
    let title = title(props.error.code);
    let code = code_name(props.error.code);
    html! {
        <section id={props.id.clone()} class="banner" role="alert" data-code={code}>
            <strong>{title}</strong>
            <p class="message">{ &props.error.message }</p>
            <button class="link" onclick={props.on_dismiss.clone()}>{"Dismiss"}</button>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ScreenProps {
    model: UseReducerHandle<Model>,
    view: AppView,
}

#[derive(Properties, PartialEq)]
struct WelcomeProps {
    model: UseReducerHandle<Model>,
    phone: Option<PhoneView>,
}

#[function_component(Welcome)]
fn welcome(props: &WelcomeProps) -> Html {
    let link = use_node_ref();
    let subdomain = use_node_ref();
    let hub = use_node_ref();
    // A space's name pasted where the link goes: moved into "Type your space", hub asked for.
    let named = use_state(|| None::<String>);
    let join_link = {
        let (model, link, subdomain, hub, named) = (
            props.model.clone(),
            link.clone(),
            subdomain.clone(),
            hub.clone(),
            named.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = link.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            match model::typed_space_name(&value) {
                Some(name) => {
                    if let Some(input) = subdomain.cast::<HtmlInputElement>() {
                        input.set_value(&name);
                    }
                    if let Some(input) = hub.cast::<HtmlInputElement>() {
                        let _ = input.focus();
                    }
                    named.set(Some(name));
                }
                None => {
                    named.set(None);
                    run(&model, "open_link", LinkArgs { link: value });
                }
            }
        })
    };
    let join_typed = {
        let (model, subdomain, hub) = (props.model.clone(), subdomain.clone(), hub.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let read = |r: &NodeRef| r.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            run(
                &model,
                "join_space",
                JoinArgs {
                    subdomain: read(&subdomain),
                    hub: read(&hub),
                },
            );
        })
    };
    let scan = {
        let model = props.model.clone();
        Callback::from(move |_| scan_code(&model))
    };
    html! {
        <section id="welcome">
            <h2>{"Welcome"}</h2>
            <p>{"Join your coworking space to see your plans and open its doors."}</p>
            <div class="card">
                <h3>{"Scan the QR code"}</h3>
                <p class="muted">{"Point your phone's camera at the Frontdoor QR code at your space's reception. It opens this app and joins the space."}</p>
                if props.phone.as_ref().is_some_and(|p| p.scan) {
                    <button id="scan-join" class="primary" onclick={scan}>{"Scan with Frontdoor"}</button>
                }
            </div>
            <form class="card" onsubmit={join_link}>
                <h3>{"Paste a join link"}</h3>
                <input id="link-input" ref={link} placeholder="frontdoor://… or https://…/join?…" autocomplete="off" />
                <button id="join-link-button" type="submit">{"Join"}</button>
            </form>
            <form class="card" onsubmit={join_typed}>
                <h3>{"Type your space"}</h3>
                if let Some(name) = &*named {
                    <p id="typed-space-name" class="hint" role="status">
                        { format!("“{name}” is your space's name, not a join link: it is filled in below. \
                          Add your hub's address (ask your space's staff), then Join.") }
                    </p>
                }
                <label>{"Space name (the part before .cobot.me)"}
                    <input id="subdomain-input" ref={subdomain} placeholder="lighthouse" autocomplete="off" /></label>
                <label>{"Hub address (ask your space's staff)"}
                    <input id="hub-input" ref={hub} placeholder="https://hub.example.com" autocomplete="off" /></label>
                <button id="join-typed-button" type="submit">{"Join"}</button>
            </form>
        </section>
    }
}

#[function_component(ConfirmJoin)]
fn confirm_join(props: &ScreenProps) -> Html {
    let Some(offer) = props.view.pending_join.clone() else {
        return html! {};
    };
    let confirm = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "confirm_join", NoArgs {}))
    };
    let decline = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "decline_join", NoArgs {}))
    };
    html! {
        <section id="confirm-join">
            <h2>{ format!("Join {}?", offer.space.name) }</h2>
            if let Some(current) = &offer.replaces_hub {
                <p id="offer-other-hub" class="warning">
                    { format!("You already joined {} through the hub at {current}. This link names a different hub. \
                      Only continue if the space's staff told you the hub moved: you will be signed out of the old one here, \
                      and nothing of it is sent to the new one. Cancel keeps everything as it is.", offer.space.name) }
                </p>
            }
            if let Some(listed) = &offer.unlisted_sign_in {
                <p id="offer-unlisted-domain" class="warning">
                    { format!("{} signs in on its own address, {}. Cobot lists the space at {listed}, not there, so \
                      Frontdoor cannot check it for you: only continue if your space told you to sign in at {}. \
                      Frontdoor remembers your answer.", offer.space.name, offer.space.sign_in_host, offer.space.sign_in_host) }
                </p>
            }
            <dl>
                <dt>{"Space"}</dt><dd id="offer-space">{ &offer.space.subdomain }</dd>
                <dt>{"Hub"}</dt><dd id="offer-hub">{ &offer.space.hub_url }</dd>
                <dt>{"You will sign in at"}</dt><dd id="offer-sign-in">{ &offer.space.sign_in_host }</dd>
            </dl>
            <p class="muted">{"Only join spaces you know. Frontdoor will open Cobot's sign-in page in your browser."}</p>
            <button id="confirm-join-button" class="primary" onclick={confirm}>{"Join and sign in"}</button>
            <button id="decline-join-button" onclick={decline}>{"Cancel"}</button>
        </section>
    }
}

#[function_component(SigningIn)]
fn signing_in(props: &ScreenProps) -> Html {
    let Some(run_view) = props.view.signing_in.clone() else {
        return html! {};
    };
    let cancel = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "cancel_sign_in", NoArgs {}))
    };
    let how = match run_view.redirect {
        RedirectKind::DeepLink => "Finish signing in to Cobot in your browser; it will bring you back here.",
        RedirectKind::Loopback => "Finish signing in to Cobot in your browser, then come back to this window.",
    };
    html! {
        <section id="signing-in">
            <h2>{"Signing in…"}</h2>
            <p>{ how }</p>
            <details>
                <summary>{"No browser opened?"}</summary>
                <p class="muted">{"Open this address in your browser:"}</p>
                <code id="authorize-url">{ &run_view.authorize_url }</code>
            </details>
            <button id="cancel-sign-in" onclick={cancel}>{"Cancel"}</button>
        </section>
    }
}

#[function_component(SignedIn)]
fn signed_in(props: &ScreenProps) -> Html {
    // Before any early return: hooks run in the same order at every render.
    #[cfg(feature = "console")]
    let tab = use_state(|| None::<console::Tab>);
    let Some(session) = props.view.session.clone() else {
        return html! {};
    };
    let sign_out = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "sign_out", NoArgs {}))
    };
    let refresh = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "refresh", NoArgs {}))
    };
    let unlock = {
        let model = props.model.clone();
        Callback::from(move |door: String| open_door(&model, "unlock", door.clone(), UnlockArgs { door }))
    };
    let dismiss_door = {
        let model = props.model.clone();
        Callback::from(move |door: String| model.dispatch(Action::DismissDoor(door)))
    };
    // The staff console (a desktop layout); phone builds leave it out (`--phone`).
    #[cfg(feature = "console")]
    let nav = {
        let staff = session
            .memberships
            .iter()
            .any(|m| m.subdomain == session.subdomain && matches!(m.role, Role::Admin | Role::MemberAndAdmin));
        let pick = |t: Option<console::Tab>| {
            let tab = tab.clone();
            Callback::from(move |_| tab.set(t))
        };
        let current = if staff { *tab } else { None };
        let nav = staff.then(|| {
        let item = |label: &'static str, id: &'static str, t: Option<console::Tab>| {
            html! {
                <button id={id} class={classes!("tab", (current == t).then_some("active"))} onclick={pick(t)}>{ label }</button>
            }
        };
        html! {
            <nav id="console-nav">
                { item("My doors", "tab-mine", None) }
                { item("Members", "tab-members", Some(console::Tab::Members)) }
                { item("Access", "tab-access", Some(console::Tab::Access)) }
                { item("Cobot", "tab-cobot", Some(console::Tab::Cobot)) }
                { item("Doors", "tab-doors", Some(console::Tab::Doors)) }
                { item("Activity", "tab-activity", Some(console::Tab::Activity)) }
                { item("Check-ins", "tab-check-ins", Some(console::Tab::CheckIns)) }
                { item("QR codes", "tab-qr", Some(console::Tab::Qr)) }
            </nav>
        }
    });
        if let Some(t) = current {
            return html! {
                <section id="session" class="staff">
                    { nav.unwrap_or_default() }
                    <console::glance::StatusStrip tab={Some(t)} epoch={props.view.console_epoch} />
                    <console::Console tab={t} epoch={props.view.console_epoch} />
                </section>
            };
        }
        nav.unwrap_or_default()
    };
    #[cfg(not(feature = "console"))]
    let nav = Html::default();
    html! {
        <section id="session">
            { nav }
            <h2>{"Hello, "}<span id="session-name">{ &session.name }</span></h2>
            if let Some(email) = &session.email {
                <p id="session-email" class="muted">{ email }</p>
            }
            <h3>{"Your spaces"}</h3>
            <ul id="memberships">
                { for session.memberships.iter().map(|m| {
                    let role = match m.role {
                        Role::Member => "Member",
                        Role::Admin => "Admin",
                        Role::MemberAndAdmin => "Member · Admin",
                    };
                    html! {
                        <li data-subdomain={m.subdomain.clone()}>
                            <span class="space-name">{ &m.name }</span>
                            <span class="role">{ role }</span>
                        </li>
                    }
                }) }
            </ul>
            if session.memberships.is_empty() {
                <p class="muted">{"Your Cobot account has no memberships yet."}</p>
            }
            if let Some(access) = &props.view.access {
                <Access access={access.clone()} doors={props.model.doors.clone()} on_unlock={unlock} on_dismiss={dismiss_door} />
            }
            if let Some(phone) = &props.view.phone {
                <PhoneSettings model={props.model.clone()} phone={phone.clone()} />
            }
            <div class="actions-row">
                <button id="refresh" onclick={refresh}>{"Refresh"}</button>
                <button id="sign-out" onclick={sign_out}>{"Sign out"}</button>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PhoneSettingsProps {
    model: UseReducerHandle<Model>,
    phone: PhoneView,
}

/// Phones: scan a door's code in the app, and "confirm with fingerprint or face before opening".
#[function_component(PhoneSettings)]
fn phone_settings(props: &PhoneSettingsProps) -> Html {
    let scan = {
        let model = props.model.clone();
        Callback::from(move |_| scan_code(&model))
    };
    let enabled = props.phone.confirm_unlock;
    let toggle = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "set_confirm_unlock", ConfirmArgs { enabled: !enabled }))
    };
    html! {
        <section id="phone-settings" class="card">
            if props.phone.scan {
                <button id="scan-door" onclick={scan}>{"Scan a door's code"}</button>
            }
            if let Some(how) = &props.phone.confirm_with {
                <label class="check switch">
                    <input id="confirm-unlock" type="checkbox" checked={enabled} onclick={toggle} />
                    { format!("Confirm with {how} before a door opens") }
                </label>
            } else if enabled {
                <p class="warning">{"You asked to confirm before doors open, but this phone has no fingerprint or face set up now."}</p>
                <button id="confirm-unlock-off" onclick={toggle}>{"Stop confirming"}</button>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct AccessProps {
    access: AccessView,
    /// What the doors the person tapped are doing.
    doors: BTreeMap<String, DoorState>,
    on_unlock: Callback<String>,
    on_dismiss: Callback<String>,
}

/// An RFC 3339 time in the person's locale.
/// Seconds from `rfc3339` to now, by this device's clock.
fn seconds_since(rfc3339: &str) -> Option<i64> {
    let then = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339)).get_time();
    (!then.is_nan()).then(|| ((js_sys::Date::now() - then) / 1000.0) as i64)
}

fn local_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_string();
    }
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

#[function_component(Access)]
fn access(props: &AccessProps) -> Html {
    let a = &props.access;
    // Results of doors the list does not show (a door link to a door the app did not know).
    let unlisted: Vec<(&String, &DoorState)> = props
        .doors
        .iter()
        .filter(|(id, _)| !a.doors.iter().any(|d| &d.id == *id))
        .collect();
    // The door most people open most (the first the hub lists that opens for them now) gets the
    // one Unlock within thumb's reach at the bottom of the screen; other doors keep theirs.
    let primary = a.doors.iter().find(|d| d.allowed).cloned();
    let thumb = primary.as_ref().map(|d| {
        let opening = matches!(props.doors.get(&d.id), Some(DoorState::Opening { .. }));
        let (on_unlock, id) = (props.on_unlock.clone(), d.id.clone());
        let unlock = Callback::from(move |_| on_unlock.emit(id.clone()));
        html! {
            <div id="thumb-bar">
                <button id="thumb-unlock" class="unlock primary" data-door={d.id.clone()} disabled={opening}
                    onclick={unlock} aria-label={format!("Unlock {}", d.name)}>
                    { if opening { "Opening…".to_string() } else { format!("Unlock {}", d.name) } }
                </button>
            </div>
        }
    });
    html! {
        <section id="access">
            if let Some(check_in) = &a.check_in {
                <p id="check-in-status" class={classes!("check-in", check_in_class(check_in.state))}
                    data-state={check_in_class(check_in.state)} role="status">
                    { &check_in.message }
                    if a.stale { { format!(" ({})", check_in.day) } }
                </p>
            }
            <h3>{"Your plans"}</h3>
            <ul id="plans">
                { for a.plans.iter().map(|p| {
                    let dates = match (&p.since, &p.until) {
                        (Some(s), Some(u)) => format!("{s} – {u}"),
                        (Some(s), None) => format!("since {s}"),
                        (None, Some(u)) => format!("until {u}"),
                        (None, None) => String::new(),
                    };
                    html! {
                        <li class={classes!("plan", if p.active { "active" } else { "inactive" })} data-plan={p.name.clone()}>
                            <span class="plan-name">{ &p.name }</span>
                            <span class="plan-status">{ &p.status }</span>
                            <span class="plan-dates muted">{ dates }</span>
                        </li>
                    }
                }) }
            </ul>
            if a.plans.is_empty() {
                <p class="muted">{"No plan at this space."}</p>
            }
            <h3>{"Doors"}</h3>
            <ul id="doors">
                { for a.doors.iter().map(|d| html! {
                    <Door door={d.clone()} state={props.doors.get(&d.id).cloned()}
                        in_thumb_bar={primary.as_ref().is_some_and(|p| p.id == d.id)}
                        on_unlock={props.on_unlock.clone()} on_dismiss={props.on_dismiss.clone()} />
                }) }
            </ul>
            <div id="door-results" aria-live="polite">
                { for unlisted.into_iter().map(|(id, state)| html! {
                    <DoorResult door={id.clone()} state={state.clone()} on_dismiss={props.on_dismiss.clone()} />
                }) }
            </div>
            <p id="as-of" class={classes!("muted", a.stale.then_some("stale"))}>
                { match seconds_since(&a.as_of) {
                    Some(age) => format!("{} ({})", model::reached_words(age), local_time(&a.as_of)),
                    None => format!("As of {}", local_time(&a.as_of)),
                } }
                if a.stale { { " — offline: this is the hub's last answer" } }
            </p>
            if !a.recent_check_ins.is_empty() {
                <section id="recent-check-ins">
                    <h3>{"Recent check-ins"}</h3>
                    <ul>
                        { for a.recent_check_ins.iter().map(|c| html! {
                            <li class={classes!("check-in", check_in_class(c.state))} data-day={c.day.clone()}>
                                <span class="day">{ &c.day }</span>
                                <span class="check-in-message">{ &c.message }</span>
                            </li>
                        }) }
                    </ul>
                </section>
            }
            { thumb.unwrap_or_default() }
        </section>
    }
}

fn check_in_class(state: CheckInState) -> &'static str {
    match state {
        CheckInState::Pending => "pending",
        CheckInState::CheckedIn => "checked-in",
        CheckInState::Refused => "refused",
    }
}

#[derive(Properties, PartialEq)]
struct DoorProps {
    door: DoorView,
    state: Option<DoorState>,
    /// Its Unlock is the one in the bar at the bottom of the screen.
    in_thumb_bar: bool,
    on_unlock: Callback<String>,
    on_dismiss: Callback<String>,
}

/// One door: its verdict with reasons, an Unlock button when it opens for the person now, and
/// what happened after the last tap.
#[function_component(Door)]
fn door(props: &DoorProps) -> Html {
    let d = &props.door;
    let opening = matches!(props.state, Some(DoorState::Opening { .. }));
    let unlock = {
        let (on_unlock, id) = (props.on_unlock.clone(), d.id.clone());
        Callback::from(move |_| on_unlock.emit(id.clone()))
    };
    html! {
        <li class={classes!("door", if d.allowed { "open" } else { "closed" })} data-door={d.id.clone()}>
            <div class="door-head">
                <span class="door-name">{ &d.name }</span>
                <span class="verdict">{ if d.allowed { "You can open it now" } else { "Closed for you now" } }</span>
            </div>
            <p class="reasons">{ d.reasons.join("; ") }</p>
            if d.allowed && !props.in_thumb_bar {
                <button class="unlock primary" data-door={d.id.clone()} disabled={opening} onclick={unlock}
                    aria-label={format!("Unlock {}", d.name)}>
                    { if opening { "Opening…" } else { "Unlock" } }
                </button>
            }
            // Always on the page, so a screen reader announces what a tap did when it appears.
            <div class="door-live" data-door={d.id.clone()} aria-live="polite" aria-atomic="true">
                if let Some(state) = &props.state {
                    <DoorResult door={d.id.clone()} state={state.clone()} on_dismiss={props.on_dismiss.clone()} />
                }
            </div>
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct DoorResultProps {
    door: String,
    state: DoorState,
    on_dismiss: Callback<String>,
}

/// What happened after a tap, in the hub's words.
#[function_component(DoorResult)]
fn door_result(props: &DoorResultProps) -> Html {
    let dismiss = {
        let (on_dismiss, door) = (props.on_dismiss.clone(), props.door.clone());
        Callback::from(move |_| on_dismiss.emit(door.clone()))
    };
    match &props.state {
        DoorState::Opening { .. } => html! {
            <p class="door-result opening" data-door={props.door.clone()}>{"Opening…"}</p>
        },
        DoorState::Opened { unlock, .. } => html! {
            <div class={classes!("door-result", "opened", (unlock.outcome == UnlockOutcome::OpenedUnconfirmed).then_some("unconfirmed"))}
                data-door={props.door.clone()}>
                <strong class="result-message">{ &unlock.message }</strong>
                if let Some(note) = &unlock.check_in_message {
                    <span class="check-in-note">{ note }</span>
                }
            </div>
        },
        DoorState::Failed { error, .. } => html! {
            <div class="door-result failed" data-door={props.door.clone()} data-code={code_name(error.code)}>
                <strong>{ title(error.code) }</strong>
                <span class="result-message">{ &error.message }</span>
                <button class="link dismiss-result" onclick={dismiss}>{"Dismiss"}</button>
            </div>
        },
    }
}

#[derive(Properties, PartialEq)]
struct OpenSheetProps {
    model: UseReducerHandle<Model>,
    offer: OpenOffer,
}

/// A door link asks before anything opens: "Open Front door at Lighthouse Coworking?"
#[function_component(OpenSheet)]
fn open_sheet(props: &OpenSheetProps) -> Html {
    let offer = &props.offer;
    let opening = matches!(props.model.doors.get(&offer.door_id), Some(DoorState::Opening { .. }));
    let confirm = {
        let (model, door) = (props.model.clone(), offer.door_id.clone());
        Callback::from(move |_| open_door(&model, "confirm_open", door.clone(), NoArgs {}))
    };
    let cancel = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "cancel_open", NoArgs {}))
    };
    html! {
        <div class="sheet-backdrop">
            <section id="open-sheet" class="sheet" role="dialog" aria-modal="true" aria-labelledby="open-sheet-title"
                data-door={offer.door_id.clone()}>
                <h2 id="open-sheet-title">{ format!("Open {} at {}?", offer.door_name, offer.space_name) }</h2>
                <p class="muted">{"The hub checks that you may open it now."}</p>
                <button id="open-confirm" class="primary" disabled={opening} onclick={confirm}>
                    { if opening { "Opening…" } else { "Open" } }
                </button>
                <button id="open-cancel" disabled={opening} onclick={cancel}>{"Cancel"}</button>
            </section>
        </div>
    }
}

#[function_component(SignedOut)]
fn signed_out(props: &ScreenProps) -> Html {
    let sign_in = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "sign_in", NoArgs {}))
    };
    let names: Vec<String> = props.view.spaces.iter().map(|s| s.name.clone()).collect();
    html! {
        <section id="signed-out">
            <h2>{ names.join(", ") }</h2>
            <p>{"You are not signed in."}</p>
            <button id="sign-in" class="primary" onclick={sign_in}>{"Sign in with Cobot"}</button>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct StorageProps {
    storage: TokenStorage,
}

#[function_component(TokenStorageNote)]
fn token_storage_note(props: &StorageProps) -> Html {
    match &props.storage {
        TokenStorage::Keychain => html! {},
        TokenStorage::MemoryOnly { reason } => html! {
            <footer id="token-storage" class="muted">
                { format!("Your sign-in is kept only while the app runs: {reason}. You'll sign in again after restarting Frontdoor.") }
            </footer>
        },
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
