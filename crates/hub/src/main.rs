//! `frontdoor-hub` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use frontdoor_core::secret::{AccessToken, ClientSecret};
use frontdoor_hub::base::seal::SealKey;
use frontdoor_hub::store::Store;
use frontdoor_hub::{Config, Setup};
use url::Url;

/// Frontdoor's hub: the space's own trusted service that the Frontdoor app talks to.
///
/// Run it with a configuration file, or with --demo against a running cobot-sim:
///
///   cobot-sim --listen 127.0.0.1:8480 &
///   frontdoor-hub --demo --cobot-url http://127.0.0.1:8480 --listen 127.0.0.1:8481
///
/// Then join from the app with frontdoor://join?space=lighthouse&hub=http://127.0.0.1:8481
///
/// Secrets are never read from the configuration file. Each comes from an environment variable or
/// the systemd credential of the same purpose ($CREDENTIALS_DIRECTORY/<name>):
///   FRONTDOOR_HUB_COBOT_TOKEN          / cobot-token          the space's Cobot token (sync)
///   FRONTDOOR_HUB_COBOT_CLIENT_SECRET  / cobot-client-secret  the secret of the space's OAuth
///       client at Cobot, whose redirect URI is <public_url>/auth/callback (members sign in)
///   FRONTDOOR_HUB_STORE_KEY            / store-key            32 bytes (hex or base64) that seal
///       members' Cobot tokens in the database
///
/// Door credentials (device passwords, Home Assistant tokens, webhook secrets) are named in the
/// configuration (`password_credential = "front-shelly"`) and read from FRONTDOOR_HUB_SECRET_<NAME>
/// (FRONTDOOR_HUB_SECRET_FRONT_SHELLY) or $CREDENTIALS_DIRECTORY/<name>.
#[derive(Parser, Debug)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// What to do besides serving.
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8481")]
    listen: SocketAddr,
    /// Configuration file (TOML) with [space], [cobot], [sync], [[doors]], [[groups]], [[plans]].
    #[arg(long, global = true, conflicts_with = "demo")]
    config: Option<PathBuf>,
    /// Serve the demo space `lighthouse` from cobot-sim instead of a configuration file.
    #[arg(long, global = true)]
    demo: bool,
    /// cobot-sim's base URL, with --demo.
    #[arg(long, global = true, default_value = "http://127.0.0.1:8480")]
    cobot_url: Url,
    /// With --demo: the simulated Shelly Pro 3 (relay-sim) whose switches 0, 1, 2 open the
    /// front door, the workshop and the office. Without it the demo doors cannot be unlocked.
    #[arg(long, requires = "demo")]
    relay_url: Option<Url>,
    /// With --demo: join the fleet whose NATS server is at this address (`nats://127.0.0.1:4222`).
    #[arg(long, requires = "demo")]
    fleet_nats: Option<Url>,
    /// With --fleet-nats: this hub's name in the fleet.
    #[arg(long, requires = "fleet_nats", default_value = "lighthouse-1")]
    hub_id: String,
    /// The SQLite database (created if missing).
    #[arg(long, global = true, default_value = "frontdoor-hub.sqlite")]
    db: PathBuf,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Checks, against the configured Cobot, every assumption Frontdoor makes (sign-in discovery,
    /// the ID token's claims at the last sign-in, the space's token and its scopes, the space's
    /// time zone, webhook subscriptions, whether check-ins of the whole space are visible) and
    /// prints each in words. Exits 1 when a check fails. Uses the same configuration, database
    /// and credentials as the hub; it does not need the hub to be stopped.
    Doctor,
}

/// A secret from the environment variable `env`, or the systemd credential `name`.
fn credential(env: &str, name: &str) -> Option<String> {
    if let Some(t) = std::env::var(env).ok().filter(|t| !t.trim().is_empty()) {
        return Some(t.trim().to_string());
    }
    let dir = std::env::var_os("CREDENTIALS_DIRECTORY")?;
    let text = std::fs::read_to_string(PathBuf::from(dir).join(name)).ok()?;
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// `eprintln!` that never panics: a full log disk must not kill the hub (std's macros panic when
/// the write fails).
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `println!` that never panics.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // A write past the file-size limit (RLIMIT_FSIZE, e.g. systemd's LimitFSIZE) raises SIGXFSZ,
    // whose default action kills the process: every door would stop over a full log file.
    // Ignored, the write fails with EFBIG instead, and the log writer and the journal handle that.
    // SAFETY: SIG_IGN installs no handler code; the disposition is process-wide and may be set
    // from any thread.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    // Logging never panics or blocks on a full disk or a stalled reader: lines that cannot be
    // written are dropped, counted, and announced once writing works again.
    let log = frontdoor_hub::base::log::LogWriter::stderr();
    let _log_drained_at_exit = log.drained_on_drop(std::time::Duration::from_secs(1));
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    tracing_subscriber::util::SubscriberInitExt::init(frontdoor_hub::base::log::subscriber(log, filter));
    let args = Args::parse();
    let config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => {
                say_err!("frontdoor-hub: {e}");
                return std::process::ExitCode::from(2);
            }
        },
        None if args.demo => {
            let mut demo = Config::demo_with_relay(&args.cobot_url, args.relay_url.as_ref());
            demo.fleet = args
                .fleet_nats
                .clone()
                .map(|nats| frontdoor_hub::base::config::FleetConfig {
                    nats,
                    hub_id: args.hub_id.clone(),
                    password_credential: None,
                });
            demo
        }
        None => {
            say_err!(
                "frontdoor-hub: give the configuration file with --config hub.toml (or --demo to serve the demo space)"
            );
            return std::process::ExitCode::from(2);
        }
    };
    let store = match Store::open(&args.db) {
        Ok(s) => s,
        Err(e) => {
            say_err!("frontdoor-hub: {}: {e}", args.db.display());
            return std::process::ExitCode::from(1);
        }
    };
    let mut config = config;
    if config.cobot.client_id.trim().is_empty() {
        // Not secret, but it belongs with its secret: a space can keep both out of the file.
        if let Some(id) = credential("FRONTDOOR_HUB_COBOT_CLIENT_ID", "cobot-client-id") {
            config.cobot.client_id = id;
        }
    }
    let token = credential("FRONTDOOR_HUB_COBOT_TOKEN", "cobot-token").map(AccessToken::new);
    if token.is_none() {
        say_err!("frontdoor-hub: no Cobot token (FRONTDOOR_HUB_COBOT_TOKEN): members can join but the hub cannot sync");
    }
    let client_secret = credential("FRONTDOOR_HUB_COBOT_CLIENT_SECRET", "cobot-client-secret")
        .or_else(|| {
            args.demo
                .then(|| frontdoor_hub::base::config::DEMO_CLIENT_SECRET.to_string())
        })
        .map(ClientSecret::new);
    if client_secret.is_none() {
        say_err!(
            "frontdoor-hub: no OAuth client secret (FRONTDOOR_HUB_COBOT_CLIENT_SECRET or the credential cobot-client-secret): members cannot sign in"
        );
    }
    let seal_key = match credential("FRONTDOOR_HUB_STORE_KEY", "store-key").map(|k| SealKey::parse(&k)) {
        Some(Ok(key)) => key,
        Some(Err(e)) => {
            say_err!("frontdoor-hub: FRONTDOOR_HUB_STORE_KEY / store-key: {e}");
            return std::process::ExitCode::from(2);
        }
        None => {
            say_err!(
                "frontdoor-hub: no store key (FRONTDOOR_HUB_STORE_KEY or the credential store-key, 32 bytes: `openssl rand -hex 32`): members' Cobot tokens are sealed with a key that dies with this process, so after a restart signed-in devices must sign in again"
            );
            SealKey::random()
        }
    };
    let setup = Setup {
        store,
        client_secret,
        seal_key,
        cobot_token: token,
        scheduled_sync: true,
        secrets: frontdoor_hub::app::doors::environment_secrets(),
        ..Setup::detached()
    };
    if let Some(Command::Doctor) = args.command {
        let hub = match frontdoor_hub::Hub::new(config, setup) {
            Ok(h) => h,
            Err(e) => {
                say_err!("frontdoor-hub doctor: {e}");
                return std::process::ExitCode::from(1);
            }
        };
        let report = frontdoor_hub::app::doctor::run(&hub).await;
        let healthy = frontdoor_hub::app::doctor::print(&report, &mut std::io::stdout());
        return if healthy {
            std::process::ExitCode::SUCCESS
        } else {
            std::process::ExitCode::from(1)
        };
    }
    let hub = match frontdoor_hub::spawn_with(config.clone(), setup, args.listen).await {
        Ok(h) => h,
        Err(e) => {
            say_err!("frontdoor-hub: cannot start on {}: {e}", args.listen);
            return std::process::ExitCode::from(1);
        }
    };
    say!(
        "frontdoor-hub serving space {} ({}) at {}",
        config.space.name,
        config.space.subdomain,
        hub.base_url
    );
    say!(
        "join link: frontdoor://join?space={}&hub={}",
        config.space.subdomain,
        hub.base_url.as_str().trim_end_matches('/')
    );
    // systemd stops with SIGTERM, a terminal with SIGINT: both drain, then exit.
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(e) => {
            say_err!("frontdoor-hub: cannot listen for SIGTERM: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let why = tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = term.recv() => "SIGTERM",
    };
    tracing::info!("{why}: finishing the unlocks and check-ins under way, then stopping");
    let mut hub = hub;
    hub.stop().await;
    tracing::info!("stopped");
    std::process::ExitCode::SUCCESS
}
