//! Serving connections with bounds, so that no client — slow, half-sent or many — can take the hub
//! away from everyone else.
//!
//! - **Header read timeout** ([`Limits::header_timeout`]): a connection that does not finish its
//!   request head in time is closed (the classic slow-headers attack).
//! - **Request timeout** ([`Limits::request_timeout`]): a request whose body trickles in, or
//!   whose handler waits too long, is answered `408 {code: "request_timeout"}`. An unlock keeps
//!   running in its own task (see [`crate::app::unlock`]), so this never cuts an opening off.
//! - **Connection caps**: at most [`Limits::max_connections`] at once (never more than the
//!   process's open-file limit allows, less a reserve for the database, relays and Cobot), and at
//!   most [`Limits::per_peer`] from one address. A connection over its address's share is closed
//!   at once. When the hub as a whole is full, the new connection takes the place of one that
//!   has no request under way: first the oldest that never completed a request head, then the
//!   longest idle keep-alive. A flood of slow clients from many addresses keeps cycling through
//!   its own slots, while a member, whose app sends its request as soon as it connects, gets in,
//!   is answered, and keeps its connection.
//! - **Idle keep-alive connections** are closed after [`Limits::idle_timeout`].
//! - **Graceful stop**: no new connections; requests under way finish (up to
//!   [`Limits::drain_timeout`]).
//!
//! Each request carries the peer's address as `axum::extract::ConnectInfo<SocketAddr>`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use frontdoor_core::hub::Code;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::watch;
use tower::ServiceExt;

/// The bounds of one listener.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Connections open at once from one address.
    pub per_peer: usize,
    /// Time to send a request head.
    pub header_timeout: Duration,
    /// Time for a whole request: body and answer.
    pub request_timeout: Duration,
    /// Time a kept-alive connection may sit idle.
    pub idle_timeout: Duration,
    /// Time requests under way get to finish at a stop.
    pub drain_timeout: Duration,
    /// Reverse proxies in front of the hub (`[hub] trusted_proxies`): a request from one of them
    /// is the client named last in `X-Forwarded-For`, and the proxy is not held to one
    /// address's share of connections (it carries everyone's).
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Below systemd's LimitNOFILE in deploy/frontdoor-hub.service, with room for the
            // database, the relays and Cobot.
            max_connections: 8192,
            per_peer: 256,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            drain_timeout: Duration::from_secs(20),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Open connections, overall and per address, and which of them may make room.
#[derive(Default)]
struct Counts {
    total: usize,
    per_peer: HashMap<IpAddr, usize>,
    /// Every open connection: when it came, how many requests it has under way, how to end it.
    open: HashMap<u64, Open>,
    next_id: u64,
}

struct Open {
    since: tokio::time::Instant,
    busy: usize,
    /// It has completed a request head: a real client, ended only after every half-sent one.
    served: bool,
    end: Option<tokio::task::AbortHandle>,
}

impl Counts {
    /// Ends one connection with no request under way: the oldest that never completed a request
    /// head, else the longest idle one. Whether there was one.
    fn evict_one(&mut self) -> bool {
        let oldest = self
            .open
            .iter()
            .filter(|(_, o)| o.busy == 0 && o.end.is_some())
            .min_by_key(|(_, o)| (o.served, o.since))
            .map(|(id, _)| *id);
        match oldest.and_then(|id| self.open.get_mut(&id)).and_then(|o| o.end.take()) {
            Some(end) => {
                end.abort();
                true
            }
            None => false,
        }
    }
}

/// A connection's place in the counts, given back when it closes.
struct Slot {
    counts: Arc<Mutex<Counts>>,
    peer: IpAddr,
    id: u64,
}

impl Slot {
    fn take(counts: &Arc<Mutex<Counts>>, peer: IpAddr, limits: &Limits) -> Option<Slot> {
        let mut c = counts.lock().unwrap_or_else(|p| p.into_inner());
        let from_peer = c.per_peer.get(&peer).copied().unwrap_or(0);
        if from_peer >= limits.per_peer && !limits.trusted_proxies.contains(&peer) {
            return None;
        }
        // A connection that has not been given its task yet (no abort handle) cannot be
        // evicted; one without a request under way can.
        if c.total >= limits.max_connections && !c.evict_one() {
            return None;
        }
        c.total += 1;
        c.per_peer.insert(peer, from_peer + 1);
        let id = c.next_id;
        c.next_id += 1;
        c.open.insert(
            id,
            Open {
                since: tokio::time::Instant::now(),
                busy: 0,
                served: false,
                end: None,
            },
        );
        Some(Slot {
            counts: counts.clone(),
            peer,
            id,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection's task, so it can be ended to make room.
    fn bind(&self, end: tokio::task::AbortHandle) {
        if let Some(open) = self.lock().open.get_mut(&self.id) {
            open.end = Some(end);
        }
    }

    /// A request began (`+1`) or ended (`-1`) on this connection.
    fn busy(counts: &Mutex<Counts>, id: u64, delta: isize) {
        let mut c = counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = c.open.get_mut(&id) {
            open.busy = open.busy.saturating_add_signed(delta);
            open.served = true;
            open.since = tokio::time::Instant::now();
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        c.open.remove(&self.id);
        c.total = c.total.saturating_sub(1);
        if let Some(n) = c.per_peer.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                c.per_peer.remove(&self.peer);
            }
        }
    }
}

/// Serves `app` on `listener` until `stop` turns true, then drains.
pub async fn serve<L>(mut listener: L, app: Router, limits: Limits, mut stop: watch::Receiver<bool>)
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let counts = Arc::new(Mutex::new(Counts::default()));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut refused = 0u64;
    let mut refused_since = tokio::time::Instant::now();
    let mut sweep = tokio::time::interval(limits.idle_timeout / 4);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = sweep.tick() => {
                end_idle(&counts, limits.idle_timeout);
                continue;
            }
            _ = stop.wait_for(|s| *s) => break,
        };
        let peer = SocketAddr::new(peer.ip().to_canonical(), peer.port());
        let Some(slot) = Slot::take(&counts, peer.ip(), &limits) else {
            // Closed at once. Counted, and logged at most once a minute.
            refused += 1;
            if refused_since.elapsed() >= Duration::from_secs(60) {
                tracing::warn!("{refused} connection(s) refused over the connection caps in the last minute");
                refused = 0;
                refused_since = tokio::time::Instant::now();
            }
            drop(io);
            continue;
        };
        let app = app.clone();
        let request_timeout = limits.request_timeout;
        let (counts_for_requests, id) = (counts.clone(), slot.id);
        let trusted = limits.trusted_proxies.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            let client = client_address(peer, request.headers(), &trusted);
            request.extensions_mut().insert(ConnectInfo(client));
            let app = app.clone();
            let counts = counts_for_requests.clone();
            async move {
                // Under way: this connection is not ended to make room until it has answered.
                Slot::busy(&counts, id, 1);
                let _done = scopeguard(move || Slot::busy(&counts, id, -1));
                let request = request.map(axum::body::Body::new);
                let answer = match tokio::time::timeout(request_timeout, app.oneshot(request)).await {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(_) => crate::http::Error::new(
                        StatusCode::REQUEST_TIMEOUT,
                        Code::RequestTimeout,
                        "The request took too long to arrive or to answer. Try again.",
                    )
                    .into_response(),
                };
                Ok::<_, Infallible>(answer)
            }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .keep_alive(true);
        let connection = builder.serve_connection(TokioIo::new(io), service);
        let connection = graceful.watch(connection);
        // The connection lives as long as it is used: requests are bounded by their own timeout,
        // heads by hyper's header timeout, and idle connections are ended by the sweep — never
        // one with a request under way.
        let task = tokio::spawn(async move {
            let _ = connection.await;
        });
        slot.bind(task.abort_handle());
        tokio::spawn(async move {
            let _ = task.await;
            // Given back however the connection ended: closed, timed out, or ended to make room.
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "some requests did not finish within {:?} of the stop",
            limits.drain_timeout
        );
    }
}

/// Who a request is from: the peer, or — when the peer is a trusted reverse proxy — the client
/// it names last in `X-Forwarded-For` (the rightmost address not itself a trusted proxy; the
/// ones before it could be made up by the client).
pub fn client_address(peer: SocketAddr, headers: &axum::http::HeaderMap, trusted: &[IpAddr]) -> SocketAddr {
    if !trusted.contains(&peer.ip()) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter_map(|a| a.parse::<IpAddr>().ok())
        .map(|a| a.to_canonical())
        .collect::<Vec<_>>();
    match forwarded.iter().rev().find(|a| !trusted.contains(a)) {
        Some(client) => SocketAddr::new(*client, 0),
        None => peer,
    }
}

/// Ends every connection that has had no request under way for longer than `idle`.
fn end_idle(counts: &Mutex<Counts>, idle: Duration) {
    let mut c = counts.lock().unwrap_or_else(|p| p.into_inner());
    for open in c.open.values_mut() {
        if open.busy == 0 && open.since.elapsed() > idle {
            if let Some(end) = open.end.take() {
                end.abort();
            }
        }
    }
}

/// Runs `f` when dropped (also when the request's future is dropped half-way).
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}

impl Limits {
    /// These limits with `max_connections` fitted under the process's open-file limit, keeping
    /// [`FD_RESERVE`] descriptors for the database, the relays, Cobot and the logs.
    pub fn fitted(mut self) -> Limits {
        // SAFETY: getrlimit with a valid out-pointer.
        let soft = unsafe {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            (libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0).then_some(limit.rlim_cur)
        };
        if let Some(soft) = soft.and_then(|s| usize::try_from(s).ok()) {
            self.max_connections = self.max_connections.min(soft.saturating_sub(FD_RESERVE).max(16));
        }
        self
    }
}

/// File descriptors kept free for everything but client connections.
pub const FD_RESERVE: usize = 128;

#[cfg(test)]
mod tests;
