//! API 1 custom fields beyond the values the sync reads: the space's field **definitions**
//! (`GET|PUT /api/space/custom_fields`) and writing one membership's values
//! (`PUT /api/memberships/:id/custom_fields`). Both writes are sent once, never retried (Cobot has
//! no idempotency keys); a caller that lost the answer reads again.

use serde::{Deserialize, Serialize};

use super::api1::{FieldValue, MembershipFields};
use super::limit::COBOT_PER_USER;
use super::{encode, read_json, Cobot, Error};
use crate::links::Subdomain;
use crate::secret::AccessToken;

/// One custom field the space defines for its memberships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDefinition {
    /// Cobot's id; `None` for a field being added (Cobot gives it one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its label (`smart_spaces_access_additional_units`).
    pub label: String,
}

impl Cobot {
    /// `GET https://<sub>.cobot.me/api/space/custom_fields` (admin, `read_custom_fields`): the
    /// fields the space defines. A read, so retried like every read.
    pub async fn field_definitions(
        &self,
        token: &AccessToken,
        space: &Subdomain,
    ) -> Result<Vec<FieldDefinition>, Error> {
        self.get_in_space(
            token,
            space,
            "api/space/custom_fields",
            COBOT_PER_USER,
            "the space's custom fields",
        )
        .await
    }

    /// `PUT https://<sub>.cobot.me/api/space/custom_fields` (admin, `write_custom_fields`) with
    /// the **complete** list: Cobot replaces the definitions as a whole, and a field left out is
    /// deleted with every member's value. So callers pass every field they read, with its id.
    /// Sent once. Answers the new list.
    pub async fn put_field_definitions(
        &self,
        token: &AccessToken,
        space: &Subdomain,
        definitions: &[FieldDefinition],
    ) -> Result<Vec<FieldDefinition>, Error> {
        let url = self.space_url(space, "api/space/custom_fields")?;
        let response = self
            .send_once(token, reqwest::Method::PUT, url, Some(definitions))
            .await?;
        read_json(response, "the space's custom fields").await
    }

    /// `PUT https://<sub>.cobot.me/api/memberships/:id/custom_fields` (admin,
    /// `write_custom_fields`) with `{"fields":[{"label","value"}]}`: sets the listed fields (a
    /// `None` value unsets one) and leaves the others alone. Sent once. Answers the membership's
    /// fields as Cobot now has them.
    pub async fn put_membership_fields(
        &self,
        token: &AccessToken,
        space: &Subdomain,
        membership_id: &str,
        values: &[FieldValue],
    ) -> Result<MembershipFields, Error> {
        let url = self.space_url(
            space,
            &format!("api/memberships/{}/custom_fields", encode(membership_id)),
        )?;
        let body = serde_json::json!({ "fields": values });
        let response = self.send_once(token, reqwest::Method::PUT, url, Some(&body)).await?;
        read_json(response, "that membership's custom fields").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_definition_is_sent_without_an_id_and_existing_ones_keep_theirs() {
        let list = vec![
            FieldDefinition {
                id: Some("cf-mobile".into()),
                label: "Mobile".into(),
            },
            FieldDefinition {
                id: None,
                label: "smart_spaces_access_additional_units".into(),
            },
        ];
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            r#"[{"id":"cf-mobile","label":"Mobile"},{"label":"smart_spaces_access_additional_units"}]"#
        );
    }
}
