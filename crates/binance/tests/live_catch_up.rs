//! A long REST catch-up lets the sink tick (checkpoint, stop) between pages, so that a crash during it does not
//! lose all of it and a stop does not wait for its end (127.0.0.1 only).
#![cfg(feature = "live")]

use std::time::{Duration, Instant};

use barsmith_binance::live::{LiveConfig, LiveEvent, LiveSink, Market, run};
use barsmith_core::Trade;
use barsmith_test_support::live_server::{self, Script, StandIn};
use barsmith_test_support::trades::tick_walk;

/// Counts trades, and the trades held at each tick; stops at `stop_after` trades.
struct Ticks {
    trades: u64,
    at_ticks: Vec<u64>,
    stop_after: Option<u64>,
    deadline: Instant,
}

impl LiveSink for Ticks {
    type Error = String;

    fn trades(&mut self, _symbol: usize, trades: &[Trade]) -> Result<(), String> {
        self.trades += trades.len() as u64;
        Ok(())
    }

    fn event(&mut self, _event: &LiveEvent) {}

    fn tick(&mut self) -> Result<bool, String> {
        self.at_ticks.push(self.trades);
        if Instant::now() > self.deadline {
            return Err(format!("the test's deadline passed at {} trades", self.trades));
        }
        Ok(self.stop_after.is_some_and(|n| self.trades >= n))
    }
}

/// 5000 trades all published at once, fetched by REST in pages of 100 from id 1.
fn catch_up(stop_after: Option<u64>) -> Ticks {
    let list = tick_walk(5_000, 7, 10_000_000_000);
    let last = list.last().unwrap().agg_trade_id;
    let trades = list.iter().map(|t| ("BTCUSDT".to_string(), *t)).collect();
    let mut script = Script::new(live_server::Market::Spot, trades, 1e9);
    script.lifetime = Duration::from_secs(30);
    let server = StandIn::start(script);
    std::thread::sleep(Duration::from_millis(20));
    let mut config = LiveConfig::new(Market::Spot, vec!["BTCUSDT".into()]);
    config.ws_url = server.ws_url.clone();
    config.rest_url = server.rest_url.clone();
    config.rest_page_limit = 100;
    config.max_reconnect_attempts = Some(5);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut sink = Ticks { trades: 0, at_ticks: Vec::new(), stop_after, deadline };
    run(&config, &[Some(1)], (Some(last), None), &mut sink).unwrap();
    sink
}

#[test]
fn the_sink_ticks_between_the_pages_of_a_catch_up() {
    let sink = catch_up(None);
    assert_eq!(sink.trades, 5_000);
    let between: Vec<&u64> = sink.at_ticks.iter().filter(|&&n| n > 0 && n < 5_000).collect();
    assert!(between.len() >= 40, "ticks during the catch-up at {:?}", sink.at_ticks);
}

#[test]
fn a_stop_during_a_catch_up_ends_it_at_the_next_page() {
    let sink = catch_up(Some(1_000));
    assert!((1_000..1_200).contains(&sink.trades), "stopped after {} trades", sink.trades);
}
