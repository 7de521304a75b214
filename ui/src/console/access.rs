//! The console's Access tab: the groups (doors and weekly schedules) with their form, which
//! groups each plan opens, extra groups from Cobot's field, and the trail of changes.

use std::collections::BTreeSet;

use frontdoor_ipc::{GroupSetup, PlanSetup};
use serde::Serialize;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{act, field_error, when, Handle, TabProps};
use crate::words::{use_lang, Lang};

#[derive(Serialize)]
struct GroupArgs {
    group: GroupSetup,
    version: u64,
}

#[derive(Serialize)]
struct DeleteArgs {
    id: String,
    version: u64,
}

#[derive(Serialize)]
struct PlanArgs {
    #[serde(rename = "planId")]
    plan_id: String,
    groups: Vec<String>,
    version: u64,
}

#[derive(Serialize)]
struct ExtraArgs {
    enabled: bool,
    version: u64,
}

#[function_component(AccessTab)]
pub(super) fn access_tab(props: &TabProps) -> Html {
    let lang = use_lang();
    let editing = use_state(|| None::<GroupSetup>);
    let Some(access) = props.view.access.clone() else {
        return html! { <p class="muted">{ lang.t("console-access-not-loaded") }</p> };
    };
    let version = access.version;
    let new_group = {
        let editing = editing.clone();
        Callback::from(move |_| editing.set(Some(GroupSetup::default())))
    };
    let extra = {
        let state = props.state.clone();
        let enabled = access.extra_groups;
        Callback::from(move |_| {
            act(
                &state,
                "console_extra_groups",
                ExtraArgs {
                    enabled: !enabled,
                    version,
                },
                None,
            )
        })
    };
    html! {
        <div id="access-tab">
            <div class="card">
                <h3>{ lang.t("console-access-groups-title") }</h3>
                <table id="groups" class="table">
                    <thead><tr>
                        <th>{ lang.t("console-access-identifier") }</th>
                        <th>{ lang.t("console-access-name") }</th>
                        <th>{ lang.t("doors") }</th>
                        <th>{ lang.t("console-access-when") }</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        { for access.groups.iter().map(|g| {
                            let edit = { let (editing, g) = (editing.clone(), g.clone()); Callback::from(move |_| editing.set(Some(g.clone()))) };
                            let delete = { let (state, id) = (props.state.clone(), g.id.clone()); Callback::from(move |_| act(&state, "console_delete_group", DeleteArgs { id: id.clone(), version }, None)) };
                            html! {
                                <tr data-group={g.id.clone()}>
                                    <td><strong>{ &g.id }</strong></td>
                                    <td>{ &g.name }</td>
                                    <td>{ g.doors.join(", ") }</td>
                                    <td>{ g.schedule.clone().unwrap_or_else(|| lang.t("console-access-always")) }</td>
                                    <td class="actions">
                                        <button class="link edit-group" onclick={edit}>{ lang.t("console-access-edit") }</button>
                                        {" "}
                                        <button class="link delete-group" onclick={delete}>{ lang.t("console-access-delete") }</button>
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if editing.is_none() {
                    <button id="new-group" onclick={new_group}>{ lang.t("console-access-new-group") }</button>
                }
                if let Some(group) = (*editing).clone() {
                    <GroupForm group={group} doors={access.doors.clone()} time_zone={access.time_zone.clone()} version={version} state={props.state.clone()} editing={editing.clone()} />
                }
            </div>
            <div class="card">
                <h3>{ lang.t("console-access-plans-title") }</h3>
                <p class="muted">{ lang.t("console-access-plans-help") }</p>
                <table id="plans-setup" class="table">
                    <thead><tr>
                        <th>{ lang.t("console-access-plan") }</th>
                        <th>{ lang.t("tab-members") }</th>
                        <th>{ lang.t("console-access-groups") }</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        { for access.plans.iter().map(|p| html! {
                            <PlanRow plan={p.clone()} groups={access.groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>()} version={version} state={props.state.clone()} />
                        }) }
                    </tbody>
                </table>
                if access.plans.is_empty() {
                    <p class="muted">{ lang.t("console-access-no-plans") }</p>
                }
                if !access.unknown_plans.is_empty() {
                    <p class="warning">{ lang.t_args("console-access-unknown-plans", &[("plans", (&access.unknown_plans.join(", ")).into())]) }</p>
                }
            </div>
            <div class="card">
                <h3>{ lang.t("console-access-extra-title") }</h3>
                <label class="check">
                    <input id="extra-groups" type="checkbox" checked={access.extra_groups} onchange={extra} />
                    { lang.t("console-access-extra-read") }
                </label>
            </div>
            <div class="card">
                <h3>{ lang.t("console-access-changes-title") }</h3>
                <ul id="changes" class="changes">
                    { for props.view.changes.iter().take(10).map(|c| html! {
                        <li><span class="muted">{ when(&c.at, lang) }</span>{ format!(" {}", lang.t_args("console-access-changed", &[("by", (&c.by_name).into()), ("what", (&c.what).into())])) }</li>
                    }) }
                </ul>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct GroupFormProps {
    group: GroupSetup,
    doors: Vec<frontdoor_ipc::DoorRef>,
    time_zone: String,
    version: u64,
    state: Handle,
    editing: UseStateHandle<Option<GroupSetup>>,
}

/// Checks a form before it is sent, in words of `lang`; the hub checks everything again.
fn check_group(group: &GroupSetup, lang: Lang) -> Vec<(&'static str, String)> {
    let mut wrong = Vec::new();
    if group.id.trim().is_empty() {
        wrong.push(("group.id", lang.t("console-access-id-missing")));
    } else if !group
        .id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-. ".contains(c))
    {
        wrong.push(("group.id", lang.t("console-access-id-characters")));
    }
    if group.doors.is_empty() {
        wrong.push(("group.doors", lang.t("console-access-pick-door")));
    }
    wrong
}

#[function_component(GroupForm)]
fn group_form(props: &GroupFormProps) -> Html {
    let lang = use_lang();
    let draft = use_state(|| props.group.clone());
    let local = use_state(Vec::<(&'static str, String)>::new);
    let creating = props.group.id.is_empty();
    let text = |field: &'static str| {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            let mut next = (*draft).clone();
            match field {
                "id" => next.id = value,
                "name" => next.name = value,
                _ => next.schedule = Some(value).filter(|s| !s.trim().is_empty()),
            }
            draft.set(next);
        })
    };
    let save = {
        let (draft, local, state, editing, version) = (
            draft.clone(),
            local.clone(),
            props.state.clone(),
            props.editing.clone(),
            props.version,
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let wrong = check_group(&draft, lang);
            if !wrong.is_empty() {
                local.set(wrong);
                return;
            }
            local.set(Vec::new());
            let editing = editing.clone();
            act(
                &state,
                "console_save_group",
                GroupArgs {
                    group: (*draft).clone(),
                    version,
                },
                Some(Callback::from(move |_| editing.set(None))),
            );
        })
    };
    let cancel = {
        let editing = props.editing.clone();
        Callback::from(move |_| editing.set(None))
    };
    let error_for = |field: &'static str| -> Html {
        if let Some((_, words)) = local.iter().find(|(f, _)| *f == field) {
            return html! { <span class="field-error" data-field={field}>{ words }</span> };
        }
        field_error(&props.state, field)
    };
    html! {
        <form id="group-form" onsubmit={save}>
            <h4>{ if creating { lang.t("console-access-new-group") } else { lang.t("console-access-edit-group") } }</h4>
            <label>{ lang.t("console-access-identifier-label") }
                <input id="group-id" value={draft.id.clone()} oninput={text("id")} disabled={!creating} />
            </label>
            { error_for("group.id") }
            <label>{ lang.t("console-access-name") }<input id="group-name" value={draft.name.clone()} oninput={text("name")} /></label>
            { error_for("group.name") }
            <fieldset><legend>{ lang.t("doors") }</legend>
                { for props.doors.iter().map(|d| {
                    let draft = draft.clone();
                    let id = d.id.clone();
                    let checked = draft.doors.contains(&d.id);
                    let onchange = Callback::from(move |_| {
                        let mut next = (*draft).clone();
                        if let Some(i) = next.doors.iter().position(|x| x == &id) { next.doors.remove(i); } else { next.doors.push(id.clone()); }
                        draft.set(next);
                    });
                    html! { <label class="check"><input type="checkbox" class="group-door" data-door={d.id.clone()} {checked} {onchange} />{ &d.name }</label> }
                }) }
            </fieldset>
            { error_for("group.doors") }
            <label>{ lang.t_args("console-access-schedule-label", &[("zone", (&props.time_zone).into())]) }
                <input id="group-schedule" value={draft.schedule.clone().unwrap_or_default()} oninput={text("schedule")} />
            </label>
            { error_for("group.schedule") }
            <button id="save-group" type="submit">{ lang.t("console-access-save-group") }</button>
            {" "}
            <button type="button" onclick={cancel}>{ lang.t("cancel") }</button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct PlanRowProps {
    plan: PlanSetup,
    groups: Vec<String>,
    version: u64,
    state: Handle,
}

#[function_component(PlanRow)]
fn plan_row(props: &PlanRowProps) -> Html {
    let lang = use_lang();
    let chosen = use_state(|| props.plan.groups.iter().cloned().collect::<BTreeSet<String>>());
    {
        let chosen = chosen.clone();
        use_effect_with(props.plan.groups.clone(), move |g| {
            chosen.set(g.iter().cloned().collect())
        });
    }
    let changed = *chosen != props.plan.groups.iter().cloned().collect::<BTreeSet<_>>();
    let save = {
        let (state, chosen, plan_id, version) = (
            props.state.clone(),
            chosen.clone(),
            props.plan.plan_id.clone(),
            props.version,
        );
        Callback::from(move |_| {
            act(
                &state,
                "console_assign_plan",
                PlanArgs {
                    plan_id: plan_id.clone(),
                    groups: chosen.iter().cloned().collect(),
                    version,
                },
                None,
            )
        })
    };
    html! {
        <tr data-plan={props.plan.plan_id.clone()}>
            <td>{ &props.plan.name }</td>
            <td>{ props.plan.members }</td>
            <td class="checks">
                { for props.groups.iter().map(|g| {
                    let chosen = chosen.clone();
                    let id = g.clone();
                    let checked = chosen.contains(g);
                    let onchange = Callback::from(move |_| {
                        let mut next = (*chosen).clone();
                        if !next.remove(&id) { next.insert(id.clone()); }
                        chosen.set(next);
                    });
                    html! { <label class="check"><input type="checkbox" class="plan-group" data-group={g.clone()} {checked} {onchange} />{ g }</label> }
                }) }
            </td>
            <td><button class="save-plan" disabled={!changed} onclick={save}>{ lang.t("console-save") }</button></td>
        </tr>
    }
}
