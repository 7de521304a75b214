//! A staff change to the access setup, checked before it is applied: the version it was made
//! against, the items it names, identifiers and names, and the refusal in words with its fields.

use super::*;

pub(crate) fn stale(setup: &StoredSetup, version: u64) -> Result<(), Error> {
    if setup.version != version {
        return Err(ChangeError::Conflict {
            yours: version,
            current: setup.version,
        }
        .into());
    }
    Ok(())
}

pub(crate) fn unknown_item(message: String) -> Error {
    Error::new(StatusCode::NOT_FOUND, Code::UnknownItem, message)
}

/// Writes `next` (made on `version`) with its trail row and answers the new setup; a `next`
/// equal to the setup in force changes nothing.
pub(crate) async fn apply(
    hub: &Arc<Hub>,
    actor: &Actor,
    version: u64,
    next: StoredSetup,
    what: String,
    before: Value,
    after: Value,
) -> Result<AccessSetup, Error> {
    if next == hub.access.current().setup {
        return answer(hub).await;
    }
    let trail = Trail {
        at: hub.clock.now(),
        by: actor.user_id.clone(),
        device_id: actor.device_id.clone(),
        what,
        before,
        after,
    };
    let live = hub.access.clone();
    hub.db(move |store| live.commit(store, version, next, trail)).await??;
    answer(hub).await
}

pub(crate) fn words(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("“{i}”")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

pub(crate) fn invalid(fields: BTreeMap<String, String>) -> Error {
    let message = format!(
        "The change was not made: {}",
        fields.values().cloned().collect::<Vec<_>>().join(" ")
    );
    Error::invalid(message, fields)
}

/// What is wrong with a group identifier, if anything.
fn id_problem(id: &str) -> Option<String> {
    if id.trim().is_empty() {
        return Some("A group needs an identifier, like “Members”.".into());
    }
    if id.trim() != id {
        return Some(format!(
            "“{id}” starts or ends with a space; identifiers are typed into Cobot by hand, so leave it out."
        ));
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Some(format!("An identifier has at most {MAX_ID_CHARS} characters."));
    }
    if id.contains(',') {
        return Some(format!(
            "“{id}” contains a comma, which separates identifiers in Cobot's custom field; leave it out."
        ));
    }
    if id.chars().any(char::is_control) {
        return Some("An identifier cannot contain line breaks or other control characters.".into());
    }
    None
}

/// `setup` with `group` put at the address `path` (create or replace), or the fields' problems.
pub(crate) fn with_group(
    setup: &StoredSetup,
    path: &str,
    group: GroupSetup,
    doors: &[Door],
) -> Result<(StoredSetup, Option<GroupSetup>), BTreeMap<String, String>> {
    let mut fields = BTreeMap::new();
    let existing = setup.groups.iter().position(|g| g.id == path);
    if let Some(problem) = id_problem(&group.id) {
        fields.insert("group.id".to_string(), problem);
    } else if let Some(i) = existing {
        if key(&group.id) != key(&setup.groups[i].id) {
            fields.insert(
                "group.id".into(),
                format!(
                    "The identifier “{}” cannot become “{}”: members' custom fields in Cobot name groups by it. \
                     Create a group “{}” and delete this one instead.",
                    setup.groups[i].id, group.id, group.id
                ),
            );
        }
    } else if group.id != path {
        fields.insert(
            "group.id".into(),
            format!(
                "The identifier “{}” differs from the one in the address, “{path}”; they must be the same.",
                group.id
            ),
        );
    } else if let Some(other) = setup.groups.iter().find(|g| key(&g.id) == key(&group.id)) {
        fields.insert(
            "group.id".into(),
            format!(
                "There is already a group “{}”; identifiers are compared without case, so “{}” would be the same \
                 group. Choose another identifier or edit “{}”.",
                other.id, group.id, other.id
            ),
        );
    } else if setup.groups.len() >= MAX_GROUPS {
        fields.insert(
            "group.id".into(),
            format!("The setup holds at most {MAX_GROUPS} groups; delete one first."),
        );
    }
    let name = group.name.trim().to_string();
    if name.is_empty() {
        fields.insert("group.name".into(), "A group needs a name, like “Members”.".into());
    } else if name.chars().count() > MAX_NAME_CHARS {
        fields.insert(
            "group.name".into(),
            format!("A name has at most {MAX_NAME_CHARS} characters."),
        );
    } else if name.chars().any(char::is_control) {
        fields.insert(
            "group.name".into(),
            "A name cannot contain line breaks or other control characters.".into(),
        );
    }
    let mut door_ids: Vec<String> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for d in &group.doors {
        if !doors.iter().any(|k| &k.id.0 == d) {
            unknown.push(d.clone());
        } else if !door_ids.contains(d) {
            door_ids.push(d.clone());
        }
    }
    if !unknown.is_empty() {
        let known: Vec<String> = doors.iter().map(|d| d.id.0.clone()).collect();
        fields.insert(
            "group.doors".into(),
            format!(
                "{} {} not a door of this hub; its doors are {}.",
                words(&unknown),
                if unknown.len() == 1 { "is" } else { "are" },
                if known.is_empty() {
                    "none yet".to_string()
                } else {
                    words(&known)
                }
            ),
        );
    }
    let schedule = group
        .schedule
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(text) = &schedule {
        if let Err(e) = Schedule::parse(text) {
            let e = e.to_string();
            let e = e.strip_prefix("schedule: ").unwrap_or(&e);
            fields.insert("group.schedule".into(), format!("“{text}”: {e}"));
        }
    }
    if !fields.is_empty() {
        return Err(fields);
    }
    let new = GroupSetup {
        id: group.id,
        name,
        doors: door_ids,
        schedule,
    };
    let mut next = setup.clone();
    let before = match existing {
        Some(i) => {
            let old = std::mem::replace(&mut next.groups[i], new.clone());
            // A change of case only: assignments follow the new spelling.
            for a in &mut next.plans {
                for g in &mut a.groups {
                    if key(g) == key(&new.id) {
                        g.clone_from(&new.id);
                    }
                }
            }
            Some(old)
        }
        None => {
            next.groups.push(new);
            None
        }
    };
    Ok((next, before))
}

pub(crate) fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Makes sure the space's Cobot has the custom field extra groups are read from. Cobot replaces
/// field definitions as a whole, so the list goes back with every field it had, plus this one.
pub(crate) async fn ensure_field(hub: &Hub) -> Result<(), Error> {
    let token = hub.syncer.token().ok_or_else(|| {
        Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::NotConnected,
            format!(
                "Extra groups stay off: the hub is not connected to Cobot, so it cannot make sure the custom field \
                 {EXTRA_GROUPS_FIELD} exists. Connect Cobot first."
            ),
        )
    })?;
    let space = &hub.config.space.subdomain;
    let refused = |e: frontdoor_core::cobot::Error| cobot_refused(e, "Extra groups stay off", EXTRA_GROUPS_FIELD);
    let mut fields = hub.cobot_now.field_definitions(&token, space).await.map_err(refused)?;
    if fields.iter().any(|f| f.label == EXTRA_GROUPS_FIELD) {
        return Ok(());
    }
    fields.push(FieldDefinition {
        id: None,
        label: EXTRA_GROUPS_FIELD.into(),
    });
    let written = hub
        .cobot_now
        .put_field_definitions(&token, space, &fields)
        .await
        .map_err(refused)?;
    if !written.iter().any(|f| f.label == EXTRA_GROUPS_FIELD) {
        return Err(Error::new(
            StatusCode::BAD_GATEWAY,
            Code::CobotUnavailable,
            format!(
                "Extra groups stay off: Cobot did not keep the custom field {EXTRA_GROUPS_FIELD}. Add it in Cobot's \
                 membership settings and try again."
            ),
        ));
    }
    tracing::info!("added the custom field {EXTRA_GROUPS_FIELD} to the space's Cobot");
    Ok(())
}

/// A Cobot failure during a console change, in words that say nothing changed.
pub(crate) fn cobot_refused(e: frontdoor_core::cobot::Error, outcome: &str, field: &str) -> Error {
    use frontdoor_core::cobot::Error as C;
    tracing::warn!("a console change was refused by or could not reach Cobot: {e}");
    match e {
        C::SignInAgain => Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::NotConnected,
            format!("{outcome}: Cobot no longer accepts the hub's connection. Reconnect Cobot, then try again."),
        ),
        C::Forbidden(_) => Error::new(
            StatusCode::BAD_GATEWAY,
            Code::Forbidden,
            format!(
                "{outcome}: Cobot did not let the hub change the custom field {field}. The space's Cobot connection \
                 needs the right to edit custom fields (write_custom_fields); reconnect Cobot with it."
            ),
        ),
        C::Refused(words) => Error::new(
            StatusCode::BAD_GATEWAY,
            Code::CobotUnavailable,
            format!("{outcome}: Cobot refused the change of {field}: {words}"),
        ),
        C::RateLimited { retry_after_secs } => Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::CobotBusy,
            format!("{outcome}: Cobot is busy; try again in {retry_after_secs} seconds."),
        ),
        other => Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::CobotUnavailable,
            format!("{outcome}: {other}"),
        ),
    }
}

/// Names in a plan's groups that are no group of the setup, said in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct NotGroups(String);

/// The groups `wanted` names, as the setup spells them, each once; or the names that are no group.
pub(crate) fn plan_groups(setup: &StoredSetup, wanted: &[String]) -> Result<Vec<String>, NotGroups> {
    let mut groups: Vec<String> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for g in wanted {
        match setup.groups.iter().find(|o| key(&o.id) == key(g)) {
            Some(o) if !groups.contains(&o.id) => groups.push(o.id.clone()),
            Some(_) => {}
            None => unknown.push(g.trim().to_string()),
        }
    }
    if unknown.is_empty() {
        return Ok(groups);
    }
    let known: Vec<String> = setup.groups.iter().map(|g| g.id.clone()).collect();
    Err(NotGroups(format!(
        "{} {} not a group; the groups are {}.",
        words(&unknown),
        if unknown.len() == 1 { "is" } else { "are" },
        if known.is_empty() {
            "none yet (create one first)".to_string()
        } else {
            words(&known)
        }
    )))
}
