//! A moment (an RFC 3339 time from the hub) as the person reads it: in their language's order and
//! in this device's time zone, with the zone named (`07.12.2026, 18:27 MEZ`, `12/7/2026, 6:27 PM
//! GMT+1`) — staff at the space's desk read their own clock, and anyone elsewhere sees which zone
//! a time is in. Outside the browser (the UI's native tests) it is the hub's time in UTC.

use crate::words::Lang;

/// How finely to say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precision {
    /// To the minute (runs, changes, the next sync).
    Minute,
    /// To the second (an opening in the activity log).
    Second,
}

/// `rfc3339` as the person reads it; as it came when it is not a time.
pub(crate) fn moment(rfc3339: &str, lang: Lang, precision: Precision) -> String {
    local(rfc3339, lang, precision).unwrap_or_else(|| utc(rfc3339, precision))
}

/// The hub's own form: `2026-11-30 09:47 UTC` (or to the second).
fn utc(rfc3339: &str, precision: Precision) -> String {
    let end = match precision {
        Precision::Minute => 16,
        Precision::Second => 19,
    };
    match (rfc3339.get(..10), rfc3339.get(11..end)) {
        (Some(day), Some(time)) if rfc3339.ends_with('Z') => format!("{day} {time} UTC"),
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => rfc3339.to_string(),
    }
}

#[cfg(target_arch = "wasm32")]
fn local(rfc3339: &str, lang: Lang, precision: Precision) -> Option<String> {
    use js_sys::{Date, Object, Reflect};
    use wasm_bindgen::JsValue;

    let date = Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return None;
    }
    let options = Object::new();
    let mut fields = vec![
        ("year", "numeric"),
        ("month", "2-digit"),
        ("day", "2-digit"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("timeZoneName", "short"),
    ];
    if precision == Precision::Second {
        fields.push(("second", "2-digit"));
    }
    for (key, value) in fields {
        Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value)).ok()?;
    }
    Some(String::from(date.to_locale_string(lang.tag(), &options)))
}

#[cfg(not(target_arch = "wasm32"))]
fn local(_rfc3339: &str, _lang: Lang, _precision: Precision) -> Option<String> {
    None
}
