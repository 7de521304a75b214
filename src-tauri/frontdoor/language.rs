//! The language the window speaks, when the person chose one over the system's: kept in the
//! preference file, so the choice outlives a restart and a sign-out.

use frontdoor_i18n::Lang;
use frontdoor_ipc::AppView;

use super::{Error, Frontdoor};

impl Frontdoor {
    /// Speaks `language` (`en`, `de`) from now on, or the system's language with `None`.
    pub fn set_language(&self, language: Option<&str>) -> Result<AppView, Error> {
        let chosen = match language.map(str::trim).filter(|tag| !tag.is_empty()) {
            None => None,
            Some(tag) => Some(
                Lang::from_tag(tag)
                    .ok_or_else(|| Error::UnknownLanguage(tag.to_string()))?
                    .tag()
                    .to_string(),
            ),
        };
        let mut inner = self.lock();
        inner.saved.language = chosen;
        self.persist(&inner);
        Ok(self.view_of(&inner))
    }
}
