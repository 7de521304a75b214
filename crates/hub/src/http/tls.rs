//! Serving https directly, with rustls.
//!
//! A hub reaches members' phones and Cobot's webhooks over https in one of two ways:
//!
//! - **Directly.** Set `[hub] tls = { cert = "/etc/frontdoor/chain.pem", key =
//!   "/etc/frontdoor/key.pem" }`: a PEM certificate chain (the hub's certificate first, then any
//!   intermediates) and its PEM private key (PKCS#8, PKCS#1 or SEC1). The hub then speaks only
//!   https (TLS 1.3 and 1.2, rustls with the *ring* provider, ALPN `http/1.1`) and its own
//!   address is `https://…`. The files are read once at start; a renewed certificate takes a
//!   restart.
//! - **Behind a reverse proxy** that terminates TLS (Caddy, nginx, a tunnel…). Leave `tls` unset
//!   (the hub speaks plain http, so let it listen on loopback or a private network only) and set
//!   `[hub] public_url` to the `https://` address the proxy serves, so the links, redirects and
//!   webhook subscriptions the hub hands out name that address.
//!
//! Handshakes never hold up the accept loop: [`TlsListener`] accepts TCP connections in a
//! background task and runs each handshake in its own task with a time limit
//! ([`HANDSHAKE_TIMEOUT`]), so a client that connects and then says nothing delays no one else.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::base::config::TlsConfig;

/// How long a client may take to complete its TLS handshake before the connection is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many finished handshakes may wait for the server to take them.
const READY_QUEUE: usize = 64;

/// Why the certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file could not be read.
    #[error("cannot read the certificate file {}: {source}", path.display())]
    ReadCert {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// The certificate file is not well-formed PEM.
    #[error("the certificate file {} is not valid PEM: {detail}", path.display())]
    CertPem {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The certificate file holds no `CERTIFICATE` section.
    #[error("the certificate file {} has no PEM certificate", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// The key file could not be read.
    #[error("cannot read the key file {}: {source}", path.display())]
    ReadKey {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// The key file is not well-formed PEM.
    #[error("the key file {} is not valid PEM: {detail}", path.display())]
    KeyPem {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The key file holds no private key section.
    #[error(
        "the key file {} holds no private key (expected a PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)",
        path.display()
    )]
    NoKey {
        /// The file.
        path: PathBuf,
    },
    /// rustls refused the pair: an unsupported key type, or a key that does not belong to the
    /// chain's first certificate.
    #[error(
        "the certificate file {} and the key file {} cannot be used together: {source}",
        cert.display(),
        key.display()
    )]
    Rejected {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls said.
        source: rustls::Error,
    },
}

/// Reads the PEM certificate chain of `path`, in file order.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::ReadCert {
        path: path.to_owned(),
        source,
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, pem::Error>>()
        .map_err(|e| TlsError::CertPem {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { path: path.to_owned() });
    }
    Ok(certs)
}

/// Reads the first PEM private key of `path` (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::ReadKey {
        path: path.to_owned(),
        source,
    })?;
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => Err(TlsError::NoKey { path: path.to_owned() }),
        Err(e) => Err(TlsError::KeyPem {
            path: path.to_owned(),
            detail: e.to_string(),
        }),
    }
}

/// The rustls server configuration for `[hub] tls`: TLS 1.3 and 1.2 with the *ring* provider,
/// no client certificates, ALPN `http/1.1`.
pub fn server_config(tls: &TlsConfig) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = load_certs(&tls.cert)?;
    let key = load_key(&tls.key)?;
    let rejected = |source| TlsError::Rejected {
        cert: tls.cert.clone(),
        key: tls.key.clone(),
        source,
    };
    let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(rejected)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(rejected)?;
    // axum serves HTTP/1.1 only (its `http2` feature is off), so offer nothing else.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// An [`axum::serve::Listener`] that hands out connections whose TLS handshake has finished.
///
/// A background task accepts TCP connections and runs each handshake in a task of its own
/// (at most [`HANDSHAKE_TIMEOUT`]); finished ones queue in a bounded channel that
/// [`accept`](axum::serve::Listener::accept) reads. Failed or timed-out handshakes are dropped
/// with a debug log. Dropping the listener stops the background task and closes the socket.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `listener` in the current tokio runtime.
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> io::Result<TlsListener> {
        let local_addr = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        let acceptor = tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), tx));
        Ok(TlsListener {
            ready,
            local_addr,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

/// Handshakes under way at once.
pub const MAX_HANDSHAKES: usize = 512;

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let handshakes = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_HANDSHAKES));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            // The listener (and its receiver) is gone.
            _ = ready.closed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                accept_error(e).await;
                continue;
            }
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%peer, "could not set TCP_NODELAY: {e}");
        }
        // At most MAX_HANDSHAKES at once: each holds a descriptor for up to HANDSHAKE_TIMEOUT,
        // and a flood of silent clients must not exhaust them before the connection cap (which
        // counts finished handshakes) can act.
        let Ok(permit) = handshakes.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    // Fails only when the listener is gone; the connection is dropped then.
                    let _ = ready.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, "TLS handshake failed: {e}"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out after {HANDSHAKE_TIMEOUT:?}"),
            }
        });
    }
}

/// As axum's own listener does: errors about one connection are skipped; others (out of file
/// descriptors, say) are logged and followed by a pause so the loop does not spin.
async fn accept_error(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    static LOG: std::sync::OnceLock<crate::base::log::LogBudget> = std::sync::OnceLock::new();
    if crate::base::log::budgeted(&LOG, "accepting a connection failed", 5).admit() {
        tracing::error!("accepting a connection failed: {e}");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            None => {
                // Only if the accept loop died (it holds a sender until the listener drops).
                tracing::error!("the TLS accept loop stopped; no new connections");
                std::future::pending().await
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
