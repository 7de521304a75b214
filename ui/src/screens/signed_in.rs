//! The signed-in screen: the person, their spaces, their plans and doors, the phone's settings,
//! Refresh and Sign out; for staff (desktop builds), the console's tabs in its place.

use frontdoor_ipc::Role;
use serde::Serialize;
use yew::prelude::*;

use crate::words::use_lang;

use super::access::Access;
use super::door::open_door;
use super::phone_settings::PhoneSettings;
use super::ScreenProps;
#[cfg(feature = "console")]
use crate::console;
use crate::model::Action;
use crate::{run, NoArgs};

#[derive(Serialize)]
struct UnlockArgs {
    door: String,
}

#[function_component(SignedIn)]
pub(crate) fn signed_in(props: &ScreenProps) -> Html {
    let lang = use_lang();
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
        let item = |label: String, id: &'static str, t: Option<console::Tab>| {
            html! {
                <button id={id} class={classes!("tab", (current == t).then_some("active"))} onclick={pick(t)}>{ label }</button>
            }
        };
        html! {
            <nav id="console-nav">
                { item(lang.t("tab-mine"), "tab-mine", None) }
                { item(lang.t("tab-members"), "tab-members", Some(console::Tab::Members)) }
                { item(lang.t("tab-access"), "tab-access", Some(console::Tab::Access)) }
                { item(lang.t("tab-cobot"), "tab-cobot", Some(console::Tab::Cobot)) }
                { item(lang.t("tab-doors"), "tab-doors", Some(console::Tab::Doors)) }
                { item(lang.t("tab-activity"), "tab-activity", Some(console::Tab::Activity)) }
                { item(lang.t("tab-check-ins"), "tab-check-ins", Some(console::Tab::CheckIns)) }
                { item(lang.t("tab-qr"), "tab-qr", Some(console::Tab::Qr)) }
                { item(lang.t("tab-fleet"), "tab-fleet", Some(console::Tab::Fleet)) }
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
            <h2>{ lang.t("hello") }{" "}<span id="session-name">{ &session.name }</span></h2>
            if let Some(email) = &session.email {
                <p id="session-email" class="muted">{ email }</p>
            }
            <h3>{ lang.t("your-spaces") }</h3>
            <ul id="memberships">
                { for session.memberships.iter().map(|m| {
                    let role = match m.role {
                        Role::Member => lang.t("role-member"),
                        Role::Admin => lang.t("role-admin"),
                        Role::MemberAndAdmin => lang.t("role-member-admin"),
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
                <p class="muted">{ lang.t("no-memberships") }</p>
            }
            if let Some(access) = &props.view.access {
                <Access access={access.clone()} doors={props.model.doors.clone()} on_unlock={unlock} on_dismiss={dismiss_door} />
            }
            if let Some(phone) = &props.view.phone {
                <PhoneSettings model={props.model.clone()} phone={phone.clone()} />
            }
            <div class="actions-row">
                <button id="refresh" onclick={refresh}>{ lang.t("refresh") }</button>
                <button id="sign-out" onclick={sign_out}>{ lang.t("sign-out") }</button>
            </div>
        </section>
    }
}
