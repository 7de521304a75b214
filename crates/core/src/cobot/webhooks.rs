//! API 1 webhook subscriptions (cobot-api.md §8): the hub subscribes its own callback URL per
//! event, so it can tell events apart by path (Cobot's delivery body is only `{"url": …}`), and
//! renews one Cobot turned off (delete, then subscribe again).

use serde::{Deserialize, Serialize};
use url::Url;

use super::limit::COBOT_PER_USER;
use super::{read_json, Cobot, Error};
use crate::links::Subdomain;
use crate::secret::AccessToken;

/// A subscription as Cobot lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// Its id.
    pub id: String,
    /// The event.
    pub event: String,
    /// Where Cobot posts.
    pub callback_url: String,
    /// Cobot deactivates subscriptions after failed deliveries or a 410.
    #[serde(default = "active")]
    pub active: bool,
}

fn active() -> bool {
    true
}

impl Cobot {
    /// `GET https://<sub>.cobot.me/api/subscriptions` (`read_subscriptions`): this user's and
    /// app's subscriptions.
    pub async fn subscriptions(&self, token: &AccessToken, space: &Subdomain) -> Result<Vec<Subscription>, Error> {
        self.get_in_space(
            token,
            space,
            "api/subscriptions",
            COBOT_PER_USER,
            "the webhook subscriptions",
        )
        .await
    }

    /// `POST https://<sub>.cobot.me/api/subscriptions` (`write_subscriptions`, admin). Sent once,
    /// never retried: a timeout is answered by listing the subscriptions again. A 409 (already
    /// subscribed) counts as success.
    pub async fn subscribe(
        &self,
        token: &AccessToken,
        space: &Subdomain,
        event: &str,
        callback: &Url,
    ) -> Result<(), Error> {
        let url = self.space_url(space, "api/subscriptions")?;
        let body = serde_json::json!({"event": event, "callback_url": callback.as_str()});
        let response = self.send_once(token, reqwest::Method::POST, url, Some(&body)).await?;
        if response.status().as_u16() == 409 {
            return Ok(());
        }
        read_json::<serde_json::Value>(response, "the webhook subscription")
            .await
            .map(|_| ())
    }

    /// `DELETE https://<sub>.cobot.me/api/subscriptions/:id` (`write_subscriptions`): 204. Sent
    /// once; a 404 (already gone) counts as success.
    pub async fn unsubscribe(&self, token: &AccessToken, space: &Subdomain, id: &str) -> Result<(), Error> {
        let url = self.space_url(space, &format!("api/subscriptions/{}", super::encode(id)))?;
        let response = self.send_once::<()>(token, reqwest::Method::DELETE, url, None).await?;
        match response.status().as_u16() {
            200..=299 | 404 => Ok(()),
            _ => read_json::<serde_json::Value>(response, "the webhook subscription")
                .await
                .map(|_| ()),
        }
    }
}
