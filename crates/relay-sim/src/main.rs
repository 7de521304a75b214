//! `relay-sim`: a simulated Shelly Pro 1 for the demo. It listens where the demo hub's door points
//! and prints every pulse, so a person tapping "Unlock" sees the relay click.

use std::net::SocketAddr;
use std::time::Instant;

use relay_sim::ShellyDouble;

const USAGE: &str = "usage: relay-sim [--listen 127.0.0.1:8482]

A simulated Shelly Pro 3 (Gen2 JSON-RPC, no password, switches 0, 1, 2) for the
Frontdoor demo. It prints a line each time a switch turns on and off.";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut listen: SocketAddr = "127.0.0.1:8482".parse().expect("constant address");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(value)) => match value.parse() {
                Ok(addr) => listen = addr,
                Err(_) => fail(&format!("--listen: “{value}” is not an address such as 127.0.0.1:8482")),
            },
            ("--help" | "-h", _) => {
                println!("{USAGE}");
                return;
            }
            _ => fail(&format!("unknown argument “{arg}”")),
        }
    }
    let double = ShellyDouble::start_with_channels(listen, CHANNELS).await;
    println!("relay-sim: a Shelly Pro 3 double at {}", double.url());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for channel in 0..CHANNELS {
        let mut relay = double.watch(channel);
        tasks.push(tokio::spawn(async move {
            while relay.changed().await.is_ok() {
                let on = *relay.borrow_and_update();
                let at = started.elapsed().as_secs_f64();
                if on {
                    println!("relay-sim: [{at:8.3} s] switch {channel} ON  — the door's strike is released");
                } else {
                    println!("relay-sim: [{at:8.3} s] switch {channel} OFF — the door locks again");
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
}

/// Switches: the demo's front door, workshop and office.
const CHANNELS: u32 = 3;

fn fail(message: &str) -> ! {
    eprintln!("relay-sim: {message}\n\n{USAGE}");
    std::process::exit(2);
}
