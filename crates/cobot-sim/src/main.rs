//! `cobot-sim`: run the Cobot simulator for manual testing. See `--help`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use cobot_sim::{demo, large, Seed, SimConfig};
use url::Url;

const HELP: &str = "\
cobot-sim: a local stand-in for Cobot's OAuth 2 / OpenID Connect provider and user API.

One server plays www.cobot.me (the base URL), <subdomain>.cobot.me ({base}/sub/{subdomain})
and api.cobot.me ({base}/api2). The control API for tests lives under {base}/_sim/.

It starts seeded with the demo data: the space `lighthouse` (Lighthouse Coworking) with plans,
custom fields and the memberships of alex@example.com (member), sam@example.com (member and
admin), riley@example.com (ended), kim@example.com (pending) and Noah Fischer (no user account);
jo@example.com has no membership. OAuth clients: the public `frontdoor-app` and the confidential
`frontdoor-hub` (secret `demo-hub-secret`, as client_secret in the body or HTTP Basic). More
clients can register at {base}/oauth/register (RFC 7591). For example:

    cobot-sim --listen 127.0.0.1:8480
    frontdoor-hub --demo --cobot-url http://127.0.0.1:8480 --listen 127.0.0.1:8481

USAGE:
    cobot-sim [OPTIONS]

OPTIONS:
    --listen ADDR        Socket address to bind [default: 127.0.0.1:8480]
    --public-url URL     Base URL as clients see it, e.g. behind a proxy or port forward
                         [default: http://<listen address>]
    --code-ttl SECS      Lifetime of authorization codes in seconds [default: 60]
    --require-pkce       Refuse authorization requests without a PKCE challenge
                         (Cobot supports PKCE but does not enforce it)
    --no-auto-login-hint Always show the sign-in page, even when login_hint names a demo user
    --start-at TIME      Start the simulated clock at TIME (RFC 3339, e.g. 2026-11-23T09:00:00Z)
                         instead of the wall clock; it runs on from there
    --bulk-members N     Add N synthetic members (mem-bulk-00001…) for sync benchmarks
    --webhook-retry-base SECS
                         Wait before the first webhook retry, doubling after each
                         [default: 70, i.e. Cobot's 10 retries over ~20 hours]
    -h, --help           Print this help
    -V, --version        Print the version

Log verbosity follows RUST_LOG (default: info). Tokens and codes are never logged in full.
";

struct Args {
    listen: SocketAddr,
    config: SimConfig,
    bulk_members: usize,
}

/// A command line the simulator cannot run with, in words naming the option.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

impl From<String> for Usage {
    fn from(words: String) -> Usage {
        Usage(words)
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, Usage> {
    let mut listen: SocketAddr = "127.0.0.1:8480".parse().expect("valid default address");
    let mut config = SimConfig::default();
    let mut bulk_members = 0;
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs {what}"))
        };
        match name.as_str() {
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("cobot-sim {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "--listen" => {
                let v = value("an address such as 127.0.0.1:8480")?;
                listen = v.parse().map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--public-url" => {
                let v = value("a URL such as http://127.0.0.1:8480")?;
                config.public_url = Some(Url::parse(&v).map_err(|e| format!("--public-url {v}: {e}"))?);
            }
            "--code-ttl" => {
                let v = value("a number of seconds")?;
                config.code_ttl = Duration::from_secs(v.parse().map_err(|e| format!("--code-ttl {v}: {e}"))?);
            }
            "--start-at" => {
                let v = value("an instant such as 2026-11-23T09:00:00Z")?;
                config.start_at = Some(v.parse().map_err(|e| format!("--start-at {v}: {e}"))?);
            }
            "--bulk-members" => {
                let v = value("a number of members")?;
                bulk_members = v.parse().map_err(|e| format!("--bulk-members {v}: {e}"))?;
            }
            "--webhook-retry-base" => {
                let v = value("a number of seconds")?;
                config.webhook_retry_base =
                    Duration::from_secs(v.parse().map_err(|e| format!("--webhook-retry-base {v}: {e}"))?);
            }
            "--require-pkce" => config.require_pkce = true,
            "--no-auto-login-hint" => config.auto_login_hint = false,
            other => return Err(Usage::from(format!("unknown argument {other}"))),
        }
    }
    Ok(Some(Args {
        listen,
        config,
        bulk_members,
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => return ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cobot-sim: {message}\nTry `cobot-sim --help`.");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let seed = if args.bulk_members > 0 {
        large(args.bulk_members)
    } else {
        demo()
    };
    let running = match cobot_sim::spawn_with_seed(args.config, seed.clone(), args.listen).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("cobot-sim: cannot serve on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    print_banner(&running.issuer(), &seed);

    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("cobot-sim: cannot wait for Ctrl-C: {e}");
    }
    tracing::info!("shutting down");
    match running.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cobot-sim: server error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Users listed by name in the banner; the rest are counted.
const BANNER_USERS: usize = 8;

/// The URLs and demo data a person needs to point an app at the simulator.
fn print_banner(base: &str, seed: &Seed) {
    println!("cobot-sim is serving at {base}/\n");
    println!("Global discovery:   {base}/.well-known/openid-configuration");
    for space in &seed.spaces {
        println!(
            "Space discovery:    {base}/sub/{}/.well-known/openid-configuration   ({})",
            space.subdomain, space.name
        );
    }
    println!("Space URL template: {base}/sub/{{subdomain}}");
    println!("Control API:        {base}/_sim/   (not part of Cobot)\n");
    println!("Demo users (sign in by clicking, typing the email, or login_hint=<email or id>):");
    for user in seed.users.iter().take(BANNER_USERS) {
        let member: Vec<String> = seed
            .memberships
            .iter()
            .filter(|m| m.user_id.as_deref() == Some(user.id.as_str()))
            .map(|m| format!("member of {} ({})", m.space_subdomain, m.id))
            .chain(
                seed.admins
                    .iter()
                    .filter(|a| a.user_id == user.id)
                    .map(|a| format!("admin of {}", a.space_subdomain)),
            )
            .collect();
        let roles = if member.is_empty() {
            "no membership".to_string()
        } else {
            member.join(", ")
        };
        println!("  {:<10} {:<18} {:<12} {roles}", user.id, user.email, user.name);
    }
    if seed.users.len() > BANNER_USERS {
        println!("  … and {} more", seed.users.len() - BANNER_USERS);
    }
    println!();
    for client in &seed.clients {
        let kind = if client.secret.is_some() {
            "confidential"
        } else {
            "public, no secret"
        };
        println!("OAuth client:  {} ({kind})", client.client_id);
        println!("  redirect URIs: {}", client.redirect_uris.join("  "));
        println!("  scopes:        {}", client.scopes.join(" "));
    }
    println!("\nPress Ctrl-C to stop.");
}

#[cfg(test)]
mod tests {
    use super::parse_args;

    fn parse(args: &[&str]) -> Result<Option<super::Args>, String> {
        parse_args(args.iter().map(|s| s.to_string())).map_err(|e| e.to_string())
    }

    #[test]
    fn options_take_separate_or_inline_values() {
        let args = parse(&["--listen", "0.0.0.0:9000", "--code-ttl=5", "--require-pkce"])
            .unwrap()
            .unwrap();
        assert_eq!(args.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(args.config.code_ttl.as_secs(), 5);
        assert!(args.config.require_pkce);
        assert!(args.config.public_url.is_none());
        assert_eq!(args.bulk_members, 0);
    }

    #[test]
    fn bulk_members_the_retry_base_and_the_clock_start_are_options() {
        let args = parse(&[
            "--bulk-members",
            "10000",
            "--webhook-retry-base=1",
            "--start-at",
            "2026-11-23T09:00:00Z",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(args.bulk_members, 10_000);
        assert_eq!(args.config.webhook_retry_base.as_secs(), 1);
        assert_eq!(
            args.config.start_at.map(|t| t.to_string()).as_deref(),
            Some("2026-11-23T09:00:00Z")
        );
    }

    #[test]
    fn unknown_arguments_and_missing_values_are_errors() {
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--listen"]).is_err());
        assert!(parse(&["--public-url", "not a url"]).is_err());
    }
}
