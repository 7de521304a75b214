use super::*;

#[test]
fn sign_ins_are_handed_only_to_the_app_s_own_addresses() {
    let configured = [Url::parse("https://app.lighthouse.example/auth/callback").unwrap()];
    let check = |u: &str| return_allowed(&Url::parse(u).unwrap(), &configured);
    assert!(check("frontdoor://auth/callback"));
    assert!(
        check("http://127.0.0.1:53122/auth/callback"),
        "RFC 8252 loopback, any port"
    );
    assert!(check("http://[::1]:53122/auth/callback"));
    assert!(
        check("https://app.lighthouse.example/auth/callback"),
        "a configured App Link"
    );
    assert!(!check("https://evil.example/auth/callback"));
    assert!(!check("http://127.0.0.1:53122/other"));
    assert!(!check("http://localhost.evil.example:53122/auth/callback"));
    assert!(
        !check("http://192.168.1.5:53122/auth/callback"),
        "loopback only, never the LAN"
    );
    assert!(!check("frontdoor://auth/callback/x"));
    assert!(!check("http://127.0.0.1:53122/auth/callback?code=planted"));
    assert!(!check("https://app.lighthouse.example/auth/callback2"));
}
