//! Tests of the parent module.

use super::*;
use proptest::prelude::*;

fn subdomain() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever arrives, the parser answers: a link or an error, never a panic.
    #[test]
    fn any_input_gets_an_answer_and_never_a_panic(input in "\\PC{0,300}") {
        let _ = DeepLink::parse(&input);
        let _ = DeepLink::parse(&format!("frontdoor://{input}"));
        let _ = DeepLink::parse(&format!("frontdoor://join?{input}"));
        let _ = DeepLink::parse(&format!("frontdoor://auth/callback?{input}"));
    }

    /// A link the app writes reads back as the same link.
    #[test]
    fn written_links_read_back_unchanged(space in subdomain(), door in "[A-Za-z0-9_-]{1,64}", port in 1u16.., code in "[!-~]{1,100}", state in "[!-~]{1,100}") {
        let links = [
            DeepLink::Join { space: Subdomain::parse(&space).unwrap(), hub: HubUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap() },
            DeepLink::Open { space: Subdomain::parse(&space).unwrap(), door: DoorId::parse(&door).unwrap() },
            DeepLink::AuthCallback(Callback::Code { code: AuthCode::new(code), state, iss: None }),
        ];
        for link in links {
            prop_assert_eq!(DeepLink::parse(&link.to_string()).unwrap(), link);
        }
    }

    /// The hub's page for a link reads back as that link: a printed code means to the app
    /// exactly what the `frontdoor://` link would.
    #[test]
    fn page_addresses_read_back_as_their_links(space in subdomain(), door in "[A-Za-z0-9_-]{1,64}", port in 1u16.., path in "(/[a-z0-9-]{1,12}){0,2}") {
        let hub = HubUrl::parse(&format!("http://127.0.0.1:{port}{path}")).unwrap();
        let space = Subdomain::parse(&space).unwrap();
        let door = DoorId::parse(&door).unwrap();
        prop_assert_eq!(
            DeepLink::read(join_page(&hub, &space).as_str()).unwrap(),
            DeepLink::Join { space: space.clone(), hub: hub.clone() }
        );
        prop_assert_eq!(
            DeepLink::read(door_page(&hub, &space, &door).as_str()).unwrap(),
            DeepLink::Open { space, door }
        );
    }

    /// Whatever web address arrives, the reader answers and never panics.
    #[test]
    fn any_web_address_gets_an_answer(input in "\\PC{0,300}") {
        let _ = DeepLink::read(&format!("https://{input}"));
        let _ = DeepLink::read(&format!("https://h/join?{input}"));
    }

    /// Anything over the limit is refused as too long, before any other parsing.
    #[test]
    fn oversized_links_are_refused_as_too_long(extra in 1usize..5000) {
        let link = format!("frontdoor://join?space=lighthouse&hub=https://h/{}", "a".repeat(MAX_LINK_LEN + extra));
        prop_assert_eq!(DeepLink::parse(&link), Err(LinkError::TooLong));
    }

    /// Any parameter given twice makes the whole link untrustworthy.
    #[test]
    fn a_repeated_parameter_is_always_refused(space in subdomain(), which in 0usize..2) {
        let name = ["space", "hub"][which];
        let value = if which == 0 { space.clone() } else { "https://h".to_string() };
        let link = format!("frontdoor://join?space={space}&hub=https://h&{name}={value}");
        prop_assert_eq!(DeepLink::parse(&link), Err(LinkError::Duplicate(name.to_string())));
    }
}
