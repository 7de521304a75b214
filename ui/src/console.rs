//! The staff console: Members, Access, Cobot, Activity, Check-ins and QR codes, for the admins
//! of the space. The hub refuses every console call for anyone else; the window shows the console
//! only to people the hub said are staff. Changes go to the shell, which sends them to the hub; a
//! refused change comes back with words per field, shown beside the fields.
//!
//! Members, Access and Cobot share one load of the whole console ([`ConsoleView`]); Activity,
//! Check-ins and QR codes (in `console/`) each load their own data when opened.

mod activity;
mod check_ins;
mod doctor;
mod doors;
pub mod glance;
mod qr;
mod sort_header;

use std::collections::BTreeSet;

use frontdoor_ipc::{
    ConnectionState, ConsoleView, ErrorDto, GroupSetup, MemberRow, PlanSetup, SavedFileDto, SyncPhase, SyncProgress,
    SyncRun, SYNC_PROGRESS_EVENT,
};
use serde::Serialize;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::tauri;
use sort_header::sort_header;

/// The connection's state as the page names it (`data-state`, for tests and styles).
fn connection_state_name(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::NotConnected => "not_connected",
        ConnectionState::Connected => "connected",
        ConnectionState::Refused => "refused",
    }
}

/// The console's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Every synced member.
    Members,
    /// Groups, plans, extra groups.
    Access,
    /// Cobot connection and sync.
    Cobot,
    /// The doors: add, edit, test, state.
    Doors,
    /// The audit log, door latencies, remote open.
    Activity,
    /// A day's check-ins and the check-in policy.
    CheckIns,
    /// The join code and the doors' sticker codes.
    Qr,
}

#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    /// Which tab.
    pub tab: Tab,
    /// Grows when the console should load again.
    pub epoch: u64,
}

#[derive(Serialize)]
struct NoArgs {}

/// What the console holds between answers.
#[derive(Clone, PartialEq, Default)]
struct State {
    view: Option<ConsoleView>,
    error: Option<ErrorDto>,
    busy: bool,
}

/// The sync's progress as the hub pushed it (through the shell), kept apart from the answers:
/// only the hub's events and the Sync-now button write it. The shell follows a sync until it
/// reports `done` or `failed`, so the last phase shown is never a stale one.
type Progress = UseStateHandle<Option<SyncProgress>>;

type Handle = UseStateHandle<State>;

/// Sends a console command; its answer (a fresh [`ConsoleView`]) replaces the console, its
/// refusal is shown (with field errors for forms). `done` runs after a success.
fn act<A: Serialize + 'static>(state: &Handle, cmd: &'static str, args: A, done: Option<Callback<()>>) {
    let state = state.clone();
    state.set(State {
        busy: true,
        error: None,
        ..(*state).clone()
    });
    wasm_bindgen_futures::spawn_local(async move {
        match tauri::call::<_, ConsoleView>(cmd, &args).await {
            Ok(view) => {
                state.set(State {
                    view: Some(view),
                    error: None,
                    busy: false,
                });
                if let Some(done) = done {
                    done.emit(());
                }
            }
            Err(error) => state.set(State {
                error: Some(error),
                busy: false,
                ..(*state).clone()
            }),
        }
    });
}

/// The console: the tabs with their own loads, or the tabs sharing the whole console's.
#[function_component(Console)]
pub fn console(props: &ConsoleProps) -> Html {
    match props.tab {
        Tab::Doors => html! { <section id="console" class="console"><doors::DoorsTab /></section> },
        Tab::Activity => html! { <section id="console" class="console"><activity::ActivityTab /></section> },
        Tab::CheckIns => html! { <section id="console" class="console"><check_ins::CheckInsTab /></section> },
        Tab::Qr => html! { <section id="console" class="console"><qr::QrTab /></section> },
        Tab::Members | Tab::Access | Tab::Cobot => html! { <Setup tab={props.tab} epoch={props.epoch} /> },
    }
}

/// Members, Access and Cobot, drawn from one load of the whole console.
#[function_component(Setup)]
fn setup(props: &ConsoleProps) -> Html {
    let state = use_state(State::default);
    let progress: Progress = use_state(|| None);
    {
        // Fresh from the hub whenever staff open a tab, and when the shell says so.
        let state = state.clone();
        use_effect_with((props.epoch, props.tab), move |_| {
            act(&state, "console", NoArgs {}, None);
        });
    }
    {
        let (state, progress) = (state.clone(), progress.clone());
        use_effect_with((), move |_| {
            let listener = tauri::listen::<SyncProgress>(SYNC_PROGRESS_EVENT, move |p| {
                let finished = p.phase.is_finished();
                progress.set(Some(p));
                if finished {
                    act(&state, "console", NoArgs {}, None);
                }
            });
            move || drop(listener)
        });
    }
    let Some(view) = state.view.clone() else {
        return html! {
            <section id="console" class="console">
                if let Some(error) = &state.error {
                    <p id="console-error" class="field-error">{ &error.message }</p>
                } else {
                    <p class="muted">{"Loading the console…"}</p>
                }
            </section>
        };
    };
    let body = match props.tab {
        Tab::Members => html! { <Members view={view.clone()} state={state.clone()} /> },
        Tab::Access => html! { <AccessTab view={view.clone()} state={state.clone()} /> },
        Tab::Cobot => html! { <CobotTab view={view.clone()} state={state.clone()} progress={progress.clone()} /> },
        // Drawn by `Console` without this load.
        Tab::Doors | Tab::Activity | Tab::CheckIns | Tab::Qr => html! {},
    };
    html! {
        <section id="console" class={classes!("console", state.busy.then_some("busy"))}>
            if let Some(error) = &state.error {
                <div id="console-error" class="banner" data-code={serde_json::to_string(&error.code).unwrap_or_default().trim_matches('"').to_string()}>
                    <p class="message">{ &error.message }</p>
                </div>
            }
            { for view.errors.iter().map(|e| html! { <p class="muted console-part-error">{ &e.message }</p> }) }
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct TabProps {
    view: ConsoleView,
    state: Handle,
}

/// The words for a field, if the last refusal named it.
fn field_error(state: &Handle, field: &str) -> Html {
    field_words(state.error.as_ref(), field)
}

/// The words `error` has for `field`, beside the field.
fn field_words(error: Option<&ErrorDto>, field: &str) -> Html {
    match error.and_then(|e| e.fields.get(field)) {
        Some(words) => html! { <span class="field-error" data-field={field.to_string()}>{ words }</span> },
        None => html! {},
    }
}

/// A refusal of a tab that loads on its own, with its code for tests and its words for people.
fn error_banner(id: &'static str, error: &ErrorDto) -> Html {
    html! {
        <div id={id} class="banner" role="alert" data-code={serde_json::to_string(&error.code).unwrap_or_default().trim_matches('"').to_string()}>
            <p class="message">{ &error.message }</p>
        </div>
    }
}

/// "Saved to <path>", after a file was saved for staff.
fn saved_note(id: &'static str, saved: &SavedFileDto) -> Html {
    html! { <p id={id} class="saved" data-path={saved.path.clone()}>{ format!("Saved to {}", saved.path) }</p> }
}

// ---------------- Members ----------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum MemberSort {
    Name,
    Plan,
    Status,
}

#[function_component(Members)]
fn members(props: &TabProps) -> Html {
    let query = use_state(String::new);
    let sort = use_state(|| (MemberSort::Name, false));
    let picked = use_state(|| None::<String>);
    let q = query.to_lowercase();
    let mut rows: Vec<MemberRow> = props
        .view
        .members
        .iter()
        .filter(|m| {
            q.is_empty()
                || m.name.to_lowercase().contains(&q)
                || m.email.as_deref().unwrap_or_default().to_lowercase().contains(&q)
                || m.plans.iter().any(|p| p.to_lowercase().contains(&q))
                || m.groups.iter().any(|g| g.group.to_lowercase().contains(&q))
        })
        .cloned()
        .collect();
    let (by, descending) = *sort;
    rows.sort_by(|a, b| {
        let order = match by {
            MemberSort::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            MemberSort::Plan => a.plans.join(",").cmp(&b.plans.join(",")),
            MemberSort::Status => a.status.cmp(&b.status),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    let on_search = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| query.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let header = |label: &'static str, column: MemberSort, id: &'static str| sort_header(&sort, label, column, id);
    let chosen = picked
        .as_ref()
        .and_then(|id| props.view.members.iter().find(|m| &m.membership_id == id))
        .cloned();
    html! {
        <div id="members-tab">
            <input id="member-search" type="search" placeholder="Search name, email, plan or group" value={(*query).clone()} oninput={on_search} />
            <p class="muted" id="member-count">{ format!("{} of {} members", rows.len(), props.view.members.len()) }</p>
            <table id="members" class="table">
                <thead><tr>
                    { header("Name", MemberSort::Name, "sort-name") }
                    { header("Plans", MemberSort::Plan, "sort-plan") }
                    { header("Status", MemberSort::Status, "sort-status") }
                    <th>{"Groups"}</th>
                    <th>{"Doors now"}</th>
                </tr></thead>
                <tbody>
                    { for rows.iter().map(|m| {
                        let picked = picked.clone();
                        let id = m.membership_id.clone();
                        let onclick = Callback::from(move |_| picked.set(Some(id.clone())));
                        let open: Vec<&str> = m.doors.iter().filter(|d| d.allowed).map(|d| d.name.as_str()).collect();
                        html! {
                            // The whole row opens the member; the name's button (whose click reaches the
                            // row) is how a keyboard gets there.
                            <tr data-membership={m.membership_id.clone()} class={classes!((!m.active).then_some("inactive"))} {onclick}>
                                <td class="name"><button type="button" class="link member-name">{ &m.name }</button><span class="muted">{ m.email.clone().unwrap_or_default() }</span></td>
                                <td>{ m.plans.join(", ") }</td>
                                <td>{ &m.status }</td>
                                <td>{ m.groups.iter().map(|g| g.group.clone()).collect::<Vec<_>>().join(", ") }
                                    if !m.unknown_extra_groups.is_empty() {
                                        <span class="warning unknown-groups">{ format!(" unknown: {}", m.unknown_extra_groups.join(", ")) }</span>
                                    }
                                </td>
                                <td class="doors-now">{ if open.is_empty() { "none".to_string() } else { open.join(", ") } }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            if let Some(member) = chosen {
                <MemberDetail member={member} view={props.view.clone()} state={props.state.clone()} />
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct MemberDetailProps {
    member: MemberRow,
    view: ConsoleView,
    state: Handle,
}

#[derive(Serialize)]
struct MemberExtraArgs {
    #[serde(rename = "membershipId")]
    membership_id: String,
    groups: Vec<String>,
}

#[function_component(MemberDetail)]
fn member_detail(props: &MemberDetailProps) -> Html {
    let m = &props.member;
    let from_field: BTreeSet<String> = m
        .extra_groups
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let chosen = use_state(|| from_field.clone());
    {
        let chosen = chosen.clone();
        use_effect_with(from_field.clone(), move |f| chosen.set(f.clone()));
    }
    let groups = props.view.access.as_ref().map(|a| a.groups.clone()).unwrap_or_default();
    let save = {
        let (state, chosen, id) = (props.state.clone(), chosen.clone(), m.membership_id.clone());
        Callback::from(move |_| {
            act(
                &state,
                "console_member_extra_groups",
                MemberExtraArgs {
                    membership_id: id.clone(),
                    groups: chosen.iter().cloned().collect(),
                },
                None,
            )
        })
    };
    html! {
        <div id="member-detail" class="card" data-membership={m.membership_id.clone()}>
            <h3>{ &m.name }</h3>
            <p class="muted">{ format!("{} · {}", m.plans.join(", "), m.status) }</p>
            <h4>{"Groups"}</h4>
            <ul class="grants">
                { for m.groups.iter().map(|g| html! { <li><strong>{ &g.group }</strong>{ format!(" — {}", g.from) }</li> }) }
            </ul>
            if !m.unknown_extra_groups.is_empty() {
                <p class="warning" id="member-unknown-groups">{ format!("The membership's field names groups the hub does not have: {}. They open nothing.", m.unknown_extra_groups.join(", ")) }</p>
            }
            <h4>{"Doors now"}</h4>
            <table class="table" id="member-doors">
                <tbody>
                    { for m.doors.iter().map(|d| html! {
                        <tr data-door={d.door.clone()} class={if d.allowed { "open" } else { "closed" }}>
                            <td>{ &d.name }</td>
                            <td class="verdict">{ if d.allowed { "opens" } else { "closed" } }</td>
                            <td class="muted">{ d.reasons.join("; ") }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <h4>{"Extra groups (written to Cobot's custom field)"}</h4>
            <div class="checks">
                { for groups.iter().map(|g| {
                    let chosen = chosen.clone();
                    let id = g.id.clone();
                    let checked = chosen.contains(&g.id);
                    let onchange = Callback::from(move |_| {
                        let mut next = (*chosen).clone();
                        if !next.remove(&id) { next.insert(id.clone()); }
                        chosen.set(next);
                    });
                    html! { <label class="check"><input type="checkbox" class="member-extra" data-group={g.id.clone()} {checked} {onchange} />{ &g.id }</label> }
                }) }
            </div>
            { field_error(&props.state, "groups") }
            <button id="save-member-extra" class="primary" onclick={save}>{"Save extra groups"}</button>
        </div>
    }
}

// ---------------- Access ----------------

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
fn access_tab(props: &TabProps) -> Html {
    let editing = use_state(|| None::<GroupSetup>);
    let Some(access) = props.view.access.clone() else {
        return html! { <p class="muted">{"The access setup could not be loaded."}</p> };
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
                <h3>{"User groups"}</h3>
                <table id="groups" class="table">
                    <thead><tr><th>{"Identifier"}</th><th>{"Name"}</th><th>{"Doors"}</th><th>{"When"}</th><th></th></tr></thead>
                    <tbody>
                        { for access.groups.iter().map(|g| {
                            let edit = { let (editing, g) = (editing.clone(), g.clone()); Callback::from(move |_| editing.set(Some(g.clone()))) };
                            let delete = { let (state, id) = (props.state.clone(), g.id.clone()); Callback::from(move |_| act(&state, "console_delete_group", DeleteArgs { id: id.clone(), version }, None)) };
                            html! {
                                <tr data-group={g.id.clone()}>
                                    <td><strong>{ &g.id }</strong></td>
                                    <td>{ &g.name }</td>
                                    <td>{ g.doors.join(", ") }</td>
                                    <td>{ g.schedule.clone().unwrap_or_else(|| "always".into()) }</td>
                                    <td class="actions">
                                        <button class="link edit-group" onclick={edit}>{"Edit"}</button>
                                        {" "}
                                        <button class="link delete-group" onclick={delete}>{"Delete"}</button>
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if editing.is_none() {
                    <button id="new-group" onclick={new_group}>{"New group"}</button>
                }
                if let Some(group) = (*editing).clone() {
                    <GroupForm group={group} doors={access.doors.clone()} time_zone={access.time_zone.clone()} version={version} state={props.state.clone()} editing={editing.clone()} />
                }
            </div>
            <div class="card">
                <h3>{"Plans from Cobot"}</h3>
                <p class="muted">{"Which groups each plan gives its members."}</p>
                <table id="plans-setup" class="table">
                    <thead><tr><th>{"Plan"}</th><th>{"Members"}</th><th>{"Groups"}</th><th></th></tr></thead>
                    <tbody>
                        { for access.plans.iter().map(|p| html! {
                            <PlanRow plan={p.clone()} groups={access.groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>()} version={version} state={props.state.clone()} />
                        }) }
                    </tbody>
                </table>
                if access.plans.is_empty() {
                    <p class="muted">{"No plans yet: connect Cobot and sync first."}</p>
                }
                if !access.unknown_plans.is_empty() {
                    <p class="warning">{ format!("Assignments naming plans Cobot does not have: {}", access.unknown_plans.join(", ")) }</p>
                }
            </div>
            <div class="card">
                <h3>{"Extra groups from the membership"}</h3>
                <label class="check">
                    <input id="extra-groups" type="checkbox" checked={access.extra_groups} onchange={extra} />
                    {"Read smart_spaces_access_additional_units from each membership (the field is created in Cobot when missing)"}
                </label>
            </div>
            <div class="card">
                <h3>{"Recent changes"}</h3>
                <ul id="changes" class="changes">
                    { for props.view.changes.iter().take(10).map(|c| html! {
                        <li><span class="muted">{ when(&c.at) }</span>{ format!(" {} changed {}", c.by_name, c.what) }</li>
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

/// Checks a form before it is sent, in words; the hub checks everything again.
fn check_group(group: &GroupSetup) -> Vec<(&'static str, String)> {
    let mut wrong = Vec::new();
    if group.id.trim().is_empty() {
        wrong.push(("group.id", "Give the group an identifier, e.g. Members.".to_string()));
    } else if !group
        .id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-. ".contains(c))
    {
        wrong.push((
            "group.id",
            "Use letters, digits, spaces, '-', '_' or '.' only.".to_string(),
        ));
    }
    if group.doors.is_empty() {
        wrong.push(("group.doors", "Pick at least one door.".to_string()));
    }
    wrong
}

#[function_component(GroupForm)]
fn group_form(props: &GroupFormProps) -> Html {
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
            let wrong = check_group(&draft);
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
            <h4>{ if creating { "New group" } else { "Edit group" } }</h4>
            <label>{"Identifier (staff type it into the membership's extra-groups field)"}
                <input id="group-id" value={draft.id.clone()} oninput={text("id")} disabled={!creating} />
            </label>
            { error_for("group.id") }
            <label>{"Name"}<input id="group-name" value={draft.name.clone()} oninput={text("name")} /></label>
            { error_for("group.name") }
            <fieldset><legend>{"Doors"}</legend>
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
            <label>{ format!("When (in {}; empty for always), e.g. Mon-Fri 07:00-22:00; Sat 10:00-16:00", props.time_zone) }
                <input id="group-schedule" value={draft.schedule.clone().unwrap_or_default()} oninput={text("schedule")} />
            </label>
            { error_for("group.schedule") }
            <button id="save-group" type="submit">{"Save group"}</button>
            {" "}
            <button type="button" onclick={cancel}>{"Cancel"}</button>
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
            <td><button class="save-plan" disabled={!changed} onclick={save}>{"Save"}</button></td>
        </tr>
    }
}

// ---------------- Cobot ----------------

#[derive(Serialize)]
struct IntervalArgs {
    minutes: u64,
}

#[derive(Properties, PartialEq)]
struct CobotProps {
    view: ConsoleView,
    state: Handle,
    progress: Progress,
}

#[function_component(CobotTab)]
fn cobot_tab(props: &CobotProps) -> Html {
    let interval = use_state(|| {
        props
            .view
            .sync
            .as_ref()
            .map(|s| s.interval_minutes.to_string())
            .unwrap_or_default()
    });
    let connect = {
        let state = props.state.clone();
        Callback::from(move |_| act(&state, "console_connect_cobot", NoArgs {}, None))
    };
    let disconnect = {
        let state = props.state.clone();
        Callback::from(move |_| act(&state, "console_disconnect_cobot", NoArgs {}, None))
    };
    let sync_now = {
        let (state, progress) = (props.state.clone(), props.progress.clone());
        Callback::from(move |_| {
            progress.set(Some(SyncProgress {
                phase: SyncPhase::Starting,
                done: 0,
                total: None,
                message: "Starting the sync…".into(),
            }));
            act(&state, "console_sync_now", NoArgs {}, None)
        })
    };
    let set_interval = {
        let (state, interval) = (props.state.clone(), interval.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match interval.trim().parse::<u64>() {
                Ok(minutes) => act(&state, "console_sync_interval", IntervalArgs { minutes }, None),
                Err(_) => state.set(State {
                    error: Some({
                        let mut e = ErrorDto::new(frontdoor_ipc::ErrorCode::Invalid, "Please check the form.");
                        e.fields
                            .insert("minutes".into(), "Give a whole number of minutes, 5 to 1440.".into());
                        e
                    }),
                    ..(*state).clone()
                }),
            }
        })
    };
    let on_interval = {
        let interval = interval.clone();
        Callback::from(move |e: InputEvent| interval.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let cobot = props.view.cobot.clone();
    let progress = (*props.progress)
        .clone()
        .or_else(|| props.view.sync.as_ref().and_then(|s| s.running.clone()));
    html! {
        <div id="cobot-tab">
            <div class="card" id="cobot-connection">
                <h3>{"Cobot connection"}</h3>
                if let Some(c) = &cobot {
                    <p id="cobot-state" data-state={connection_state_name(c.state)}><strong>{ match c.state {
                        ConnectionState::Connected => "Connected",
                        ConnectionState::Refused => "Refused by Cobot — reconnect",
                        ConnectionState::NotConnected => "Not connected",
                    } }</strong></p>
                    <p class="muted" id="cobot-message">{ &c.message }</p>
                    if !c.scopes.is_empty() {
                        <p class="muted scopes">{ format!("Scopes: {}", c.scopes.join(" ")) }</p>
                    }
                    <button id="connect-cobot" class="primary" onclick={connect}>{ if c.state == ConnectionState::Connected { "Reconnect Cobot" } else { "Connect Cobot" } }</button>
                    if c.state == ConnectionState::Connected && c.source.as_deref() == Some("console") {
                        {" "}<button id="disconnect-cobot" onclick={disconnect}>{"Disconnect"}</button>
                    }
                }
            </div>
            <doctor::CheckCobot />
            <div class="card" id="sync-panel">
                <h3>{"Sync with Cobot"}</h3>
                if let Some(sync) = &props.view.sync {
                    <p class="muted" id="next-sync">{ match &sync.next_at { Some(at) => format!("Next scheduled sync: {}", when(at)), None => "No sync is scheduled.".into() } }</p>
                    <form id="interval-form" class="inline" onsubmit={set_interval}>
                        <label>{"Every (minutes)"}<input id="sync-interval" inputmode="numeric" value={(*interval).clone()} oninput={on_interval} /></label>
                        <button type="submit">{"Save"}</button>
                    </form>
                    { field_error(&props.state, "minutes") }
                }
                <button id="sync-now" class="primary" onclick={sync_now} disabled={progress.as_ref().is_some_and(|p| !p.phase.is_finished())}>{"Sync now"}</button>
                if let Some(p) = &progress {
                    <div id="sync-progress" data-phase={p.phase.as_str()}>
                        <progress max={p.total.unwrap_or(0).max(1).to_string()} value={p.done.to_string()}></progress>
                        <span>{ format!(" {}: {}", p.phase.as_str(), p.message) }</span>
                    </div>
                }
                if let Some(sync) = &props.view.sync {
                    <table id="sync-runs" class="table">
                        <thead><tr><th>{"Started"}</th><th>{"Kind"}</th><th>{"Result"}</th><th>{"Report"}</th></tr></thead>
                        <tbody>{ for sync.runs.iter().map(run_row) }</tbody>
                    </table>
                }
            </div>
        </div>
    }
}

/// An RFC 3339 time as people read it: `2026-11-30 09:47 UTC`.
fn when(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) if rfc3339.ends_with('Z') => format!("{day} {time} UTC"),
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => rfc3339.to_string(),
    }
}

/// One sync run with its report in words.
fn run_row(run: &SyncRun) -> Html {
    let r = &run.report;
    let count = |k: &str| r.get(k).and_then(|v| v.as_u64()).map(|n| n.to_string());
    let list = |k: &str| {
        r.get(k)
            .and_then(|v| v.as_array())
            .filter(|a| !a.is_empty())
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "))
    };
    let mut words = Vec::new();
    if let Some(n) = count("members") {
        words.push(format!("{n} members"));
    }
    for (key, label) in [("added", "added"), ("removed", "removed"), ("changed", "changed")] {
        if let Some(items) = list(key) {
            words.push(format!("{label}: {items}"));
        } else if let Some(n) = count(key) {
            words.push(format!("{n} {label}"));
        }
    }
    for (key, label) in [
        ("unknown_groups", "unknown group identifiers"),
        ("without_user", "without a Cobot user"),
        ("plans_without_assignment", "plans without an assignment"),
        ("unknown_plans", "assignments naming plans Cobot lacks"),
        ("unmatched_plans", "members whose plan matches no plan in Cobot's list"),
        ("renamed_plans", "assignments still naming a plan by its old name"),
        (
            "skipped",
            "records Cobot sent that could not be read (kept as they were)",
        ),
        ("webhooks", "webhooks"),
    ] {
        if let Some(items) = list(key) {
            words.push(format!("{label}: {items}"));
        }
    }
    if let Some(error) = r.get("error").and_then(|v| v.as_str()) {
        words.push(error.to_string());
    }
    html! {
        <tr class={if run.ok { "ok" } else { "failed" }}>
            <td>{ when(&run.started_at) }</td>
            <td>{ &run.kind }</td>
            <td>{ if run.ok { "applied" } else { "failed" } }</td>
            <td class="report">{ words.join(" · ") }</td>
        </tr>
    }
}
