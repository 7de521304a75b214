//! The fleet's real parts, on 127.0.0.1: Debian's PostgreSQL (one cluster per test run, as the
//! `postgres` user when the tests run as root, a database per test), Debian's nats-server with
//! JetStream (one per test, killable and restartable on its port and store), and a TCP proxy
//! that can cut or stall a hub's link. Every server is started with `PR_SET_PDEATHSIG`, so it
//! dies with the test binary even when that is killed.

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

/// A free port on loopback (bound and released: the server binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Who the servers run as: the `postgres` user when we are root (PostgreSQL refuses root).
fn server_user() -> Option<(libc::uid_t, libc::gid_t)> {
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").unwrap();
    // SAFETY: a valid C string; the returned record is read at once, before any other call.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !pw.is_null(),
        "the tests run as root and there is no `postgres` user: run scripts/setup.sh"
    );
    // SAFETY: non-null, from getpwnam.
    unsafe { Some(((*pw).pw_uid, (*pw).pw_gid)) }
}

/// Starts `command`, run as `user` (when given), so that it dies with this test binary.
///
/// `PR_SET_PDEATHSIG` fires when the *thread* that forked ends, and tests run on threads that
/// end; so every server is forked by one thread that lives as long as the binary.
pub fn spawn_guarded(command: Command, user: Option<(libc::uid_t, libc::gid_t)>) -> Child {
    type Ask = (
        Command,
        Option<(libc::uid_t, libc::gid_t)>,
        std::sync::mpsc::Sender<std::io::Result<Child>>,
    );
    static SPAWNER: OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Ask>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (asks, asked) = std::sync::mpsc::channel::<Ask>();
        std::thread::spawn(move || {
            for (mut command, user, answer) in asked {
                let _ = answer.send(guarded(&mut command, user).spawn());
            }
        });
        std::sync::Mutex::new(asks)
    });
    let (answer, answered) = std::sync::mpsc::channel();
    spawner.lock().unwrap().send((command, user, answer)).unwrap();
    answered
        .recv()
        .unwrap()
        .unwrap_or_else(|e| panic!("cannot start a server: {e}"))
}

/// `command` run as `user` (when given), dying with the thread that forks it.
fn guarded(command: &mut Command, user: Option<(libc::uid_t, libc::gid_t)>) -> &mut Command {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if let Some((uid, gid)) = user {
                if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(gid) != 0 || libc::setuid(uid) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            // After the uid change, which would clear it.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
}

fn postgres_bin(name: &str) -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed: run scripts/setup.sh")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
        .filter(|p| p.exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .unwrap_or_else(|| panic!("no {name} under /usr/lib/postgresql: run scripts/setup.sh"))
}

/// The test run's PostgreSQL cluster.
pub struct Postgres {
    port: u16,
    _dir: tempfile::TempDir,
    _server: Child,
    databases: AtomicU32,
}

static POSTGRES: OnceLock<Postgres> = OnceLock::new();

/// The run's cluster, started by the first test that needs it (a few seconds).
pub fn postgres() -> &'static Postgres {
    POSTGRES.get_or_init(Postgres::start)
}

impl Postgres {
    fn start() -> Postgres {
        let user = server_user();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        if let Some((uid, gid)) = user {
            for path in [dir.path(), &data] {
                std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
            }
        }
        let mut initdb = Command::new(postgres_bin("initdb"));
        initdb
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "-D"])
            .arg(&data)
            .stdout(Stdio::null());
        let status = spawn_guarded(initdb, user).wait().unwrap();
        assert!(status.success(), "initdb failed");
        let port = free_port();
        let mut postgres = Command::new(postgres_bin("postgres"));
        postgres
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-k"])
            .arg(dir.path())
            .args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "max_connections=200",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let server = spawn_guarded(postgres, user);
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Postgres {
            port,
            _dir: dir,
            _server: server,
            databases: AtomicU32::new(0),
        }
    }

    /// A new empty database; its connection string.
    pub async fn database(&self) -> String {
        let name = format!(
            "fleet_{}_{}",
            std::process::id(),
            self.databases.fetch_add(1, Ordering::SeqCst)
        );
        let admin = format!("host=127.0.0.1 port={} user=postgres dbname=postgres", self.port);
        let mut tries = 0;
        let (client, connection) = loop {
            match tokio_postgres::connect(&admin, tokio_postgres::NoTls).await {
                Ok(c) => break c,
                // Still starting: "the database system is starting up".
                Err(_) if tries < 200 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(e) => panic!("PostgreSQL does not answer: {e}"),
            }
        };
        let connection = tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
        drop(client);
        let _ = connection.await;
        format!("host=127.0.0.1 port={} user=postgres dbname={name}", self.port)
    }
}

/// A nats-server with JetStream on its own port and store.
pub struct Nats {
    /// Its port.
    pub port: u16,
    dir: tempfile::TempDir,
    server: Option<Child>,
    /// Its configuration file, if it has one (users and their permissions).
    config: Option<std::path::PathBuf>,
}

impl Nats {
    /// Starts one and waits until it takes connections.
    pub fn start() -> Nats {
        Nats::start_with(None)
    }

    /// Starts one with `config` (nats-server's configuration text: an `authorization` block).
    pub fn start_with(config: Option<&str>) -> Nats {
        let dir = tempfile::tempdir().unwrap();
        let config = config.map(|text| {
            let path = dir.path().join("nats.conf");
            std::fs::write(&path, text).unwrap();
            path
        });
        let mut nats = Nats {
            port: free_port(),
            dir,
            server: None,
            config,
        };
        nats.restart();
        nats
    }

    /// Whether it was started with a configuration (users and permissions).
    pub fn secured(&self) -> bool {
        self.config.is_some()
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// SIGKILLs it (its store stays).
    pub fn kill(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }

    /// Starts it again on the same port and store.
    pub fn restart(&mut self) {
        self.kill();
        let mut server = Command::new("nats-server");
        server
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string(), "-js", "-sd"])
            .arg(self.dir.path().join("store"));
        if let Some(config) = &self.config {
            server.arg("-c").arg(config);
        }
        server.stdout(Stdio::null()).stderr(Stdio::null());
        self.server = Some(spawn_guarded(server, None));
        wait_for_port(self.port);
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}

fn wait_for_port(port: u16) {
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("nothing listens on {port}");
}

/// What the proxy does with a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Bytes flow.
    Up,
    /// Every connection is dropped, and new ones are closed at once.
    Cut,
    /// Connections are held open but no byte moves (a link that hangs).
    Stalled,
}

/// A TCP proxy in front of one address.
pub struct Proxy {
    /// Where it listens.
    pub addr: SocketAddr,
    mode: Arc<watch::Sender<Link>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to `target`, its link up.
    pub async fn to(target: SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(watch::channel(Link::Up).0);
        let shared = mode.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if *shared.borrow() == Link::Cut {
                    drop(client);
                    continue;
                }
                let modes = shared.subscribe();
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    tokio::select! {
                        _ = pump(cr, sw, modes.clone()) => {}
                        _ = pump(sr, cw, modes.clone()) => {}
                    }
                });
            }
        });
        Proxy { addr, mode, task }
    }

    /// `nats://` of the proxy.
    pub fn nats_url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// Sets the link.
    pub fn set(&self, link: Link) {
        self.mode.send_replace(link);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies `from` to `to` while the link is up; waits while it is stalled; ends when it is cut.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut modes: watch::Receiver<Link>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            n = from.read(&mut buf) => match n { Ok(0) | Err(_) => return, Ok(n) => n },
            _ = modes.wait_for(|m| *m == Link::Cut) => return,
        };
        if modes
            .wait_for(|m| *m != Link::Stalled)
            .await
            .map(|m| *m == Link::Cut)
            .unwrap_or(true)
        {
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
