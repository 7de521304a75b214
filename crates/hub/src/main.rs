//! `frontdoor-hub` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use frontdoor_hub::Config;
use url::Url;

/// Frontdoor's hub: the space's own trusted service that the Frontdoor app talks to.
///
/// Run it with a configuration file, or with --demo against a running cobot-sim:
///
///   cobot-sim --listen 127.0.0.1:8480 &
///   frontdoor-hub --demo --cobot-url http://127.0.0.1:8480 --listen 127.0.0.1:8481
///
/// Then join from the app with frontdoor://join?space=lighthouse&hub=http://127.0.0.1:8481
#[derive(Parser, Debug)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8481")]
    listen: SocketAddr,
    /// Configuration file (TOML) with [space] and [cobot] sections.
    #[arg(long, conflicts_with = "demo", required_unless_present = "demo")]
    config: Option<PathBuf>,
    /// Serve the demo space `lighthouse` from cobot-sim instead of a configuration file.
    #[arg(long)]
    demo: bool,
    /// cobot-sim's base URL, with --demo.
    #[arg(long, default_value = "http://127.0.0.1:8480")]
    cobot_url: Url,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let config = match (&args.config, args.demo) {
        (Some(path), _) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("frontdoor-hub: {e}");
                return std::process::ExitCode::from(2);
            }
        },
        (None, _) => Config::demo(&args.cobot_url),
    };
    let hub = match frontdoor_hub::spawn(config.clone(), args.listen).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("frontdoor-hub: cannot listen on {}: {e}", args.listen);
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
