//! `frontdoor-fleet --config fleet.toml`: the operator's fleet service.
//! `frontdoor-fleet hash-token`: reads a staff API token on stdin, prints its `token_sha256`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use frontdoor_fleet::staff::ApiToken;

#[derive(Parser)]
#[command(about = "Frontdoor's fleet: one console for an operator's spaces")]
struct Args {
    /// The configuration file.
    #[arg(long, default_value = "/etc/frontdoor/fleet.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the `token_sha256` of a token read from standard input.
    HashToken,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    if let Some(Command::HashToken) = args.command {
        let mut token = String::new();
        if std::io::stdin().read_line(&mut token).is_err() || token.trim().is_empty() {
            eprintln!("Type the token (or pipe it in), then Enter.");
            return ExitCode::FAILURE;
        }
        println!("{}", ApiToken::new(token.trim()).hash());
        return ExitCode::SUCCESS;
    }
    let config = match frontdoor_fleet::Config::load(&args.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{}: {e}", args.config.display());
            return ExitCode::FAILURE;
        }
    };
    let secrets = frontdoor_fleet::Secrets {
        postgres_password: std::env::var("FRONTDOOR_FLEET_PG_PASSWORD").ok(),
        nats_token: std::env::var("FRONTDOOR_FLEET_NATS_TOKEN").ok(),
    };
    let mut fleet = match frontdoor_fleet::start(config, secrets).await {
        Ok(fleet) => fleet,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("the fleet's console API listens on {}", fleet.addr);
    let _ = tokio::signal::ctrl_c().await;
    fleet.stop().await;
    ExitCode::SUCCESS
}
