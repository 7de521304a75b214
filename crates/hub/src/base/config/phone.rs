//! `[phone]`: the app builds and stores the hub's phone pages point to (see
//! [`crate::http::phone_pages`]).

use serde::Deserialize;
use url::Url;

/// `[phone]`: what the join and door pages offer people who do not have the app yet, and the
/// app build (a space's own) whose App Links and Universal Links open the hub's pages.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(try_from = "RawPhone")]
pub struct PhoneConfig {
    /// Where iPhone users get Frontdoor (an `https://apps.apple.com/…` address).
    pub app_store_url: Option<Url>,
    /// Where Android users get Frontdoor (an `https://play.google.com/…` address).
    pub play_store_url: Option<Url>,
    /// The Android app whose App Links open this hub's pages: its application id.
    pub android_package: Option<String>,
    /// SHA-256 fingerprints of the certificates that app is signed with (`AB:CD:…`, upper case).
    pub android_cert_sha256: Vec<String>,
    /// The iOS apps whose Universal Links open this hub's pages: `<Team ID>.<bundle id>`.
    pub apple_app_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhone {
    #[serde(default)]
    app_store_url: Option<Url>,
    #[serde(default)]
    play_store_url: Option<Url>,
    #[serde(default)]
    android_package: Option<String>,
    #[serde(default)]
    android_cert_sha256: Vec<String>,
    #[serde(default)]
    apple_app_ids: Vec<String>,
}

impl TryFrom<RawPhone> for PhoneConfig {
    type Error = super::Invalid;

    fn try_from(raw: RawPhone) -> Result<PhoneConfig, super::Invalid> {
        for (name, url) in [
            ("app_store_url", &raw.app_store_url),
            ("play_store_url", &raw.play_store_url),
        ] {
            if let Some(url) = url {
                if url.scheme() != "https" {
                    return Err(super::Invalid::from(format!(
                        "phone.{name} must be an https:// address, not {:?}",
                        url.as_str()
                    )));
                }
            }
        }
        if let Some(package) = &raw.android_package {
            let segments: Vec<&str> = package.split('.').collect();
            let segment_ok = |s: &&str| {
                s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            };
            if segments.len() < 2 || !segments.iter().all(segment_ok) {
                return Err(super::Invalid::from(format!(
                    "phone.android_package must be an Android application id like app.lighthouse.door, not {package:?}"
                )));
            }
        }
        let mut fingerprints = Vec::with_capacity(raw.android_cert_sha256.len());
        for fingerprint in &raw.android_cert_sha256 {
            let upper = fingerprint.trim().to_ascii_uppercase();
            let bytes: Vec<&str> = upper.split(':').collect();
            if bytes.len() != 32
                || !bytes
                    .iter()
                    .all(|b| b.len() == 2 && b.bytes().all(|c| c.is_ascii_hexdigit()))
            {
                return Err(super::Invalid::from(format!(
                    "phone.android_cert_sha256 entries are SHA-256 fingerprints of 32 bytes like \"14:6D:E9:…\" (as \
                     `keytool -list -v` or the Play Console shows them), not {fingerprint:?}"
                )));
            }
            fingerprints.push(upper);
        }
        match (&raw.android_package, fingerprints.is_empty()) {
            (Some(_), true) => {
                return Err(super::Invalid::from(
                    "phone.android_cert_sha256 must list the fingerprint of the certificate the app named by \
                            phone.android_package is signed with",
                ))
            }
            (None, false) => {
                return Err(super::Invalid::from(
                    "phone.android_cert_sha256 is set but phone.android_package is not: name the app too",
                ))
            }
            (Some(_), false) | (None, true) => {}
        }
        for id in &raw.apple_app_ids {
            let ok = id.split_once('.').is_some_and(|(team, bundle)| {
                team.len() == 10
                    && team.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    && !bundle.is_empty()
                    && bundle
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            });
            if !ok {
                return Err(super::Invalid::from(format!(
                    "phone.apple_app_ids entries are \"<Team ID>.<bundle id>\" like \"ABCDE12345.app.lighthouse.door\", not {id:?}"
                )));
            }
        }
        Ok(PhoneConfig {
            app_store_url: raw.app_store_url,
            play_store_url: raw.play_store_url,
            android_package: raw.android_package,
            android_cert_sha256: fingerprints,
            apple_app_ids: raw.apple_app_ids,
        })
    }
}

#[cfg(test)]
mod tests;
