use super::*;

#[test]
fn a_sealed_value_opens_only_with_its_key_and_for_its_row() {
    let key = SealKey::random();
    let sealed = key.seal("device-1", b"cobot-token");
    assert!(
        !sealed.windows(11).any(|w| w == b"cobot-token"),
        "the value is not stored in clear"
    );
    assert_eq!(key.open("device-1", &sealed).unwrap(), b"cobot-token");
    assert_eq!(
        key.open("device-2", &sealed),
        Err(Error::Unreadable),
        "bound to its row"
    );
    assert_eq!(SealKey::random().open("device-1", &sealed), Err(Error::Unreadable));
    let mut altered = sealed.clone();
    *altered.last_mut().unwrap() ^= 1;
    assert_eq!(key.open("device-1", &altered), Err(Error::Unreadable));
    assert_ne!(
        key.seal("device-1", b"x"),
        key.seal("device-1", b"x"),
        "a fresh nonce each time"
    );
}

#[test]
fn a_key_is_read_from_hex_or_base64_and_nothing_else() {
    let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let from_hex = SealKey::parse(hex).unwrap();
    let sealed = from_hex.seal("r", b"v");
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(
        (0..32)
            .map(|i| {
                [
                    0x00u8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
                ][i % 16]
            })
            .collect::<Vec<u8>>(),
    );
    assert_eq!(SealKey::parse(&b64).unwrap().open("r", &sealed).unwrap(), b"v");
    for bad in [
        "",
        "short",
        &hex[..62],
        "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    ] {
        assert_eq!(SealKey::parse(bad).err(), Some(Error::BadKey), "{bad:?}");
    }
    assert_eq!(format!("{from_hex:?}"), "SealKey([redacted])");
}
