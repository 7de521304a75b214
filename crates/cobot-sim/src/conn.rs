//! The simulator's TCP listener. Each connection carries a [`Hangup`] switch that a handler can
//! pull (through the [`Peer`] connect info) to make the connection fail: the "drop" fault, which
//! must look to a client like a server that died mid-request (EOF without a response).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Pulled once, a connection's writes fail from then on and hyper closes it without sending the
/// response it was about to write.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hangup(Arc<AtomicBool>);

impl Hangup {
    pub(crate) fn pull(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn pulled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Connect info of a request served by [`Listener`]: the peer address and its connection's
/// [`Hangup`].
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    pub(crate) addr: SocketAddr,
    pub(crate) hangup: Hangup,
}

impl Connected<IncomingStream<'_, Listener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> Self {
        Peer {
            addr: *stream.remote_addr(),
            hangup: stream.io().hangup.clone(),
        }
    }
}

/// A TCP listener whose connections can be hung up from a handler.
pub(crate) struct Listener {
    inner: TcpListener,
}

impl Listener {
    pub(crate) fn new(inner: TcpListener) -> Self {
        Listener { inner }
    }
}

impl axum::serve::Listener for Listener {
    type Io = Stream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Stream, SocketAddr) {
        loop {
            match self.inner.accept().await {
                Ok((tcp, addr)) => {
                    // Loopback tests measure latency; Nagle would add tens of milliseconds.
                    let _ = tcp.set_nodelay(true);
                    return (
                        Stream {
                            tcp,
                            hangup: Hangup::default(),
                        },
                        addr,
                    );
                }
                Err(e) => {
                    // Like axum's own listener: back off on resource exhaustion, never give up.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A TCP stream that fails once its [`Hangup`] is pulled.
pub(crate) struct Stream {
    tcp: TcpStream,
    hangup: Hangup,
}

fn hung_up() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "cobot-sim: connection dropped by a fault",
    )
}

impl AsyncRead for Stream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.hangup.pulled() {
            return Poll::Ready(Err(hung_up()));
        }
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.hangup.pulled() {
            return Poll::Ready(Err(hung_up()));
        }
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.hangup.pulled() {
            return Poll::Ready(Err(hung_up()));
        }
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.hangup.pulled() {
            return Poll::Ready(Err(hung_up()));
        }
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}
