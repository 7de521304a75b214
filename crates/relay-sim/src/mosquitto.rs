//! A private Mosquitto broker for one test (or one benchmark, or the demo): its own config in a
//! temporary directory, its own free port on `127.0.0.1`, killed when dropped.
//!
//! The config is what doors.md §8(c) asks for: `listener <port> 127.0.0.1`, `set_tcp_nodelay
//! true` (without it every hop costs ~40 ms of Nagle × delayed ACK), `persistence false`, and
//! either `allow_anonymous true` or a password file plus an ACL ([`Mosquitto::start_with_login`]).
//! The broker logs to its stderr, which is kept in memory: [`Mosquitto::log`] shows it when a test
//! fails.
//!
//! Startup is awaited, not slept through: the broker's "running" log line (or its exit) is the
//! event, then one TCP connect confirms the port answers. If another process took the port in the
//! meantime ("Address already in use"), a new port is tried.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

/// How long a broker may take to start before the test gives up.
const STARTUP: Duration = Duration::from_secs(10);

/// A running Mosquitto, killed on drop.
pub struct Mosquitto {
    dir: tempfile::TempDir,
    config: PathBuf,
    port: u16,
    child: Option<Child>,
    log: Arc<Mutex<String>>,
}

/// Where the broker's stderr reader thread got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Startup {
    Starting,
    Running,
    Exited,
}

impl Mosquitto {
    /// An anonymous broker (`allow_anonymous true`) on a free port.
    pub async fn start() -> Mosquitto {
        Mosquitto::start_with(None).await
    }

    /// A broker that only lets `username` in with `password` (a `password_file` made by
    /// `mosquitto_passwd -b`), with an ACL granting that user every topic.
    pub async fn start_with_login(username: &str, password: &str) -> Mosquitto {
        Mosquitto::start_with(Some((username, password))).await
    }

    async fn start_with(login: Option<(&str, &str)>) -> Mosquitto {
        let mut dir = tempfile::Builder::new()
            .prefix("relay-sim-mosquitto-")
            .tempdir()
            .expect("create a temporary directory for Mosquitto");
        // Mosquitto started as root drops to the `mosquitto` user before it reads the password
        // file, so the directory and files must be readable by others. Test credentials only.
        set_mode(dir.path(), 0o755);
        let mut auth = String::from("allow_anonymous true\n");
        if let Some((username, password)) = login {
            let passwords = dir.path().join("passwords");
            let status = Command::new(find_binary("mosquitto_passwd"))
                .arg("-c")
                .arg("-b")
                .arg(&passwords)
                .arg(username)
                .arg(password)
                .stdout(Stdio::null())
                .status()
                .expect("run mosquitto_passwd");
            assert!(status.success(), "mosquitto_passwd -c -b failed: {status}");
            let acl = dir.path().join("acl");
            std::fs::write(&acl, format!("user {username}\ntopic readwrite #\n")).expect("write the ACL file");
            set_mode(&passwords, 0o644);
            set_mode(&acl, 0o644);
            auth = format!(
                "allow_anonymous false\npassword_file {}\nacl_file {}\n",
                passwords.display(),
                acl.display()
            );
        }
        let config = dir.path().join("mosquitto.conf");
        let mut broker = None;
        for _attempt in 0..5 {
            let port = free_port();
            std::fs::write(
                &config,
                format!(
                    "# relay-sim: a private broker for one test\n\
                     listener {port} 127.0.0.1\n\
                     {auth}\
                     set_tcp_nodelay true\n\
                     persistence false\n\
                     log_dest stderr\n\
                     log_type error\n\
                     log_type warning\n\
                     log_type notice\n\
                     log_type information\n\
                     connection_messages true\n"
                ),
            )
            .expect("write mosquitto.conf");
            set_mode(&config, 0o644);
            let mut candidate = Mosquitto {
                dir,
                config: config.clone(),
                port,
                child: None,
                log: Arc::new(Mutex::new(String::new())),
            };
            if candidate.spawn().await {
                broker = Some(candidate);
                break;
            }
            let log = candidate.log();
            assert!(
                log.contains("Address already in use"),
                "Mosquitto did not start. Its log:\n{log}"
            );
            dir = candidate.into_dir();
        }
        broker.expect("Mosquitto found no free port in five attempts")
    }

    /// Starts the process on `self.port`; `false` if it exited instead of running.
    async fn spawn(&mut self) -> bool {
        let mut child = Command::new(find_binary("mosquitto"))
            .arg("-c")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mosquitto");
        let stderr = child.stderr.take().expect("piped stderr");
        let (startup, mut watching) = watch::channel(Startup::Starting);
        let log = self.log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                // "mosquitto version 2.0.11 running": every listener is open.
                let running = line.starts_with(|c: char| c.is_ascii_digit()) && line.ends_with(" running");
                {
                    let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                    log.push_str(&line);
                    log.push('\n');
                }
                if running {
                    startup.send_replace(Startup::Running);
                }
            }
            startup.send_replace(Startup::Exited);
        });
        self.child = Some(child);
        let started = tokio::time::timeout(STARTUP, watching.wait_for(|s| *s != Startup::Starting)).await;
        let state = match started {
            Ok(Ok(state)) => *state,
            Ok(Err(_)) => Startup::Exited,
            Err(_) => panic!("Mosquitto did not start within {STARTUP:?}. Its log:\n{}", self.log()),
        };
        if state != Startup::Running {
            self.reap();
            return false;
        }
        // The log says the listener is open; one connect proves it is ours and answering.
        tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "Mosquitto runs but 127.0.0.1:{} refuses: {e}. Its log:\n{}",
                    self.port,
                    self.log()
                )
            });
        true
    }

    /// `127.0.0.1`.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// The broker's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host(), self.port)
    }

    /// Kills the broker (SIGKILL: clients see their connections drop, as in a crash or a power
    /// cut) and waits for it to exit. Retained messages are gone (`persistence false`).
    pub fn stop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
        }
        self.reap();
    }

    /// Starts the broker again on the same port, after [`Mosquitto::stop`] (or stops it first).
    pub async fn restart(&mut self) {
        self.stop();
        assert!(
            self.spawn().await,
            "Mosquitto did not restart on port {}. Its log:\n{}",
            self.port,
            self.log()
        );
    }

    /// Everything the broker logged so far (all runs).
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn reap(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    fn into_dir(mut self) -> tempfile::TempDir {
        self.stop();
        // `Drop` only stops the child, which is gone; take the directory out through a swap.
        let placeholder = tempfile::tempdir().expect("create a temporary directory");
        std::mem::replace(&mut self.dir, placeholder)
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Mosquitto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mosquitto")
            .field("address", &self.address())
            .field("config", &self.config)
            .field("running", &self.child.is_some())
            .finish()
    }
}

/// A port nobody in this process was handed before, free at the moment of asking.
fn free_port() -> u16 {
    static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("bind a free loopback port")
            .port();
        let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|p| p.into_inner());
        if handed_out.get_or_insert_with(HashSet::new).insert(port) {
            return port;
        }
    }
}

/// `name` on `PATH`, or in the sbin/bin directories Debian installs Mosquitto to.
fn find_binary(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let known = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"].map(|dir| Path::new(dir).join(name));
    on_path
        .into_iter()
        .chain(known)
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` was not found on PATH or in /usr/sbin, /usr/bin. The MQTT tests need a real Mosquitto: \
                 run `scripts/setup.sh` (it installs the `mosquitto` package), or `apt-get install mosquitto`."
            )
        })
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("set permissions of {}: {e}", path.display()));
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}
