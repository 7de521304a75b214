//! `frontdoor-hub` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use frontdoor_core::secret::AccessToken;
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
/// The space's Cobot token (admin scopes) is never read from the configuration file: give it in
/// the environment variable FRONTDOOR_HUB_COBOT_TOKEN, or as the systemd credential
/// `cobot-token` ($CREDENTIALS_DIRECTORY/cobot-token). Without it the hub cannot sync.
///
/// Door credentials (device passwords, Home Assistant tokens, webhook secrets) are named in the
/// configuration (`password_credential = "front-shelly"`) and read from FRONTDOOR_HUB_SECRET_<NAME>
/// (FRONTDOOR_HUB_SECRET_FRONT_SHELLY) or $CREDENTIALS_DIRECTORY/<name>.
#[derive(Parser, Debug)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8481")]
    listen: SocketAddr,
    /// Configuration file (TOML) with [space], [cobot], [sync], [[doors]], [[groups]], [[plans]].
    #[arg(long, conflicts_with = "demo", required_unless_present = "demo")]
    config: Option<PathBuf>,
    /// Serve the demo space `lighthouse` from cobot-sim instead of a configuration file.
    #[arg(long)]
    demo: bool,
    /// cobot-sim's base URL, with --demo.
    #[arg(long, default_value = "http://127.0.0.1:8480")]
    cobot_url: Url,
    /// With --demo: the simulated Shelly Pro 3 (relay-sim) whose switches 0, 1, 2 open the
    /// front door, the workshop and the office. Without it the demo doors cannot be unlocked.
    #[arg(long, requires = "demo")]
    relay_url: Option<Url>,
    /// The SQLite database (created if missing).
    #[arg(long, default_value = "frontdoor-hub.sqlite")]
    db: PathBuf,
}

fn cobot_token() -> Option<AccessToken> {
    if let Some(t) = std::env::var("FRONTDOOR_HUB_COBOT_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Some(AccessToken::new(t.trim()));
    }
    let dir = std::env::var_os("CREDENTIALS_DIRECTORY")?;
    let text = std::fs::read_to_string(PathBuf::from(dir).join("cobot-token")).ok()?;
    Some(AccessToken::new(text.trim())).filter(|t| !t.secret().is_empty())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("frontdoor-hub: {e}");
                return std::process::ExitCode::from(2);
            }
        },
        None => Config::demo_with_relay(&args.cobot_url, args.relay_url.as_ref()),
    };
    let store = match Store::open(&args.db) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("frontdoor-hub: {}: {e}", args.db.display());
            return std::process::ExitCode::from(1);
        }
    };
    let token = cobot_token();
    if token.is_none() {
        eprintln!(
            "frontdoor-hub: no Cobot token (FRONTDOOR_HUB_COBOT_TOKEN): members can join but the hub cannot sync"
        );
    }
    let setup = Setup {
        store,
        cobot_token: token,
        scheduled_sync: true,
        secrets: frontdoor_hub::doors::environment_secrets(),
        ..Setup::detached()
    };
    let hub = match frontdoor_hub::spawn_with(config.clone(), setup, args.listen).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("frontdoor-hub: cannot start on {}: {e}", args.listen);
            return std::process::ExitCode::from(1);
        }
    };
    println!(
        "frontdoor-hub serving space {} ({}) at {}",
        config.space.name, config.space.subdomain, hub.base_url
    );
    println!(
        "join link: frontdoor://join?space={}&hub={}",
        config.space.subdomain,
        hub.base_url.as_str().trim_end_matches('/')
    );
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
}
