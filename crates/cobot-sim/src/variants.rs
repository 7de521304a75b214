//! Where Cobot's behaviour is not documented, the simulator can do either, so Frontdoor is tested
//! against both (issue 11): how webhooks are encoded and where an `updated_custom_field` points,
//! whether a membership's copy of a plan follows a rename in the catalogue, and whether
//! `parent_plan.id` is the catalogue's id. Also the test controls that make Cobot's data
//! misbehave: a malformed record ([`Sim::garble_membership`]) and a space on its own domain
//! ([`Sim::serve_custom_domain`]).

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::Request;
use axum::http::Uri;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

use crate::seed::{SeedMembership, SeedPlanPeriod};
use crate::state::State;
use crate::Sim;

/// How a webhook delivery's body is encoded ([U]: Cobot documents `{"url": …}` and its own
/// receivers read `params[:url]`, which Rails fills from either).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookEncoding {
    /// `application/json`: `{"url": …}`.
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`: `url=…`, nested objects Rails-style
    /// (`membership[name]=…`).
    Form,
}

/// Where an `updated_custom_field` delivery points ([U]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldUrl {
    /// `{space}/api/memberships/{id}`, like every membership event.
    #[default]
    Membership,
    /// `{space}/api/memberships/{id}/custom_fields`.
    CustomFields,
}

/// What a membership's copy of a plan is called after staff rename the plan in the catalogue
/// ([U]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanCopyNames {
    /// Copies keep the name the plan had when the member got it; members who get it later get
    /// the new name.
    #[default]
    Frozen,
    /// Copies show the catalogue's name now.
    Follow,
}

/// What `plan.parent_plan.id` of a membership is ([U] whether it equals `/api/plans` ids).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentPlanIds {
    /// The catalogue plan's id, as in `/api/plans`.
    #[default]
    Catalogue,
    /// An id of its own (`parent-<catalogue id>`) that `/api/plans` never shows.
    Unrelated,
}

/// Which check-ins a `from`/`to` window lists (`GET /api/work_sessions`, a membership's
/// `check_ins`) ([U]: Cobot's docs say only "check-ins from … to …").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInWindow {
    /// Every check-in that runs at some moment of `[from, to)`.
    #[default]
    Overlap,
    /// Only check-ins that began within `[from, to)`: one begun earlier and still running is
    /// not listed.
    Starts,
}

impl CheckInWindow {
    /// Whether a check-in running `[valid_from, valid_until)` is listed for `[from, to)`.
    pub fn lists(
        self,
        valid_from: jiff::Timestamp,
        valid_until: jiff::Timestamp,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> bool {
        match self {
            CheckInWindow::Overlap => valid_from < to && valid_until > from,
            CheckInWindow::Starts => valid_from >= from && valid_from < to,
        }
    }
}

/// What an ID token's (and userinfo's) `sub` is ([U]: whether Cobot's OIDC subject equals
/// API 1's `/api/user` id is not documented).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subjects {
    /// The user's id, as `/api/user` answers it.
    #[default]
    UserId,
    /// An id of its own (`oidc-<user id>`), as an OIDC provider with pairwise or opaque subjects
    /// would write it.
    Opaque,
}

impl Subjects {
    /// The `sub` of `user_id`.
    pub fn of(self, user_id: &str) -> String {
        match self {
            Subjects::UserId => user_id.to_string(),
            Subjects::Opaque => format!("oidc-{user_id}"),
        }
    }
}

/// Whether an ID token carries the authorization request's `nonce` ([U]: Cobot documents `sub`
/// and `iss`, not the nonce).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdTokenNonce {
    /// It carries the nonce that was sent (as OpenID Connect Core says).
    #[default]
    Echo,
    /// It carries none.
    Omit,
}

/// What `GET /api/spaces/{subdomain}` names as a space's `url` when the space has a domain of its
/// own ([U]: Cobot's documented sample is `http://co-up.cobot.me`, and Cobot's own apps read the
/// field as `<subdomain>.cobot.me`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpaceUrl {
    /// The space's own domain.
    #[default]
    OwnDomain,
    /// The space's `cobot.me` host (here `{base}/sub/{subdomain}`), whatever its domain.
    CobotHost,
}

/// The simulator's answers where Cobot's are unknown (`SimConfig::variants`, `POST /_sim/config`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variants {
    /// How webhooks are encoded.
    pub webhook_encoding: WebhookEncoding,
    /// Where `updated_custom_field` points.
    pub custom_field_webhook_url: CustomFieldUrl,
    /// Whether plan copies follow a rename.
    pub plan_copy_names: PlanCopyNames,
    /// What `parent_plan.id` is.
    pub parent_plan_ids: ParentPlanIds,
    /// Which check-ins a time window lists.
    pub check_in_window: CheckInWindow,
    /// What an ID token's `sub` is.
    pub subjects: Subjects,
    /// Whether an ID token carries the nonce.
    pub id_token_nonce: IdTokenNonce,
    /// What a space's `url` names.
    pub space_url: SpaceUrl,
}

/// A membership's copy of one period's plan: its own id and name, and the parent's id.
pub(crate) struct PlanCopy {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) parent_id: String,
}

impl State {
    /// The base URL of a space's host, without a trailing slash: its custom domain if it has one
    /// ([`Sim::serve_custom_domain`]), else `{base}/sub/{subdomain}`.
    pub(crate) fn space_base(&self, subdomain: &str) -> String {
        match self.custom_domains.get(subdomain) {
            Some(url) => url.clone(),
            None => format!("{}/sub/{subdomain}", self.issuer),
        }
    }

    /// The copy of `period`'s plan that membership `m` carries (cobot-api.md §3): id
    /// `{membership}-plan-{n}` (the same as API 2's `membershipPlans`), the name as
    /// [`PlanCopyNames`] says, and the parent as [`ParentPlanIds`] says.
    pub(crate) fn plan_copy(&self, m: &SeedMembership, period: &SeedPlanPeriod) -> PlanCopy {
        let n = m.plans.iter().position(|p| std::ptr::eq(p, period)).unwrap_or(0) + 1;
        let catalogue = self.plan(&m.space_subdomain, &period.plan_id).map(|p| p.name.clone());
        let frozen = match self.settings.variants.plan_copy_names {
            PlanCopyNames::Frozen => self
                .frozen_plan_names
                .get(&(m.id.clone(), period.plan_id.clone(), period.starts_at))
                .cloned(),
            PlanCopyNames::Follow => None,
        };
        PlanCopy {
            id: format!("{}-plan-{n}", m.id),
            name: frozen.or(catalogue),
            parent_id: match self.settings.variants.parent_plan_ids {
                ParentPlanIds::Catalogue => period.plan_id.clone(),
                ParentPlanIds::Unrelated => format!("parent-{}", period.plan_id),
            },
        }
    }

    /// Before plan `plan_id` of `subdomain` is renamed from `old_name`: every membership period
    /// on it keeps the old name in its copy (shown while [`PlanCopyNames::Frozen`]).
    pub(crate) fn freeze_plan_name(&mut self, subdomain: &str, plan_id: &str, old_name: &str) {
        let periods: Vec<(String, String, jiff::civil::Date)> = self
            .memberships_of(subdomain)
            .flat_map(|m| {
                m.plans
                    .iter()
                    .filter(|p| p.plan_id == plan_id)
                    .map(|p| (m.id.clone(), p.plan_id.clone(), p.starts_at))
            })
            .collect();
        for key in periods {
            self.frozen_plan_names
                .entry(key)
                .or_insert_with(|| old_name.to_string());
        }
    }

    /// The raw fields that replace membership `id`'s in API 1 ([`Sim::garble_membership`]).
    pub(crate) fn garble(&self, id: &str, json: &mut Value) {
        if let (Some(fields), Value::Object(object)) = (self.garbled.get(id), json) {
            for (key, value) in fields {
                object.insert(key.clone(), value.clone());
            }
        }
    }
}

/// A webhook body as form data, Rails-style: `url=…&membership[name]=…&membership[tags][]=…`.
pub(crate) fn form_encode(body: &Value) -> String {
    fn add(out: &mut url::form_urlencoded::Serializer<'_, String>, key: &str, value: &Value) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    add(out, &format!("{key}[{k}]"), v);
                }
            }
            Value::Array(items) => {
                for v in items {
                    add(out, &format!("{key}[]"), v);
                }
            }
            Value::Null => {
                out.append_pair(key, "");
            }
            Value::String(s) => {
                out.append_pair(key, s);
            }
            other => {
                out.append_pair(key, &other.to_string());
            }
        }
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    if let Value::Object(map) = body {
        for (key, value) in map {
            add(&mut out, key, value);
        }
    }
    out.finish()
}

/// A space served on its own domain; dropping it stops that server (the space's URLs keep naming
/// it).
#[derive(Debug)]
pub struct CustomDomain {
    /// The domain's base URL, with a trailing slash (`http://127.0.0.1:PORT/`).
    pub url: Url,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Drop for CustomDomain {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Sim {
    /// Makes membership `id`'s API 1 object (lists, single reads and `deleted_membership`
    /// webhooks) carry `fields` verbatim in place of its own, e.g. `{"starts_at": "31.12.2026"}`:
    /// a malformed record, as Cobot might one day send. `None` restores the real fields.
    /// Control API: `PUT|DELETE /_sim/spaces/{sub}/memberships/{id}/raw`.
    pub fn garble_membership(&self, subdomain: &str, id: &str, fields: Option<Map<String, Value>>) -> bool {
        let mut state = self.lock();
        if state.membership_in(subdomain, id).is_none() {
            return false;
        }
        match fields {
            Some(fields) => state.garbled.insert(id.to_string(), fields),
            None => state.garbled.remove(id),
        };
        true
    }

    /// Serves space `subdomain` on a domain of its own, as Cobot serves spaces with a custom
    /// domain (cobot-api.md §10): a second listener on `addr` where every path is the space's
    /// (`/api/memberships`, `/oauth/authorize`, `/.well-known/openid-configuration`, …). From now
    /// on the space's issuer, API URLs, webhook URLs and `/api/spaces/{sub}` `url` name that
    /// domain. The space stays reachable under `{base}/sub/{subdomain}` too ([U] whether Cobot
    /// still answers there); the request log's `host` tells the two apart.
    pub async fn serve_custom_domain(&self, subdomain: &str, addr: SocketAddr) -> std::io::Result<CustomDomain> {
        if self.lock().space(subdomain).is_none() {
            return Err(std::io::Error::other(format!("unknown space `{subdomain}`")));
        }
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let url = Url::parse(&format!("http://{local}/")).map_err(std::io::Error::other)?;
        self.lock()
            .custom_domains
            .insert(subdomain.to_string(), url.as_str().trim_end_matches('/').to_string());
        let prefix = format!("/sub/{subdomain}");
        let rewrite = move |mut request: Request| {
            let path_and_query = request.uri().path_and_query().map_or("/", |p| p.as_str());
            if let Ok(uri) = format!("{prefix}{path_and_query}").parse::<Uri>() {
                *request.uri_mut() = uri;
            }
            request
        };
        let service = tower::ServiceBuilder::new()
            .map_request(rewrite)
            .service(crate::app(self.clone()));
        let service = axum::ServiceExt::<Request>::into_make_service_with_connect_info::<crate::conn::Peer>(service);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(crate::conn::Listener::new(listener), service)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%url, subdomain, "cobot-sim serving a space on its own domain");
        Ok(CustomDomain {
            url,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// `PUT /_sim/spaces/{sub}/memberships/{id}/raw` with a JSON object: its fields replace the
/// membership's in API 1, verbatim ([`Sim::garble_membership`]); 204, or 404 for an unknown
/// membership. `DELETE` restores them.
pub(crate) async fn put_raw(
    axum::extract::State(sim): axum::extract::State<Sim>,
    axum::extract::Path((subdomain, id)): axum::extract::Path<(String, String)>,
    axum::Json(fields): axum::Json<Map<String, Value>>,
) -> Result<axum::http::StatusCode, crate::error::ApiError> {
    sim.garble_membership(&subdomain, &id, Some(fields))
        .then_some(axum::http::StatusCode::NO_CONTENT)
        .ok_or_else(crate::error::ApiError::not_found)
}

/// `DELETE /_sim/spaces/{sub}/memberships/{id}/raw`: the membership's own fields again.
pub(crate) async fn delete_raw(
    axum::extract::State(sim): axum::extract::State<Sim>,
    axum::extract::Path((subdomain, id)): axum::extract::Path<(String, String)>,
) -> Result<axum::http::StatusCode, crate::error::ApiError> {
    sim.garble_membership(&subdomain, &id, None)
        .then_some(axum::http::StatusCode::NO_CONTENT)
        .ok_or_else(crate::error::ApiError::not_found)
}

/// Custom domains by subdomain, garbled fields by membership id, frozen plan-copy names by
/// (membership, plan, first day): the state this module adds.
pub(crate) type CustomDomains = HashMap<String, String>;
/// See [`CustomDomains`].
pub(crate) type Garbled = HashMap<String, Map<String, Value>>;
/// See [`CustomDomains`].
pub(crate) type FrozenPlanNames = HashMap<(String, String, jiff::civil::Date), String>;

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn webhook_bodies_become_rails_style_form_data() {
        let text = super::form_encode(&json!({
            "url": "https://x.cobot.me/api/memberships/m1",
            "membership": {"id": "m1", "name": "Jo Lee", "plan": {"name": "Flex"}, "tags": ["a", "b"], "phone": null}
        }));
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes()).into_owned().collect();
        pairs.sort();
        let expected = [
            ("membership[id]", "m1"),
            ("membership[name]", "Jo Lee"),
            ("membership[phone]", ""),
            ("membership[plan][name]", "Flex"),
            ("membership[tags][]", "a"),
            ("membership[tags][]", "b"),
            ("url", "https://x.cobot.me/api/memberships/m1"),
        ];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_string(), v.to_string())).to_vec());
    }
}
