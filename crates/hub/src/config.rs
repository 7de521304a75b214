//! The hub's configuration file (TOML). Errors name the line and say what is wrong.

use std::path::Path;

use frontdoor_core::links::Subdomain;
use serde::Deserialize;
use url::Url;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The space this hub serves.
    pub space: Space,
    /// Where Cobot is and how the app signs in.
    pub cobot: Cobot,
}

/// `[space]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Space {
    /// Cobot subdomain.
    pub subdomain: Subdomain,
    /// Display name.
    pub name: String,
}

/// `[cobot]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cobot {
    /// User-level host; default `https://www.cobot.me`.
    #[serde(default = "default_www")]
    pub www: Url,
    /// Space host template; default `https://{subdomain}.cobot.me`.
    #[serde(default = "default_space_template")]
    pub space_template: String,
    /// The OAuth client id registered at Cobot for the Frontdoor app.
    pub client_id: String,
}

fn default_www() -> Url {
    Url::parse("https://www.cobot.me").expect("constant URL")
}

fn default_space_template() -> String {
    "https://{subdomain}.cobot.me".into()
}

/// A configuration that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid; the message names the line.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, with the line and column.
        message: String,
    },
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text).map_err(|message| Error::Invalid {
            path: path.display().to_string(),
            message,
        })
    }

    /// Parses configuration text; the error names line and column.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|span| {
                let line = text[..span.start].matches('\n').count() + 1;
                let column = span.start - text[..span.start].rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("line {line}, column {column}: ")
            });
            format!("{}{}", at.unwrap_or_default(), e.message())
        })?;
        if !config.cobot.space_template.contains("{subdomain}") {
            return Err("cobot.space_template must contain {subdomain}".into());
        }
        if config.cobot.client_id.trim().is_empty() {
            return Err("cobot.client_id must not be empty".into());
        }
        Ok(config)
    }

    /// The demo configuration: the `lighthouse` space on cobot-sim at `cobot`.
    pub fn demo(cobot: &Url) -> Config {
        let base = cobot.as_str().trim_end_matches('/');
        Config {
            space: Space {
                subdomain: Subdomain::parse("lighthouse").expect("valid"),
                name: "Lighthouse Coworking".into(),
            },
            cobot: Cobot {
                www: cobot.clone(),
                space_template: format!("{base}/sub/{{subdomain}}"),
                client_id: "frontdoor-app".into(),
            },
        }
    }

    /// The space's OIDC issuer.
    pub fn issuer(&self) -> Url {
        let text = self
            .cobot
            .space_template
            .replace("{subdomain}", self.space.subdomain.as_str());
        Url::parse(&text).unwrap_or_else(|_| self.cobot.www.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line() {
        let text = "[space]\nsubdomain = \"light house\"\nname = \"x\"\n[cobot]\nclient_id = \"c\"\n";
        let err = Config::parse(text).unwrap_err();
        assert!(err.starts_with("line 2, column 13: "), "{err}");
        assert!(err.contains("space name"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let text = "[space]\nsubdomain = \"a\"\nname = \"x\"\n[cobot]\nclient_id = \"c\"\nclientid = \"typo\"\n";
        let err = Config::parse(text).unwrap_err();
        assert!(err.starts_with("line 6,"), "{err}");
        assert!(err.contains("clientid"), "{err}");
    }

    #[test]
    fn a_minimal_config_defaults_to_real_cobot() {
        let config =
            Config::parse("[space]\nsubdomain = \"lighthouse\"\nname = \"L\"\n[cobot]\nclient_id = \"c\"\n").unwrap();
        assert_eq!(config.issuer().as_str(), "https://lighthouse.cobot.me/");
    }
}
