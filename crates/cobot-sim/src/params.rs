//! `application/x-www-form-urlencoded` parameters as OAuth reads them (RFC 6749 §3.1): a
//! parameter sent without a value counts as omitted, and one sent twice is an error.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    values: BTreeMap<String, String>,
    duplicates: Vec<String>,
}

impl Params {
    pub(crate) fn parse(raw: &[u8]) -> Params {
        let mut params = Params::default();
        for (name, value) in url::form_urlencoded::parse(raw) {
            if value.is_empty() {
                continue;
            }
            if params.values.insert(name.to_string(), value.into_owned()).is_some() {
                params.duplicates.push(name.into_owned());
            }
        }
        params
    }

    /// The value of `name`; `None` if absent or empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Whether `name` was sent more than once.
    pub(crate) fn is_duplicated(&self, name: &str) -> bool {
        self.duplicates.iter().any(|d| d == name)
    }

    /// The first parameter sent more than once, if any.
    pub(crate) fn first_duplicate(&self) -> Option<&str> {
        self.duplicates.first().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::Params;

    #[test]
    fn empty_values_count_as_omitted_and_repeats_are_noticed() {
        let p = Params::parse(b"a=1&b=&c=x+y&a=2");
        assert_eq!(p.get("b"), None);
        assert_eq!(p.get("c"), Some("x y"));
        assert!(p.is_duplicated("a"));
        assert_eq!(p.first_duplicate(), Some("a"));
    }
}
