use super::*;

/// A connection from `peer` holding a slot, served by a task that runs until it is ended.
fn connection(counts: &Arc<Mutex<Counts>>, peer: IpAddr, limits: &Limits) -> (Slot, tokio::task::JoinHandle<()>) {
    let slot = Slot::take(counts, peer, limits).unwrap();
    let task = tokio::spawn(std::future::pending::<()>());
    slot.bind(task.abort_handle());
    (slot, task)
}

/// At most `max_connections` in all and `per_peer` from one address.
fn limits(max_connections: usize, per_peer: usize) -> Limits {
    Limits {
        max_connections,
        per_peer,
        ..Limits::default()
    }
}

#[test]
fn one_address_cannot_take_every_connection() {
    let counts = Arc::new(Mutex::new(Counts::default()));
    let limits = limits(5, 2);
    let a: IpAddr = "10.0.0.1".parse().unwrap();
    let b: IpAddr = "10.0.0.2".parse().unwrap();
    let first = Slot::take(&counts, a, &limits).unwrap();
    let _second = Slot::take(&counts, a, &limits).unwrap();
    assert!(Slot::take(&counts, a, &limits).is_none(), "a's share is used up");
    let others: Vec<Slot> = (0..3)
        .map(|_| Slot::take(&counts, b, &limits))
        .take_while(Option::is_some)
        .flatten()
        .collect();
    assert_eq!(others.len(), 2, "b has its own share");
    drop(first);
    assert!(Slot::take(&counts, a, &limits).is_some(), "a closed slot is given back");
}

#[tokio::test]
async fn a_full_hub_makes_room_by_ending_the_oldest_idle_connection() {
    let counts = Arc::new(Mutex::new(Counts::default()));
    let limits = limits(2, 10);
    let peer: IpAddr = "10.0.0.1".parse().unwrap();
    let (idle, idle_task) = connection(&counts, peer, &limits);
    let (busy, busy_task) = connection(&counts, peer, &limits);
    Slot::busy(&counts, busy.id, 1);
    // Full: the newcomer takes the idle connection's place, never the busy one's.
    let _newcomer = Slot::take(&counts, peer, &limits).expect("room was made");
    assert!(
        idle_task.await.unwrap_err().is_cancelled(),
        "the idle connection was ended"
    );
    assert!(!busy_task.is_finished());
    drop(idle);
    busy_task.abort();
}

#[tokio::test]
async fn a_half_sent_connection_makes_room_before_an_idle_one_that_has_served() {
    let counts = Arc::new(Mutex::new(Counts::default()));
    let limits = limits(2, 10);
    let peer: IpAddr = "10.0.0.1".parse().unwrap();
    let (member, member_task) = connection(&counts, peer, &limits);
    Slot::busy(&counts, member.id, 1);
    Slot::busy(&counts, member.id, -1);
    let (_slow, slow_task) = connection(&counts, peer, &limits);
    let _newcomer = Slot::take(&counts, peer, &limits).expect("room was made");
    assert!(
        slow_task.await.unwrap_err().is_cancelled(),
        "the half-sent one went, though it is younger"
    );
    assert!(!member_task.is_finished(), "the member keeps its connection");
    member_task.abort();
}

#[tokio::test(start_paused = true)]
async fn only_connections_idle_past_the_limit_are_ended_never_one_with_a_request_under_way() {
    let counts = Arc::new(Mutex::new(Counts::default()));
    let limits = Limits::default();
    let peer: IpAddr = "10.0.0.1".parse().unwrap();
    let (_idle, idle_task) = connection(&counts, peer, &limits);
    let (busy, busy_task) = connection(&counts, peer, &limits);
    Slot::busy(&counts, busy.id, 1);
    tokio::time::advance(Duration::from_secs(30)).await;
    end_idle(&counts, Duration::from_secs(60));
    assert!(!idle_task.is_finished(), "not idle long enough yet");
    tokio::time::advance(Duration::from_secs(40)).await;
    end_idle(&counts, Duration::from_secs(60));
    assert!(idle_task.await.unwrap_err().is_cancelled());
    assert!(
        !busy_task.is_finished(),
        "a request under way, however long, is never cut"
    );
    busy_task.abort();
}

#[test]
fn behind_a_trusted_proxy_the_client_is_the_last_address_it_forwarded() {
    let proxy: SocketAddr = "10.0.0.9:4000".parse().unwrap();
    let trusted = ["10.0.0.9".parse().unwrap()];
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("x-forwarded-for", "6.6.6.6, 192.0.2.7".parse().unwrap());
    assert_eq!(
        client_address(proxy, &headers, &trusted).ip().to_string(),
        "192.0.2.7",
        "the first entries could be made up by the client; the proxy appended the last"
    );
    let stranger: SocketAddr = "192.0.2.50:5000".parse().unwrap();
    assert_eq!(
        client_address(stranger, &headers, &trusted),
        stranger,
        "only a trusted proxy is believed"
    );
    assert_eq!(client_address(proxy, &axum::http::HeaderMap::new(), &trusted), proxy);
}
