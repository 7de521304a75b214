//! API 1 shapes (plain JSON, slash dates) as Cobot documents them (cobot-api.md §3–§5).

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};

/// A plan from `GET /api/plans`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The plan id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Hidden plans are listed only with scope `read_plans`.
    #[serde(default)]
    pub hidden: bool,
}

/// A membership from `GET /api/memberships` or `GET /api/memberships/:id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// Membership id.
    pub id: String,
    /// Name on the membership.
    #[serde(default)]
    pub name: Option<String>,
    /// Email on the membership.
    #[serde(default)]
    pub email: Option<String>,
    /// The connected Cobot user; `None` for members without an account (not synced for access).
    #[serde(default)]
    pub user: Option<MembershipUser>,
    /// The current plan.
    #[serde(default)]
    pub plan: Option<MembershipPlan>,
    /// When the space confirmed the membership; `None` while pending.
    #[serde(default, deserialize_with = "api1_timestamp")]
    pub confirmed_at: Option<Timestamp>,
    /// First day.
    #[serde(default, deserialize_with = "api1_date")]
    pub starts_at: Option<Date>,
    /// Last active day, when canceled.
    #[serde(default, deserialize_with = "api1_date")]
    pub canceled_to: Option<Date>,
}

/// `membership.user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipUser {
    /// The Cobot user id.
    pub id: String,
    /// The user's email.
    #[serde(default)]
    pub email: Option<String>,
}

/// `membership.plan`: the membership's own copy of a plan (cobot-api.md §3). Its name is the
/// copy's and may differ from the catalogue's; `parent_plan.id` names the catalogue plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipPlan {
    /// The copy's own id, when Cobot sends one; never a catalogue id.
    #[serde(default)]
    pub id: Option<String>,
    /// The plan's name.
    pub name: String,
    /// `parent_plan.id`: the space plan it derives from, when Cobot sends it.
    #[serde(default)]
    pub parent_plan: Option<ParentPlan>,
}

/// `membership.plan.parent_plan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentPlan {
    /// The space plan id.
    pub id: String,
}

/// One membership's custom fields (`GET /api/custom_fields` lists these for every membership).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipFields {
    /// The membership.
    pub membership_id: String,
    /// Its fields.
    #[serde(default)]
    pub fields: Vec<FieldValue>,
}

/// One custom field value. Cobot may send `null` or `""` for unset values; both read as `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldValue {
    /// The field's label.
    pub label: String,
    /// Its value.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub value: Option<String>,
}

impl MembershipFields {
    /// The value of the field labelled `label`.
    pub fn value(&self, label: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .and_then(|f| f.value.as_deref())
    }
}

/// A whole-space list read record by record: a record that does not read (an unparseable
/// date, a field of the wrong type) is set aside with why, and the rest is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lenient<T> {
    /// The records that read.
    pub items: Vec<T>,
    /// The records that did not, in the list's order.
    pub skipped: Vec<Unreadable>,
}

/// A record of a list that Frontdoor could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// Its `id` (or `membership_id`), if that much read.
    pub id: Option<String>,
    /// Its `name`, if that much read.
    pub name: Option<String>,
    /// Which field failed and how (`starts_at: not an API 1 date: "31.12.2026"`).
    pub reason: String,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.name, &self.id) {
            (Some(name), Some(id)) => write!(f, "{name} ({id}): {}", self.reason),
            (Some(name), None) => write!(f, "{name}: {}", self.reason),
            (None, Some(id)) => write!(f, "{id}: {}", self.reason),
            (None, None) => write!(f, "a record without name or id: {}", self.reason),
        }
    }
}

impl<'de, T: for<'a> Deserialize<'a>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The list itself must be a list; only its records are read one by one.
        let raw: Vec<serde_json::Value> = Vec::deserialize(d)?;
        let mut items = Vec::with_capacity(raw.len());
        let mut skipped = Vec::new();
        for record in raw {
            match serde_path_to_error::deserialize::<_, T>(&record) {
                Ok(item) => items.push(item),
                Err(e) => {
                    let text = |key: &str| record.get(key).and_then(|v| v.as_str()).map(str::to_string);
                    let path = e.path().to_string();
                    let reason = if path == "." {
                        e.inner().to_string()
                    } else {
                        format!("{path}: {}", e.inner())
                    };
                    skipped.push(Unreadable {
                        id: text("id").or_else(|| text("membership_id")),
                        name: text("name"),
                        reason,
                    });
                }
            }
        }
        Ok(Lenient { items, skipped })
    }
}

fn empty_as_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value: Option<String> = Option::deserialize(d)?;
    Ok(value.filter(|v| !v.trim().is_empty()))
}

/// Reads API 1's `YYYY/MM/DD` (ISO `YYYY-MM-DD` is accepted too).
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    Date::strptime("%Y/%m/%d", text)
        .or_else(|_| Date::strptime("%Y-%m-%d", text))
        .ok()
}

/// Reads API 1's `YYYY/MM/DD HH:MM:SS +0000` (ISO 8601 is accepted too).
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    jiff::Zoned::strptime("%Y/%m/%d %H:%M:%S %z", text)
        .map(|z| z.timestamp())
        .ok()
        .or_else(|| text.parse().ok())
}

fn api1_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    optional_text(d, parse_date, "date")
}

fn api1_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    optional_text(d, parse_timestamp, "time")
}

/// An optional text field read with `parse`: missing, `null` and blank are `None`; text that
/// `parse` cannot read is an error ("not an API 1 `kind`").
fn optional_text<'de, D: Deserializer<'de>, T>(
    d: D,
    parse: fn(&str) -> Option<T>,
    kind: &str,
) -> Result<Option<T>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => parse(&s)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("not an API 1 {kind}: {s:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cobots_documented_membership_reads() {
        let json = r#"{"id":"0c4f75fa","name":"johnny doe","email":"johnny@example.com",
          "user":{"id":"1d4d33ea","email":"johnny@example.com"},
          "plan":{"name":"basic plan","parent_plan":{"id":"1234"},"canceled_to":"2010/11/15"},
          "confirmed_at":"2010/01/01 12:00:00 +0000","starts_at":"2010/01/01",
          "canceled_to":"2010/02/01","next_invoice_at":"2010/03/01"}"#;
        let m: Membership = serde_json::from_str(json).unwrap();
        assert_eq!(m.user.unwrap().id, "1d4d33ea");
        assert_eq!(m.plan.unwrap().parent_plan.unwrap().id, "1234");
        assert_eq!(m.confirmed_at, Some("2010-01-01T12:00:00Z".parse().unwrap()));
        assert_eq!(m.starts_at, Some(Date::constant(2010, 1, 1)));
        assert_eq!(m.canceled_to, Some(Date::constant(2010, 2, 1)));
    }

    #[test]
    fn pending_members_without_account_read_with_nulls() {
        let m: Membership = serde_json::from_str(
            r#"{"id":"m","user":null,"plan":null,"confirmed_at":null,"starts_at":"","canceled_to":null}"#,
        )
        .unwrap();
        assert_eq!(
            (m.user, m.plan, m.confirmed_at, m.starts_at, m.canceled_to),
            (None, None, None, None, None)
        );
    }

    #[test]
    fn a_wrong_date_is_an_error_not_a_silent_none() {
        let e = serde_json::from_str::<Membership>(r#"{"id":"m","starts_at":"01.02.2026"}"#).unwrap_err();
        assert!(e.to_string().contains("not an API 1 date"), "{e}");
    }

    #[test]
    fn one_unreadable_record_is_set_aside_with_its_name_and_the_field_and_the_rest_is_kept() {
        let list: Lenient<Membership> = serde_json::from_str(
            r#"[{"id":"a","name":"Ann","starts_at":"2026/01/05"},
                {"id":"b","name":"Bo","starts_at":"31.12.2026"},
                {"id":"c","name":"Cy","user":{"id":7}},
                {"id":"d"}]"#,
        )
        .unwrap();
        let kept: Vec<&str> = list.items.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(kept, ["a", "d"]);
        let skipped: Vec<String> = list.skipped.iter().map(ToString::to_string).collect();
        assert_eq!(
            skipped,
            [
                r#"Bo (b): starts_at: not an API 1 date: "31.12.2026""#,
                "Cy (c): user.id: invalid type: integer `7`, expected a string",
            ]
        );
        assert!(
            serde_json::from_str::<Lenient<Membership>>(r#"{"error":"x"}"#).is_err(),
            "a list that is not a list is still an error"
        );
    }

    #[test]
    fn empty_and_null_custom_field_values_are_unset() {
        let f: MembershipFields = serde_json::from_str(r#"{"membership_id":"m","fields":[{"label":"a","value":""},{"label":"b","value":null},{"label":"c","value":"Staff"}]}"#).unwrap();
        assert_eq!((f.value("a"), f.value("b"), f.value("c")), (None, None, Some("Staff")));
    }
}
