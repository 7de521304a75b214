//! Tests of the parent module.

use super::*;

fn check(input: &str, expected: Result<&str, &str>) {
    let got = DeepLink::parse(input);
    match (got, expected) {
        (Ok(link), Ok(display)) => assert_eq!(link.to_string(), display, "input: {input}"),
        (Err(e), Err(message)) => assert_eq!(e.to_string(), message, "input: {input}"),
        (got, expected) => panic!("input {input}: got {got:?}, expected {expected:?}"),
    }
}

#[test]
fn join_links_parse_and_normalise() {
    check(
        "frontdoor://join?space=lighthouse&hub=https://hub.lighthouse.example",
        Ok("frontdoor://join?space=lighthouse&hub=https%3A%2F%2Fhub.lighthouse.example"),
    );
    check(
        "FRONTDOOR://join/?space=LightHouse&hub=http%3A%2F%2F127.0.0.1%3A8481",
        Ok("frontdoor://join?space=lighthouse&hub=http%3A%2F%2F127.0.0.1%3A8481"),
    );
}

#[test]
fn join_links_are_refused_with_a_reason() {
    check(
        "https://example.com",
        Err("This is not a Frontdoor link: it should start with frontdoor://"),
    );
    check(
        "frontdoor://join?space=lighthouse",
        Err("This link is missing its hub address."),
    );
    check(
        "frontdoor://join?space=a&space=b&hub=https://h",
        Err("This link gives “space” twice, so it can't be trusted."),
    );
    check(
        "frontdoor://join?space=a&hub=https://h&x=1",
        Err("This link has an unexpected part “x”, so it can't be trusted."),
    );
    check(
        "frontdoor://join?space=a&hub=http://hub.example",
        Err("The hub address in this link is not valid: it must use https:// (plain http is only allowed on this machine)."),
    );
    check(
        "frontdoor://join?space=-a&hub=https://h",
        Err("The space name in this link is not valid: it cannot start or end with '-'."),
    );
    check(
        "frontdoor://join?space=a_b&hub=https://h",
        Err("The space name in this link is not valid: only letters, digits and '-' are allowed (it is the part before .cobot.me)."),
    );
    check(
        "frontdoor://join?space=a&hub=https://u:p@h",
        Err("The hub address in this link is not valid: it must not contain a user name or password."),
    );
    check(
        "frontdoor://teleport?to=mars",
        Err("Frontdoor doesn't know what to do with a “teleport” link. Is the app up to date?"),
    );
    check(
        "frontdoor://join?space=a&hub=https://h#frag",
        Err("This link is damaged and can't be read."),
    );
    check(
        &format!("frontdoor://join?space={}", "a".repeat(MAX_LINK_LEN)),
        Err("This link is too long to be a Frontdoor link (over 2048 characters)."),
    );
}

#[test]
fn callbacks_carry_code_and_state_or_an_error() {
    check(
        "frontdoor://auth/callback?code=abc&state=xyz",
        Ok("frontdoor://auth/callback?code=abc&state=xyz"),
    );
    check(
        "frontdoor://auth/callback?code=abc&state=xyz&iss=https%3A%2F%2Fwww.cobot.me",
        Ok("frontdoor://auth/callback?code=abc&state=xyz&iss=https%3A%2F%2Fwww.cobot.me"),
    );
    check(
        "frontdoor://auth/callback?error=access_denied&error_description=The+user+denied+access&state=xyz",
        Ok("frontdoor://auth/callback?error=access_denied&error_description=The+user+denied+access&state=xyz"),
    );
    check(
        "frontdoor://auth/callback?state=xyz",
        Err("This link is missing its sign-in code."),
    );
    check(
        "frontdoor://auth/callback?code=abc",
        Err("This link is missing its sign-in state."),
    );
    check(
        "frontdoor://auth/callback?error=Access+Denied",
        Err("The sign-in answer in this link is not valid: its error code is not a valid OAuth error."),
    );
    check(
        "frontdoor://auth/elsewhere?code=a&state=b",
        Err("Frontdoor doesn't know what to do with a “auth/elsewhere” link. Is the app up to date?"),
    );
}

#[test]
fn open_links_name_a_space_and_a_door() {
    check(
        "frontdoor://open?space=lighthouse&door=front",
        Ok("frontdoor://open?space=lighthouse&door=front"),
    );
    check(
        "frontdoor://open?space=lighthouse&door=front%20door",
        Err("The door in this link is not valid: a door id has 1 to 64 letters, digits, '_' or '-'."),
    );
    check("frontdoor://open?door=front", Err("This link is missing its space."));
}

#[test]
fn hub_urls_keep_their_path_and_join_below_it() {
    let hub = HubUrl::parse("https://example.com/lighthouse").unwrap();
    assert_eq!(
        hub.join("/api/v1/hub").as_str(),
        "https://example.com/lighthouse/api/v1/hub"
    );
    assert_eq!(hub.to_string(), "https://example.com/lighthouse");
}

/// What the app makes of a printed code or a delivered web address, as the link it stands
/// for (or the words it shows).
fn check_read(input: &str, expected: Result<&str, &str>) {
    match (DeepLink::read(input), expected) {
        (Ok(link), Ok(display)) => assert_eq!(link.to_string(), display, "input: {input}"),
        (Err(e), Err(message)) => assert_eq!(e.to_string(), message, "input: {input}"),
        (got, expected) => panic!("input {input}: got {got:?}, expected {expected:?}"),
    }
}

#[test]
fn the_hubs_join_and_door_pages_read_as_the_links_they_stand_for() {
    check_read(
        "https://hub.lighthouse.example/join?space=lighthouse",
        Ok("frontdoor://join?space=lighthouse&hub=https%3A%2F%2Fhub.lighthouse.example"),
    );
    check_read(
        "https://example.com/lighthouse/join?space=Lighthouse",
        Ok("frontdoor://join?space=lighthouse&hub=https%3A%2F%2Fexample.com%2Flighthouse"),
    );
    check_read(
        "HTTPS://hub.lighthouse.example/open?space=lighthouse&door=front",
        Ok("frontdoor://open?space=lighthouse&door=front"),
    );
    check_read(
        "http://127.0.0.1:8481/join?space=lighthouse",
        Ok("frontdoor://join?space=lighthouse&hub=http%3A%2F%2F127.0.0.1%3A8481"),
    );
    // The frontdoor:// links themselves still read as before.
    check_read(
        "frontdoor://open?space=lighthouse&door=front",
        Ok("frontdoor://open?space=lighthouse&door=front"),
    );
}

#[test]
fn other_web_addresses_are_refused_with_a_reason() {
    check_read(
        "http://hub.lighthouse.example/join?space=lighthouse",
        Err("The hub address in this link is not valid: it must use https:// (plain http is only allowed on this machine)."),
    );
    check_read(
        "https://hub.lighthouse.example/api/v1/hub?space=lighthouse",
        Err("This web address is not a Frontdoor join or door page. Scan the space's Frontdoor QR code, or ask staff for the join link."),
    );
    check_read(
        "https://hub.lighthouse.example/join?space=lighthouse&hub=https://evil.example",
        Err("This link has an unexpected part “hub”, so it can't be trusted."),
    );
    check_read(
        "https://hub.lighthouse.example/open?space=lighthouse",
        Err("This link is missing its door."),
    );
    check_read(
        "https://user:pw@hub.lighthouse.example/join?space=lighthouse",
        Err("The hub address in this link is not valid: it must not contain a user name or password."),
    );
    check_read(
        "https://hub.lighthouse.example/join?space=lighthouse#x",
        Err("This link is damaged and can't be read."),
    );
}
