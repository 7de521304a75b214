//! Tests of the parent module.

/// The README's "Scopes to register" table, row by row: (what for, the scopes).
fn readme_scopes() -> Vec<(String, Vec<String>)> {
    let readme = include_str!("../../../../../README.md");
    let table = readme
        .split("**Scopes to register**")
        .nth(1)
        .expect("the README lists the scopes to register");
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| !l.starts_with("| for ") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let scopes = cells[2].split('`').nth(1).unwrap_or("");
            (
                cells[1].to_string(),
                scopes.split_whitespace().map(str::to_string).collect(),
            )
        })
        .collect()
}

#[test]
fn the_readme_lists_exactly_the_scopes_the_hub_asks_for() {
    let rows = readme_scopes();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0].1, frontdoor_core::auth::MEMBER_SCOPES, "sign-in");
    assert_eq!(rows[1].1, super::DEFAULT_SYNC_SCOPES, "the connection");
    let cobot = super::Config::demo(&url::Url::parse("http://127.0.0.1:1/").unwrap()).cobot;
    assert_eq!(rows[2].1, [cobot.check_in_scope.as_str()], "check-ins");
    assert_eq!(cobot.scopes, frontdoor_core::auth::MEMBER_SCOPES);
    let mut asked = rows[1].1.clone();
    asked.extend(rows[2].1.clone());
    assert_eq!(
        cobot.requested_scopes(),
        asked,
        "the plug asks for the connection's and the check-in's"
    );
}

#[test]
fn a_hub_needs_no_more_than_its_space_and_itself_in_the_file() {
    let config = Config::parse(
        "[space]\nsubdomain = \"lighthouse\"\nname = \"Lighthouse\"\n[hub]\npublic_url = \"https://hub.lighthouse.example\"\n",
    )
    .expect("the rest comes from the console, the environment and defaults");
    assert_eq!(config.cobot.www.as_str(), "https://www.cobot.me/");
    assert_eq!(config.sign_in_issuer().as_str(), "https://lighthouse.cobot.me/");
    assert!(
        config.cobot.client_id.is_empty(),
        "given by FRONTDOOR_HUB_COBOT_CLIENT_ID then"
    );
    assert!(config.rules().is_ok());
}

use super::*;

const HEAD: &str = "[space]\nsubdomain = \"lighthouse\"\nname = \"L\"\n[cobot]\nclient_id = \"c\"\n";

fn check(body: &str, expected: &str) {
    let err = Config::parse(&format!("{HEAD}{body}")).unwrap_err().to_string();
    assert_eq!(err, expected);
}

#[test]
fn errors_name_the_line() {
    let text = "[space]\nsubdomain = \"light house\"\nname = \"x\"\n[cobot]\nclient_id = \"c\"\n";
    let err = Config::parse(text).unwrap_err().to_string();
    assert!(err.starts_with("line 2, column 13: "), "{err}");
    assert!(err.contains("space name"), "{err}");
}

#[test]
fn unknown_keys_are_refused_with_their_line() {
    let err = Config::parse(&format!("{HEAD}clientid = \"typo\"\n"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("line 6,"), "{err}");
    assert!(err.contains("clientid"), "{err}");
}

#[test]
fn access_mistakes_name_their_line() {
    check(
        "[[doors]]\nid = \"front\"\nname = \"F\"\n[[groups]]\nid = \"Members\"\ndoors = [\"front\", \"back\"]\n",
        "line 11, column 19: the group “Members” names the door “back”, which is not in [[doors]]",
    );
    check(
        "[[groups]]\nid = \"Members\"\nschedule = \"Mon-Fri 7-22\"\n",
        "line 8, column 12: schedule: “7” is not a time; use HH:MM",
    );
    check(
        "[[groups]]\nid = \"Staff\"\n[[plans]]\nname = \"Flex\"\ngroups = [\"Staf\"]\n",
        "line 10, column 11: a plan gives the group “Staf”, which is not in [[groups]]",
    );
    check(
        "[[groups]]\nid = \"Staff\"\n[[groups]]\nid = \"STAFF\"\n",
        "line 9, column 6: the group “STAFF” is defined twice (identifiers are compared without case)",
    );
    check(
        "[[doors]]\nid = \"front door\"\nname = \"F\"\n",
        "line 7, column 6: the door id “front door” may only have letters, digits, '_' and '-'",
    );
}

#[test]
fn a_space_on_its_own_domain_is_read_and_signed_in_there() {
    let config = Config::parse(&format!("{HEAD}space_url = \"https://members.lighthouse.example\"\n")).unwrap();
    assert_eq!(config.issuer().as_str(), "https://members.lighthouse.example/");
    assert_eq!(config.sign_in_issuer().as_str(), "https://members.lighthouse.example/");
    let space = frontdoor_core::links::Subdomain::parse("lighthouse").unwrap();
    assert_eq!(
        config.hosts().space(&space).unwrap().as_str(),
        "https://members.lighthouse.example/"
    );
    assert_eq!(
        config.other_space_hosts(),
        vec![Url::parse("https://lighthouse.cobot.me").unwrap()]
    );
    let bad = Config::parse(&format!("{HEAD}space_url = \"ftp://members.lighthouse.example\"\n"))
        .unwrap_err()
        .to_string();
    assert!(
        bad.starts_with("cobot.space_url must be the space's own address"),
        "{bad}"
    );
}

#[test]
fn a_minimal_config_defaults_to_real_cobot() {
    let config = Config::parse(HEAD).unwrap();
    assert_eq!(config.issuer().as_str(), "https://lighthouse.cobot.me/");
    assert_eq!(config.sync.interval_minutes, 60);
}

#[test]
fn drivers_name_credentials_never_secrets_and_mistakes_name_their_line() {
    let config = Config::parse(&format!(
        "{HEAD}[[doors]]\nid = \"front\"\nname = \"F\"\nentrance = true\n\
         driver = {{ kind = \"shelly-gen2\", url = \"http://10.0.0.5/\", password_credential = \"front-shelly\" }}\n"
    ))
    .unwrap();
    assert!(config.doors[0].entrance);
    assert!(matches!(
        &config.doors[0].driver,
        Some(DriverConfig::ShellyGen2 { channel: 0, password_credential: Some(name), .. }) if name == "front-shelly"
    ));
    let err = Config::parse(&format!(
        "{HEAD}[[doors]]\nid = \"front\"\nname = \"F\"\ndriver = {{ kind = \"shelly-gen2\", url = \"http://10.0.0.5/\", password = \"hunter2\" }}\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("line 9,"), "{err}");
    assert!(err.contains("password"), "{err}");
    let err = Config::parse(&format!(
        "{HEAD}[[doors]]\nid = \"front\"\nname = \"F\"\npulse_seconds = 120\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("use 0.5 to 30 seconds"), "{err}");
    let err = Config::parse(&format!("{HEAD}[check_in]\npolicy = \"always\"\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("once-per-day"), "{err}");
}

#[test]
fn the_audit_section_has_defaults_refuses_unknown_keys_and_zero() {
    let config = Config::parse(HEAD).unwrap();
    assert_eq!((config.audit.keep_days, config.audit.max_rows), (400, 2_000_000));
    let config = Config::parse(&format!("{HEAD}[audit]\nkeep_days = 30\nmax_rows = 5000\n")).unwrap();
    assert_eq!((config.audit.keep_days, config.audit.max_rows), (30, 5000));
    let err = Config::parse(&format!("{HEAD}[audit]\nkeep = 30\n"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("line 7,") && err.contains("keep"), "{err}");
    let err = Config::parse(&format!("{HEAD}[audit]\nkeep_days = 0\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("audit.keep_days"), "{err}");
    let err = Config::parse(&format!("{HEAD}[audit]\nmax_rows = 10\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("audit.max_rows"), "{err}");
}

#[test]
fn the_demo_configuration_is_valid() {
    let config = Config::demo(&Url::parse("http://127.0.0.1:8480").unwrap());
    assert_eq!(config.rules().unwrap().doors().len(), 3);
}

#[test]
fn the_plug_asks_for_the_smartspace_sync_scopes_unless_told_and_always_for_read_user() {
    let config = Config::parse(HEAD).unwrap();
    assert_eq!(config.cobot.sync_scopes, DEFAULT_SYNC_SCOPES);
    let told = Config::parse(&format!("{HEAD}sync_scopes = [\"read_user\", \"read_memberships\"]\n")).unwrap();
    assert_eq!(told.cobot.sync_scopes, ["read_user", "read_memberships"]);
    check(
        "sync_scopes = [\"read_memberships\"]\n",
        "cobot.sync_scopes must include \"read_user\": the hub checks that whoever connects Cobot is an admin of the space",
    );
}

#[test]
fn the_check_in_scope_is_write_unless_told_and_is_always_asked_for() {
    let config = Config::parse(HEAD).unwrap();
    assert_eq!(config.cobot.check_in_scope, CheckInScope::Write);
    let asked = config.cobot.requested_scopes();
    assert_eq!(asked.iter().filter(|s| *s == "write").count(), 1, "{asked:?}");
    assert!(!asked.iter().any(|s| s == "checkin"), "{asked:?}");

    let told = Config::parse(&format!("{HEAD}check_in_scope = \"checkin\"\n")).unwrap();
    let asked = told.cobot.requested_scopes();
    assert_eq!(asked.last().map(String::as_str), Some("checkin"), "{asked:?}");
    assert!(
        !asked.iter().any(|s| s == "write"),
        "nothing else needs write: {asked:?}"
    );
    let narrow = Config::parse(&format!(
        "{HEAD}sync_scopes = [\"read_user\"]\ncheck_in_scope = \"checkin\"\n"
    ))
    .unwrap();
    assert_eq!(narrow.cobot.requested_scopes(), ["read_user", "checkin"]);
    let err = Config::parse(&format!("{HEAD}check_in_scope = \"write_check_ins\"\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("check_in_scope") || err.contains("write_check_ins"),
        "{err}"
    );
}

#[test]
fn a_member_without_a_pass_is_let_in_unless_the_space_says_refuse() {
    let config = Config::parse(HEAD).unwrap();
    assert_eq!(config.check_in.no_pass, NoPass::OpenAnyway);
    for (text, expected) in [
        ("open-anyway", NoPass::OpenAnyway),
        ("open_anyway", NoPass::OpenAnyway),
        ("refuse", NoPass::Refuse),
    ] {
        let config = Config::parse(&format!("{HEAD}[check_in]\nno_pass = \"{text}\"\n")).unwrap();
        assert_eq!(config.check_in.no_pass, expected, "{text}");
    }
    assert!(Config::parse(&format!("{HEAD}[check_in]\nno_pass = \"lock\"\n")).is_err());
}
