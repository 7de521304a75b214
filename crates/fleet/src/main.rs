//! `frontdoor-fleet --config fleet.toml`: the operator's fleet service.
//! `frontdoor-fleet hash-token`: reads a staff API token on stdin, prints its `token_sha256`.
//! `frontdoor-fleet hash-password`: reads a NATS password on stdin, prints its bcrypt hash.
//! `frontdoor-fleet nats-config`: prints nats-server's `authorization` block for the fleet and
//! each of its hubs, each allowed only its own subjects.

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
    /// Prints the bcrypt hash of a NATS password read from standard input.
    HashPassword,
    /// Prints nats-server's `authorization` block for the configuration's fleet and hubs.
    NatsConfig,
}

fn read_secret() -> Option<String> {
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() || line.trim().is_empty() {
        eprintln!("Type it (or pipe it in), then Enter.");
        return None;
    }
    Some(line.trim().to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    match args.command {
        Some(Command::HashToken) => {
            let Some(token) = read_secret() else {
                return ExitCode::FAILURE;
            };
            println!("{}", ApiToken::new(&token).hash());
            return ExitCode::SUCCESS;
        }
        Some(Command::HashPassword) => {
            let Some(password) = read_secret() else {
                return ExitCode::FAILURE;
            };
            return match frontdoor_fleet::accounts::hash_password(&password, bcrypt::DEFAULT_COST) {
                Ok(hash) => {
                    println!("{hash}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            };
        }
        Some(Command::NatsConfig) | None => {}
    }
    let config = match frontdoor_fleet::Config::load(&args.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{}: {e}", args.config.display());
            return ExitCode::FAILURE;
        }
    };
    if let Some(Command::NatsConfig) = args.command {
        return match frontdoor_fleet::accounts::nats_authorization(&config) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let secrets = frontdoor_fleet::Secrets {
        postgres_password: std::env::var("FRONTDOOR_FLEET_PG_PASSWORD").ok(),
        nats_password: std::env::var("FRONTDOOR_FLEET_NATS_PASSWORD").ok(),
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
