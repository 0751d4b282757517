//! The stand-in Binance as a process, for tests in other languages (python/tests/test_live.py):
//!
//! ```text
//! live-stand-in CSV SYMBOL RATE [FAULT…]
//!     FAULT: drop:N | stall:N | duplicate:N | swap:N | hole:FROM:LEN | gap:FIRST_ID:LAST_ID
//! ```
//!
//! serves the spot trades of the aggTrades CSV (positions are indexes into it; `gap` takes agg_trade_ids: an
//! exchange gap, ids neither the socket nor REST ever serves) at RATE per second on
//! 127.0.0.1, prints `WS_URL REST_URL` on one line, and serves until standard input closes (or 60 s); then
//! prints `CONNECTIONS REST_REQUESTS SENT` (what it saw) on a second line.

use std::io::{BufRead, Write};

use barsmith_test_support::live_server::{Fault, Market, Script, StandIn, trades_from_csv};

fn fault(text: &str) -> Fault {
    let parts: Vec<&str> = text.split(':').collect();
    let number = |i: usize| -> usize { parts.get(i).and_then(|p| p.parse().ok()).unwrap_or_else(|| usage(text)) };
    match parts[0] {
        "drop" => Fault::Drop { after: number(1) },
        "stall" => Fault::Stall { after: number(1) },
        "duplicate" => Fault::Duplicate { at: number(1) },
        "swap" => Fault::Swap { at: number(1) },
        "hole" => Fault::Hole { from: number(1), len: number(2) },
        "gap" => Fault::ExchangeGap { first: number(1) as i64, last: number(2) as i64 },
        _ => usage(text),
    }
}

fn usage(text: &str) -> ! {
    eprintln!(
        "live-stand-in: bad argument {text:?}; usage: live-stand-in CSV SYMBOL RATE [drop:N|stall:N|duplicate:N|swap:N|hole:FROM:LEN|gap:FIRST_ID:LAST_ID]…"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        usage("");
    }
    let csv = std::fs::read(&args[0]).unwrap_or_else(|e| usage(&format!("{}: {e}", args[0])));
    let rate: f64 = args[2].parse().unwrap_or_else(|_| usage(&args[2]));
    let mut script = Script::new(Market::Spot, trades_from_csv(&args[1], &csv), rate);
    script.faults = args[3..].iter().map(|a| fault(a)).collect();
    let server = StandIn::start(script);
    println!("{} {}", server.ws_url, server.rest_url);
    std::io::stdout().flush().expect("stdout");
    let mut line = String::new();
    while std::io::stdin().lock().read_line(&mut line).is_ok_and(|n| n > 0) {
        line.clear();
    }
    let counters = server.counters();
    let load = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    println!("{} {} {}", load(&counters.connections), load(&counters.rest_requests), load(&counters.sent));
    drop(server);
}
