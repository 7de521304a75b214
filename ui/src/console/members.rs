//! The console's Members tab: every synced member in a sortable, searchable table, and one
//! member's detail with the extra groups staff give them.

use std::collections::BTreeSet;

use frontdoor_ipc::{ConsoleView, MemberRow};
use serde::Serialize;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::sort_header::sort_header;
use super::{act, field_error, Handle, TabProps};
use crate::words::use_lang;

#[derive(Clone, Copy, PartialEq, Eq)]
enum MemberSort {
    Name,
    Plan,
    Status,
}

#[function_component(Members)]
pub(super) fn members(props: &TabProps) -> Html {
    let lang = use_lang();
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
    let header = |label: String, column: MemberSort, id: &'static str| sort_header(&sort, label, column, id);
    let chosen = picked
        .as_ref()
        .and_then(|id| props.view.members.iter().find(|m| &m.membership_id == id))
        .cloned();
    html! {
        <div id="members-tab">
            <input id="member-search" type="search" placeholder={lang.t("console-members-search")} value={(*query).clone()} oninput={on_search} />
            <p class="muted" id="member-count">{ lang.t_args("console-members-count", &[("shown", rows.len().into()), ("total", props.view.members.len().into())]) }</p>
            <table id="members" class="table">
                <thead><tr>
                    { header(lang.t("console-members-name"), MemberSort::Name, "sort-name") }
                    { header(lang.t("console-members-plans"), MemberSort::Plan, "sort-plan") }
                    { header(lang.t("console-members-status"), MemberSort::Status, "sort-status") }
                    <th>{ lang.t("console-members-groups") }</th>
                    <th>{ lang.t("console-members-doors-now") }</th>
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
                                        <span class="warning unknown-groups">{ format!(" {}", lang.t_args("console-members-unknown", &[("groups", (&m.unknown_extra_groups.join(", ")).into())])) }</span>
                                    }
                                </td>
                                <td class="doors-now">{ if open.is_empty() { lang.t("console-members-no-doors") } else { open.join(", ") } }</td>
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
    let lang = use_lang();
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
            <h4>{ lang.t("console-members-groups") }</h4>
            <ul class="grants">
                { for m.groups.iter().map(|g| html! { <li><strong>{ &g.group }</strong>{ format!(" — {}", g.from) }</li> }) }
            </ul>
            if !m.unknown_extra_groups.is_empty() {
                <p class="warning" id="member-unknown-groups">{ lang.t_args("console-members-unknown-groups", &[("groups", (&m.unknown_extra_groups.join(", ")).into())]) }</p>
            }
            <h4>{ lang.t("console-members-doors-now") }</h4>
            <table class="table" id="member-doors">
                <tbody>
                    { for m.doors.iter().map(|d| html! {
                        <tr data-door={d.door.clone()} class={if d.allowed { "open" } else { "closed" }}>
                            <td>{ &d.name }</td>
                            <td class="verdict">{ if d.allowed { lang.t("console-members-opens") } else { lang.t("console-members-closed") } }</td>
                            <td class="muted">{ d.reasons.join("; ") }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <h4>{ lang.t("console-members-extra-title") }</h4>
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
            <button id="save-member-extra" class="primary" onclick={save}>{ lang.t("console-members-save-extra") }</button>
        </div>
    }
}
