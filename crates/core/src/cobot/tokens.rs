//! API 1 space lookup and token utilities (cobot-api.md §1, §9): what the hub needs to turn an
//! admin's personal token into a **space-owned** one, which keeps working when that admin leaves
//! (it moves to the space owner).

use serde::{Deserialize, Deserializer, Serialize};

use super::limit::COBOT_PER_USER;
use super::{encode, read_json, Cobot, Error};
use crate::links::Subdomain;
use crate::secret::AccessToken;

/// `GET https://www.cobot.me/api/spaces/:subdomain`, the parts the hub uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Space {
    /// The space id (`space-co-up`), which `POST /api/access_tokens/:token/space` takes.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The subdomain.
    #[serde(default)]
    pub subdomain: Option<String>,
    /// The space's IANA time zone (`Europe/Berlin`): the zone Cobot's day runs in.
    #[serde(default)]
    pub time_zone_name: Option<String>,
}

/// `GET https://www.cobot.me/api/access_tokens/:token`: what the token may do.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenInfo {
    /// The granted scopes (a list, or a space-separated string).
    #[serde(default, deserialize_with = "scope_list")]
    pub scope: Vec<String>,
}

/// The answer to `POST /api/access_tokens/:token/space`: a space-owned token with the same
/// scopes as the one it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SpaceToken {
    /// The granted scopes. Cobot documents a list; a space-separated string is read too.
    #[serde(default, deserialize_with = "scope_list")]
    pub scope: Vec<String>,
    /// The new token.
    pub token: AccessToken,
    /// The OAuth client it belongs to.
    #[serde(default)]
    pub client_id: Option<String>,
}

impl Cobot {
    /// `GET https://www.cobot.me/api/spaces/:subdomain` (no scope needed; the token only keys the
    /// limiter and is harmless to send).
    pub async fn space(&self, token: &AccessToken, subdomain: &Subdomain) -> Result<Space, Error> {
        let url = self.www_url(&format!("api/spaces/{}", encode(subdomain.as_str())))?;
        self.get(token, url, COBOT_PER_USER, "the space").await
    }

    /// `GET https://www.cobot.me/api/access_tokens/:token`, the token itself as bearer: the scopes
    /// Cobot granted it (cobot-api.md §1, confirmed).
    pub async fn token_info(&self, token: &AccessToken) -> Result<TokenInfo, Error> {
        let url = self.www_url(&format!("api/access_tokens/{}", encode(token.secret())))?;
        self.get(token, url, COBOT_PER_USER, "the token's scopes").await
    }

    /// `POST https://www.cobot.me/api/access_tokens/:token/space` with `{"space_id": …}`, the
    /// token itself as bearer: a space-owned copy of `token`. A write, so it is sent once and never
    /// retried (a lost answer leaves Cobot holding a token the hub never saw; the admin connects
    /// again).
    pub async fn space_token(&self, token: &AccessToken, space_id: &str) -> Result<SpaceToken, Error> {
        let url = self.www_url(&format!("api/access_tokens/{}/space", encode(token.secret())))?;
        let body = serde_json::json!({ "space_id": space_id });
        let response = self.send_once(token, reqwest::Method::POST, url, Some(&body)).await?;
        read_json(response, "a space-owned token").await
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) if !s.is_empty() => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("not a space id: {other}"))),
    }
}

fn scope_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Array(items)) => items
            .into_iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Some(serde_json::Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_space_token_answer_reads_as_cobot_documents_it_and_with_a_scope_string() {
        let t: SpaceToken =
            serde_json::from_str(r#"{"scope":["read_user","read_memberships"],"token":"abc","client_id":"c"}"#)
                .unwrap();
        assert_eq!(t.scope, ["read_user", "read_memberships"]);
        assert_eq!(t.token.secret(), "abc");
        let t: SpaceToken = serde_json::from_str(r#"{"scope":"read_user checkin","token":"abc"}"#).unwrap();
        assert_eq!(t.scope, ["read_user", "checkin"]);
    }

    #[test]
    fn a_space_id_may_be_a_number() {
        let s: Space = serde_json::from_str(r#"{"id":42,"name":"Co-Up","subdomain":"co-up"}"#).unwrap();
        assert_eq!(s.id, "42");
        assert!(serde_json::from_str::<Space>(r#"{"id":""}"#).is_err());
    }
}
