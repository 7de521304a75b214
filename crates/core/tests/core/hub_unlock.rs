//! The app's unlock call against a hub that accepts the connection and never answers.

use frontdoor_core::hub::{self, CallError, UNLOCK_WAIT};
use frontdoor_core::links::HubUrl;
use frontdoor_core::secret::HubSessionToken;

#[tokio::test]
async fn an_unlock_a_hub_never_answers_ends_after_the_unlock_wait_as_unreachable() {
    // A hub that takes the request and says nothing: the connection stays open.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            open.push(socket);
        }
    });
    // A client with no timeout of its own: only the unlock's bound can end the wait.
    let http = reqwest::Client::builder().build().unwrap();
    let hub_url = HubUrl::parse(&format!("http://{address}/")).unwrap();
    let session = HubSessionToken::new("a-session");

    let answered = tokio::time::timeout(UNLOCK_WAIT * 4, hub::unlock(&http, &hub_url, &session, "front"))
        .await
        .expect("the unlock ends by itself, not by the test's own limit");

    match answered {
        Err(CallError::Unreachable(e)) => {
            assert!(e.is_timeout(), "the wait ran out: {e}");
            assert!(
                !e.is_connect(),
                "the request had reached the hub, so the door may have opened"
            );
        }
        other => panic!("expected an unreachable hub, got {other:?}"),
    }
    held.abort();
}
