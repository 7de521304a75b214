use super::*;
use serde::Deserialize;

fn check(toml_text: &str, expected: Result<PhoneConfig, &str>) {
    #[derive(Deserialize)]
    struct Wrapper {
        phone: PhoneConfig,
    }
    let got = toml::from_str::<Wrapper>(toml_text).map(|w| w.phone);
    match (got, expected) {
        (Ok(got), Ok(expected)) => assert_eq!(got, expected, "{toml_text}"),
        (Err(e), Err(words)) => assert!(e.to_string().contains(words), "{toml_text}: {e}"),
        (got, expected) => panic!("{toml_text}: got {got:?}, expected {expected:?}"),
    }
}

const FINGERPRINT: &str =
    "14:6d:e9:83:c5:73:06:50:d8:ee:b9:95:2f:34:fc:64:16:a0:83:42:e6:1d:be:a8:8a:04:96:b2:3f:cf:44:e5";

#[test]
fn the_phone_section_is_checked_and_fingerprints_are_written_as_android_wants_them() {
    check(
        &format!("[phone]\nandroid_package = \"app.lighthouse.door\"\nandroid_cert_sha256 = [\"{FINGERPRINT}\"]\napple_app_ids = [\"ABCDE12345.app.lighthouse.door\"]"),
        Ok(PhoneConfig {
            android_package: Some("app.lighthouse.door".into()),
            android_cert_sha256: vec![FINGERPRINT.to_ascii_uppercase()],
            apple_app_ids: vec!["ABCDE12345.app.lighthouse.door".into()],
            ..PhoneConfig::default()
        }),
    );
    check(
        "[phone]\nandroid_package = \"door\"\nandroid_cert_sha256 = []",
        Err("Android application id"),
    );
    check(
        "[phone]\nandroid_package = \"app.lighthouse.door\"",
        Err("must list the fingerprint"),
    );
    check(
        &format!("[phone]\nandroid_cert_sha256 = [\"{FINGERPRINT}\"]"),
        Err("name the app too"),
    );
    check(
        "[phone]\nandroid_package = \"a.b\"\nandroid_cert_sha256 = [\"14:6D\"]",
        Err("32 bytes"),
    );
    check(
        "[phone]\napple_app_ids = [\"app.lighthouse.door\"]",
        Err("<Team ID>.<bundle id>"),
    );
    check("[phone]\nplay_store_url = \"http://play.example/x\"", Err("https://"));
    check("[phone]\nstore = \"x\"", Err("unknown field"));
}
