//! A door controller that cannot be reached: an address nobody listens on, and the check that a
//! driver reported it, saying whether the command may have reached the device.

use frontdoor_core::door::Error;

/// `http://127.0.0.1:<port>/<path>` on a port that was bound and closed again, so nobody listens.
pub async fn closed_url(path: &str) -> url::Url {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}/{path}", closed.local_addr().unwrap())).unwrap();
    drop(closed);
    url
}

/// Asserts that `error` is [`Error::Unreachable`] and says `may_have_pulsed` as expected.
#[track_caller]
pub fn assert_unreachable(error: &Error, may_have_pulsed: bool) {
    match error {
        Error::Unreachable {
            may_have_pulsed: said, ..
        } => assert_eq!(*said, may_have_pulsed, "{error:?}"),
        other => panic!("expected the controller to be unreachable, got {other:?}"),
    }
}
