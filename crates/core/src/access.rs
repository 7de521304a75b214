//! The access model: who may open which door, when, and why. Pure: no I/O, not async; time is
//! passed in.
//!
//! - A [`Group`] (Cobot/SmartSpace calls it a user group) has an external identifier such as
//!   `Members`, a set of doors and an optional weekly [`Schedule`] in the space's time zone.
//! - An [`Assignment`] maps a Cobot plan to groups.
//! - The membership custom field `smart_spaces_access_additional_units` adds groups by their
//!   identifiers, comma-separated (when the space switches the feature on). **Case rule:**
//!   identifiers match case-insensitively (ASCII) after trimming, because staff type them by hand
//!   in Cobot; group identifiers are therefore unique regardless of case. Unknown identifiers are
//!   reported and never grant anything.
//! - A membership grants access only while active: confirmed, started, and not past its
//!   cancellation date (the last active day), all in the space's time zone.
//!
//! [`Rules::evaluate`] answers one member at one door at one instant with a [`Verdict`] and its
//! reasons; [`Rules::member_access`] answers every door for a member at once.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

mod fact;
pub use fact::{hours, standing};

/// The custom field whose value adds groups to a membership.
pub const EXTRA_GROUPS_FIELD: &str = "smart_spaces_access_additional_units";

/// A door's id within the space (`front`, `workshop`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DoorId(pub String);

/// A group's external identifier as configured (`Members`). Compare with [`GroupId::key`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupId(pub String);

impl GroupId {
    /// The case-folded form identifiers are matched by.
    pub fn key(&self) -> String {
        self.0.trim().to_ascii_lowercase()
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Door {
    /// Its id.
    pub id: DoorId,
    /// What people call it (`Front door`).
    pub name: String,
}

/// A user group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// External identifier.
    pub id: GroupId,
    /// Doors the group opens.
    pub doors: Vec<DoorId>,
    /// When; `None` means at any time.
    pub schedule: Option<Schedule>,
}

/// How an assignment recognises a Cobot plan: by its id, or by its name when Cobot gives no
/// usable id (cobot-api.md §3: `plan.parent_plan.id` matching `/api/plans` ids is unconfirmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanMatch {
    /// The plan's id in `/api/plans`.
    Id(String),
    /// The plan's name, compared case-insensitively after trimming.
    Name(String),
}

/// A plan → groups assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// Which plan.
    pub plan: PlanMatch,
    /// The groups its members get.
    pub groups: Vec<GroupId>,
}

/// A Cobot plan as a membership carries it.
///
/// Id assignments match `id`. Name assignments match `name` only while the plan is not known by
/// id: once the hub identified the catalogue plan (by its `parent_plan.id`), `names` says which
/// names assignments gave that plan, and the membership's own copy of the name (which drifts
/// when staff rename a plan) no longer counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRef {
    /// The catalogue plan's id, when known.
    pub id: Option<String>,
    /// The plan's name.
    pub name: String,
    /// `None`: name assignments match `name`. `Some`: the plan was identified by id, and name
    /// assignments match these names (empty: none does).
    #[serde(default)]
    pub names: Option<Vec<String>>,
}

/// What the access model needs to know about a membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Cobot membership id.
    pub membership_id: String,
    /// The current plan.
    pub plan: Option<PlanRef>,
    /// Whether the membership is confirmed (`confirmed_at` set).
    pub confirmed: bool,
    /// First active day.
    pub starts_at: Option<Date>,
    /// Last active day, when canceled.
    pub canceled_to: Option<Date>,
    /// The raw value of [`EXTRA_GROUPS_FIELD`], if any.
    pub extra_groups: Option<String>,
}

/// A time of day window on some weekdays, local to the space. `end` before `start` crosses
/// midnight (`Fri 22:00–02:00` is open until 02:00 on Saturday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Weekdays the window starts on, bit 0 = Monday.
    pub days: u8,
    /// Opening time.
    pub start: Time,
    /// Closing time (exclusive).
    pub end: Time,
}

/// A weekly schedule: open while any window is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// The windows.
    pub windows: Vec<Window>,
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn day_index(day: Weekday) -> u8 {
    day.to_monday_zero_offset() as u8
}

impl Window {
    fn open_on(&self, day: u8) -> bool {
        self.days & (1 << day) != 0
    }

    fn contains(&self, day: u8, time: Time) -> bool {
        if self.start < self.end {
            self.open_on(day) && self.start <= time && time < self.end
        } else {
            // Overnight: the evening part belongs to the start day, the morning part to the next.
            (self.open_on(day) && time >= self.start) || (self.open_on((day + 6) % 7) && time < self.end)
        }
    }
}

impl Schedule {
    /// Whether the schedule is open at local weekday `day` and time `time`.
    pub fn is_open(&self, day: Weekday, time: Time) -> bool {
        self.windows.iter().any(|w| w.contains(day_index(day), time))
    }

    /// Parses `Mon-Fri 07:00-22:00; Sat,Sun 10:00-16:00`. Days: `Mon`…`Sun` or `daily`, ranges
    /// with `-`, lists with `,`; times `HH:MM`, `24:00` allowed as an end.
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let mut windows = Vec::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (days, times) = part
                .split_once(char::is_whitespace)
                .ok_or_else(|| ScheduleError(format!("“{part}” needs days and times, like “Mon-Fri 07:00-22:00”")))?;
            let times = times.trim().replace('–', "-");
            let (start, end) = times
                .split_once('-')
                .ok_or_else(|| ScheduleError(format!("“{times}” needs a start and an end, like “07:00-22:00”")))?;
            let start = parse_time(start.trim())?;
            let end = parse_time(end.trim())?;
            if start == end {
                return Err(ScheduleError(format!("“{part}” opens and closes at the same time")));
            }
            windows.push(Window {
                days: parse_days(days)?,
                start,
                end,
            });
        }
        if windows.is_empty() {
            return Err(ScheduleError(
                "a schedule needs at least one window, like “Mon-Fri 07:00-22:00”".into(),
            ));
        }
        Ok(Schedule { windows })
    }
}

/// A schedule that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule: {0}")]
pub struct ScheduleError(String);

fn parse_day(name: &str) -> Result<u8, ScheduleError> {
    DAY_NAMES
        .iter()
        .position(|d| d.eq_ignore_ascii_case(name.trim()))
        .map(|i| i as u8)
        .ok_or_else(|| {
            ScheduleError(format!(
                "“{}” is not a day; use Mon, Tue, Wed, Thu, Fri, Sat, Sun",
                name.trim()
            ))
        })
}

fn parse_days(text: &str) -> Result<u8, ScheduleError> {
    if text.trim().eq_ignore_ascii_case("daily") {
        return Ok(0x7f);
    }
    let mut mask = 0u8;
    for item in text.replace('–', "-").split(',') {
        match item.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (parse_day(from)?, parse_day(to)?);
                let mut d = from;
                loop {
                    mask |= 1 << d;
                    if d == to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => mask |= 1 << parse_day(item)?,
        }
    }
    Ok(mask)
}

fn parse_time(text: &str) -> Result<Time, ScheduleError> {
    let bad = || ScheduleError(format!("“{text}” is not a time; use HH:MM"));
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h == 24 && m == 0 {
        return Ok(Time::MAX);
    }
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

fn fmt_time(t: Time) -> String {
    if t == Time::MAX {
        "24:00".into()
    } else {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }
}

fn fmt_days(mask: u8) -> String {
    if mask == 0x7f {
        return "daily".into();
    }
    let parts: Vec<String> = frontdoor_ipc::day_runs(mask)
        .into_iter()
        .map(|(start, end)| match end - start {
            0 => DAY_NAMES[start].to_string(),
            1 => format!("{},{}", DAY_NAMES[start], DAY_NAMES[end]),
            _ => format!("{}–{}", DAY_NAMES[start], DAY_NAMES[end]),
        })
        .collect();
    parts.join(",")
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: Vec<String> = self
            .windows
            .iter()
            .map(|w| format!("{} {}–{}", fmt_days(w.days), fmt_time(w.start), fmt_time(w.end)))
            .collect();
        f.write_str(&text.join("; "))
    }
}

/// Why a membership does not count as active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Inactive {
    /// Not confirmed by the space yet.
    NotConfirmed,
    /// Starts later.
    NotStarted {
        /// First active day.
        starts_at: Date,
    },
    /// Ended.
    Ended {
        /// Last active day.
        canceled_to: Date,
    },
}

/// Where a member's group comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// The member's plan.
    Plan {
        /// The plan's name.
        plan: String,
    },
    /// The membership's custom field.
    ExtraGroup,
}

/// One reason in a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    /// A group opens the door now.
    Granted {
        /// The group.
        group: GroupId,
        /// Why the member has it.
        source: Source,
        /// Its schedule, if it has one.
        schedule: Option<String>,
    },
    /// A group opens the door, but not at this time.
    OutsideSchedule {
        /// The group.
        group: GroupId,
        /// Why the member has it.
        source: Source,
        /// Its schedule.
        schedule: String,
    },
    /// The membership is not active.
    Inactive(Inactive),
    /// None of the member's groups opens the door.
    NoGroupOpensDoor,
    /// The member has no group at all.
    NoGroups,
    /// The door is not configured.
    UnknownDoor,
}

/// The answer for one member at one door at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Whether the door may open.
    pub allowed: bool,
    /// Why (granting reasons when allowed; every refusing reason otherwise).
    pub reasons: Vec<Reason>,
}

/// A member's groups, resolved once and reused for every door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberGroups {
    /// Groups with where each came from (plan first, then extra groups), each group once.
    pub groups: Vec<(GroupId, Source)>,
    /// Custom-field identifiers that name no group: reported to staff, never granted.
    pub unknown: Vec<String>,
    /// Positions of `groups` in the rules, so verdicts need no lookups.
    #[serde(skip)]
    indices: Vec<usize>,
}

/// A member's access to every door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAccess {
    /// `None` when active.
    pub inactive: Option<Inactive>,
    /// The resolved groups.
    pub groups: MemberGroups,
    /// A verdict per configured door, in configuration order.
    pub doors: Vec<(DoorId, Verdict)>,
}

/// A configuration problem found when building [`Rules`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// Two groups whose identifiers differ only in case.
    #[error("the group “{0}” is defined twice (identifiers are compared without case)")]
    DuplicateGroup(String),
    /// A group names a door that does not exist.
    #[error("the group “{group}” names the door “{door}”, which is not configured")]
    UnknownDoor {
        /// The group.
        group: String,
        /// The door.
        door: String,
    },
    /// An assignment names a group that does not exist.
    #[error("a plan assignment names the group “{0}”, which is not configured")]
    UnknownGroup(String),
}

/// The space's access rules, indexed for evaluation.
#[derive(Debug, Clone)]
pub struct Rules {
    time_zone: TimeZone,
    doors: Vec<Door>,
    groups: Vec<Group>,
    group_index: HashMap<String, usize>,
    by_plan_id: HashMap<String, Vec<usize>>,
    by_plan_name: HashMap<String, Vec<usize>>,
    extra_groups_enabled: bool,
    /// For each door (by position in `doors`), the groups that open it.
    door_groups: Vec<Vec<usize>>,
    /// Each group's schedule in words, rendered once.
    schedule_text: Vec<Option<String>>,
    door_index: HashMap<DoorId, usize>,
}

impl Rules {
    /// Checks and indexes a configuration.
    pub fn new(
        time_zone: TimeZone,
        doors: Vec<Door>,
        groups: Vec<Group>,
        assignments: &[Assignment],
        extra_groups_enabled: bool,
    ) -> Result<Rules, RulesError> {
        let door_index: HashMap<DoorId, usize> = doors.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
        let mut group_index = HashMap::new();
        let mut door_groups = vec![Vec::new(); doors.len()];
        for (gi, group) in groups.iter().enumerate() {
            if group_index.insert(group.id.key(), gi).is_some() {
                return Err(RulesError::DuplicateGroup(group.id.0.clone()));
            }
            for door in &group.doors {
                let di = *door_index.get(door).ok_or_else(|| RulesError::UnknownDoor {
                    group: group.id.0.clone(),
                    door: door.0.clone(),
                })?;
                if !door_groups[di].contains(&gi) {
                    door_groups[di].push(gi);
                }
            }
        }
        let mut by_plan_id: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_plan_name: HashMap<String, Vec<usize>> = HashMap::new();
        for a in assignments {
            let indices = a
                .groups
                .iter()
                .map(|g| {
                    group_index
                        .get(&g.key())
                        .copied()
                        .ok_or_else(|| RulesError::UnknownGroup(g.0.clone()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let entry = match &a.plan {
                PlanMatch::Id(id) => by_plan_id.entry(id.clone()).or_default(),
                PlanMatch::Name(name) => by_plan_name.entry(fold(name)).or_default(),
            };
            for i in indices {
                if !entry.contains(&i) {
                    entry.push(i);
                }
            }
        }
        let schedule_text = groups
            .iter()
            .map(|g| g.schedule.as_ref().map(ToString::to_string))
            .collect();
        Ok(Rules {
            schedule_text,
            time_zone,
            doors,
            groups,
            group_index,
            by_plan_id,
            by_plan_name,
            extra_groups_enabled,
            door_groups,
            door_index,
        })
    }

    /// The configured doors.
    pub fn doors(&self) -> &[Door] {
        &self.doors
    }

    /// Whether the custom field's extra groups are read.
    pub fn extra_groups_enabled(&self) -> bool {
        self.extra_groups_enabled
    }

    /// The space's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// Whether the membership is active on the space's calendar day of `at`.
    pub fn activity(&self, member: &Member, at: Timestamp) -> Option<Inactive> {
        let today = at.to_zoned(self.time_zone.clone()).date();
        if !member.confirmed {
            return Some(Inactive::NotConfirmed);
        }
        if let Some(starts_at) = member.starts_at {
            if today < starts_at {
                return Some(Inactive::NotStarted { starts_at });
            }
        }
        if let Some(canceled_to) = member.canceled_to {
            if today > canceled_to {
                return Some(Inactive::Ended { canceled_to });
            }
        }
        None
    }

    /// The member's groups: from the plan's assignments, then (if the feature is on) from the
    /// custom field. Unknown custom-field identifiers are collected, not granted.
    pub fn member_groups(&self, member: &Member) -> MemberGroups {
        let mut groups: Vec<(GroupId, Source)> = Vec::new();
        let mut indices: Vec<usize> = Vec::new();
        if let Some(plan) = &member.plan {
            let by_id = plan.id.as_ref().and_then(|id| self.by_plan_id.get(id));
            let names: &[String] = match &plan.names {
                Some(names) => names,
                None => std::slice::from_ref(&plan.name),
            };
            let by_name = names.iter().filter_map(|n| self.by_plan_name.get(&fold(n)));
            for &gi in by_id.into_iter().chain(by_name).flatten() {
                if !indices.contains(&gi) {
                    indices.push(gi);
                    groups.push((
                        self.groups[gi].id.clone(),
                        Source::Plan {
                            plan: plan.name.clone(),
                        },
                    ));
                }
            }
        }
        let mut unknown = Vec::new();
        if self.extra_groups_enabled {
            for ident in parse_extra_groups(member.extra_groups.as_deref().unwrap_or("")) {
                match self.group_index.get(&ident.to_ascii_lowercase()) {
                    Some(&gi) if !indices.contains(&gi) => {
                        indices.push(gi);
                        groups.push((self.groups[gi].id.clone(), Source::ExtraGroup));
                    }
                    Some(_) => {}
                    None => unknown.push(ident),
                }
            }
        }
        MemberGroups {
            groups,
            unknown,
            indices,
        }
    }

    /// One member, one door, one instant.
    pub fn evaluate(&self, member: &Member, door: &DoorId, at: Timestamp) -> Verdict {
        let Some(&di) = self.door_index.get(door) else {
            return Verdict {
                allowed: false,
                reasons: vec![Reason::UnknownDoor],
            };
        };
        let inactive = self.activity(member, at);
        let groups = self.member_groups(member);
        let local = at.to_zoned(self.time_zone.clone());
        self.verdict(di, inactive.as_ref(), &groups, local.weekday(), local.time())
    }

    /// One member, every door, one instant: groups and activity resolved once.
    pub fn member_access(&self, member: &Member, at: Timestamp) -> MemberAccess {
        let inactive = self.activity(member, at);
        let groups = self.member_groups(member);
        let local = at.to_zoned(self.time_zone.clone());
        let (day, time) = (local.weekday(), local.time());
        let doors = (0..self.doors.len())
            .map(|di| {
                (
                    self.doors[di].id.clone(),
                    self.verdict(di, inactive.as_ref(), &groups, day, time),
                )
            })
            .collect();
        MemberAccess {
            inactive,
            groups,
            doors,
        }
    }

    fn verdict(
        &self,
        door: usize,
        inactive: Option<&Inactive>,
        groups: &MemberGroups,
        day: Weekday,
        time: Time,
    ) -> Verdict {
        let mut granted = Vec::new();
        let mut refused = Vec::new();
        for ((id, source), &gi) in groups.groups.iter().zip(&groups.indices) {
            if !self.door_groups[door].contains(&gi) {
                continue;
            }
            match &self.groups[gi].schedule {
                Some(s) if !s.is_open(day, time) => refused.push(Reason::OutsideSchedule {
                    group: id.clone(),
                    source: source.clone(),
                    schedule: self.schedule_text[gi].clone().unwrap_or_default(),
                }),
                _ => granted.push(Reason::Granted {
                    group: id.clone(),
                    source: source.clone(),
                    schedule: self.schedule_text[gi].clone(),
                }),
            }
        }
        if let Some(inactive) = inactive {
            // Fail closed: an inactive membership opens nothing, whatever its groups say.
            return Verdict {
                allowed: false,
                reasons: vec![Reason::Inactive(inactive.clone())],
            };
        }
        if !granted.is_empty() {
            return Verdict {
                allowed: true,
                reasons: granted,
            };
        }
        if groups.groups.is_empty() {
            return Verdict {
                allowed: false,
                reasons: vec![Reason::NoGroups],
            };
        }
        if refused.is_empty() {
            refused.push(Reason::NoGroupOpensDoor);
        }
        Verdict {
            allowed: false,
            reasons: refused,
        }
    }

    /// Door names by id, for rendering reasons.
    pub fn door_names(&self) -> BTreeMap<DoorId, String> {
        self.doors.iter().map(|d| (d.id.clone(), d.name.clone())).collect()
    }
}

/// Splits the custom field's value: comma-separated, trimmed, empties dropped, each identifier
/// once (compared without case, first spelling kept).
pub fn parse_extra_groups(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ident in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(ident)) {
            out.push(ident.to_string());
        }
    }
    out
}

fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

impl fmt::Display for Reason {
    /// The reason in words, e.g. “Plan Flex Desk → group Members, Mon–Fri 07:00–22:00”.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = |s: &Source, g: &GroupId| match s {
            Source::Plan { plan } => format!("Plan {plan} → group {g}"),
            Source::ExtraGroup => format!("extra group {g} from your membership"),
        };
        match self {
            Reason::Granted {
                group,
                source: s,
                schedule,
            } => {
                write!(f, "{}", source(s, group))?;
                if let Some(schedule) = schedule {
                    write!(f, ", {schedule}")?;
                }
                Ok(())
            }
            Reason::OutsideSchedule {
                group,
                source: s,
                schedule,
            } => write!(f, "{}: only {schedule}", source(s, group)),
            Reason::Inactive(Inactive::NotConfirmed) => f.write_str("your membership is not confirmed yet"),
            Reason::Inactive(Inactive::NotStarted { starts_at }) => write!(f, "your membership starts on {starts_at}"),
            Reason::Inactive(Inactive::Ended { canceled_to }) => write!(f, "your membership ended on {canceled_to}"),
            Reason::NoGroupOpensDoor => f.write_str("none of your plans or groups opens this door"),
            Reason::NoGroups => f.write_str("your plan gives no door access"),
            Reason::UnknownDoor => f.write_str("this door is not set up"),
        }
    }
}

#[cfg(test)]
mod tests;
