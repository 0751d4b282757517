//! The live source against the stand-in Binance (127.0.0.1 only): every trade once, in id order, under each
//! scripted fault alone, all together, and a proptest over fault schedules; exchange gaps reported.
#![cfg(feature = "live")]

use std::time::{Duration, Instant};

use barsmith_binance::live::{LiveConfig, LiveEvent, LiveSink, Market, run};
use barsmith_core::Trade;
use barsmith_test_support::live_faults::every_fault;
use barsmith_test_support::live_server::{self, Fault, Script, StandIn};
use barsmith_test_support::trades::tick_walk;
use proptest::prelude::*;

struct Collect {
    trades: Vec<Vec<Trade>>,
    events: Vec<LiveEvent>,
    deadline: Instant,
}

impl LiveSink for Collect {
    type Error = String;

    fn trades(&mut self, symbol: usize, trades: &[Trade]) -> Result<(), String> {
        self.trades[symbol].extend_from_slice(trades);
        Ok(())
    }

    fn event(&mut self, event: &LiveEvent) {
        self.events.push(event.clone());
    }

    fn tick(&mut self) -> Result<bool, String> {
        if Instant::now() > self.deadline {
            let last = self.trades.iter().map(|t| t.last().map(|t| t.agg_trade_id)).collect::<Vec<_>>();
            return Err(format!("the test's deadline passed: last ids {last:?}, events {:?}", self.events));
        }
        Ok(false)
    }
}

fn config(server: &StandIn, market: Market, symbols: &[&str]) -> LiveConfig {
    let mut config = LiveConfig::new(market, symbols.iter().map(|s| s.to_string()).collect());
    config.ws_url = server.ws_url.clone();
    config.rest_url = server.rest_url.clone();
    config.stall_timeout = Duration::from_millis(300);
    config.hole_wait = Duration::from_millis(30);
    config.backoff_initial = Duration::from_millis(10);
    config.backoff_max = Duration::from_millis(100);
    config.max_reconnect_attempts = Some(20);
    config.io_timeout = Duration::from_secs(2);
    config
}

fn script(trades: usize, faults: Vec<Fault>) -> (Script, Vec<Trade>) {
    let list = tick_walk(trades, 7, 10_000_000_000);
    let mut script =
        Script::new(live_server::Market::Spot, list.iter().map(|t| ("BTCUSDT".to_string(), *t)).collect(), 20_000.0);
    script.faults = faults;
    script.lifetime = Duration::from_secs(30);
    (script, list)
}

/// Runs the live source over `script` from id 1 to the last id; returns what it handed on and reported.
fn collect(script: Script, adjust: impl FnOnce(&mut LiveConfig)) -> (Vec<Trade>, Vec<LiveEvent>, u64) {
    let last = script.trades.last().unwrap().1.agg_trade_id;
    let server = StandIn::start(script);
    let mut config = config(&server, Market::Spot, &["BTCUSDT"]);
    adjust(&mut config);
    let mut sink =
        Collect { trades: vec![Vec::new()], events: Vec::new(), deadline: Instant::now() + Duration::from_secs(20) };
    if let Err(e) = run(&config, &[Some(1)], (Some(last), None), &mut sink) {
        let c = server.counters();
        panic!("{e}; server sent {:?} over {:?} connections", c.sent, c.connections);
    }
    let pongs = server.counters().pongs.load(std::sync::atomic::Ordering::Relaxed);
    (sink.trades.pop().unwrap(), sink.events, pongs)
}

fn ids(trades: &[Trade]) -> Vec<i64> {
    trades.iter().map(|t| t.agg_trade_id).collect()
}

fn assert_every_trade_once(faults: Vec<Fault>) -> Vec<LiveEvent> {
    let (script, list) = script(2_000, faults.clone());
    let (got, events, _) = collect(script, |_| {});
    assert_eq!(ids(&got), ids(&list), "faults {faults:?}");
    assert_eq!(got, list, "faults {faults:?}");
    events
}

#[test]
fn no_fault_every_trade_once_and_pings_answered() {
    let (script, list) = script(3_000, Vec::new());
    let (got, _, pongs) = collect(script, |_| {});
    assert_eq!(got, list);
    assert!(pongs > 0, "no pong answered the server's pings");
}

#[test]
fn a_dropped_connection_is_reconnected_and_the_hole_filled_by_rest() {
    let events = assert_every_trade_once(vec![Fault::Drop { after: 500 }, Fault::Drop { after: 1_200 }]);
    assert!(events.iter().any(|e| matches!(e, LiveEvent::Disconnected { .. })), "{events:?}");
}

#[test]
fn a_silent_socket_is_declared_dead_after_the_stall_timeout() {
    let events = assert_every_trade_once(vec![Fault::Stall { after: 700 }]);
    assert!(
        events.iter().any(|e| matches!(e, LiveEvent::Disconnected { reason, .. } if reason.contains("stall_timeout"))),
        "{events:?}"
    );
}

#[test]
fn duplicates_and_swapped_neighbours_come_out_once_in_order() {
    assert_every_trade_once(vec![
        Fault::Duplicate { at: 300 },
        Fault::Swap { at: 600 },
        Fault::Duplicate { at: 1_999 },
    ]);
}

#[test]
fn a_hole_only_rest_can_fill() {
    assert_every_trade_once(vec![Fault::Hole { from: 800, len: 40 }, Fault::Hole { from: 1_990, len: 10 }]);
}

#[test]
fn rest_429_and_503_are_waited_out() {
    let events = assert_every_trade_once(vec![
        Fault::RateLimit { requests: 2, retry_after_s: 0 },
        Fault::ServerError { requests: 3 },
        Fault::Drop { after: 400 },
    ]);
    assert!(events.iter().any(|e| matches!(e, LiveEvent::RateLimited { .. })), "{events:?}");
}

#[test]
fn server_shutdown_replaces_the_connection_new_one_first() {
    let events =
        assert_every_trade_once(vec![Fault::ServerShutdown { after: 900, close_after: Duration::from_millis(100) }]);
    assert!(events.iter().filter(|e| matches!(e, LiveEvent::Connected { .. })).count() >= 2, "{events:?}");
}

#[test]
fn an_aging_connection_is_replaced_with_overlap() {
    let (script, list) = script(3_000, Vec::new());
    let (got, events, _) = collect(script, |c| c.max_connection_age = Duration::from_millis(40));
    assert_eq!(got, list);
    assert!(events.iter().filter(|e| matches!(e, LiveEvent::Connected { .. })).count() >= 2, "{events:?}");
}

#[test]
fn every_fault_together() {
    assert_every_trade_once(every_fault(2_000, 0));
}

#[test]
fn an_exchange_gap_is_reported_and_skipped_not_looped_on() {
    let (script, list) =
        script(2_000, vec![Fault::ExchangeGap { first: 1_001, last: 1_010 }, Fault::Drop { after: 1_500 }]);
    let (got, events, _) = collect(script, |_| {});
    let expected: Vec<Trade> = list.into_iter().filter(|t| !(1_001..=1_010).contains(&t.agg_trade_id)).collect();
    assert_eq!(got, expected);
    let gaps: Vec<&LiveEvent> = events.iter().filter(|e| matches!(e, LiveEvent::ExchangeGap { .. })).collect();
    assert_eq!(gaps, [&LiveEvent::ExchangeGap { symbol: "BTCUSDT".into(), first: 1_001, last: 1_010 }]);
}

#[test]
fn usd_m_streams_are_read_on_the_routed_market_path_in_milliseconds() {
    let (mut script, list) = script(1_000, vec![Fault::Drop { after: 300 }]);
    script.market = live_server::Market::UsdM;
    let server = StandIn::start(script);
    let config = config(&server, Market::UsdM, &["btcusdt"]);
    let mut sink =
        Collect { trades: vec![Vec::new()], events: Vec::new(), deadline: Instant::now() + Duration::from_secs(20) };
    run(&config, &[Some(1)], (Some(1_000), None), &mut sink).unwrap();
    assert_eq!(sink.trades[0], list);
}

#[test]
fn two_symbols_on_one_combined_stream_without_a_start() {
    let a = tick_walk(1_000, 1, 10_000_000_000);
    let b = tick_walk(1_000, 2, 20_000_000_000);
    let mixed: Vec<(String, Trade)> =
        a.iter().zip(&b).flat_map(|(x, y)| [("AAAUSDT".to_string(), *x), ("BBBUSDT".to_string(), *y)]).collect();
    let mut script = Script::new(live_server::Market::Spot, mixed, 20_000.0);
    script.faults = vec![Fault::Drop { after: 700 }, Fault::Hole { from: 1_200, len: 9 }];
    let server = StandIn::start(script);
    let config = config(&server, Market::Spot, &["AAAUSDT", "BBBUSDT"]);
    let mut sink = Collect {
        trades: vec![Vec::new(), Vec::new()],
        events: Vec::new(),
        deadline: Instant::now() + Duration::from_secs(20),
    };
    run(&config, &[None, Some(1)], (Some(1_000), None), &mut sink).unwrap();
    // Without a start, symbol 0 begins at the first trade the socket delivered, then continues without a hole.
    let first = sink.trades[0][0].agg_trade_id;
    assert_eq!(sink.trades[0], a[(first - 1) as usize..]);
    assert_eq!(sink.trades[1], b);
}

fn fault_strategy() -> impl Strategy<Value = Fault> {
    prop_oneof![
        (50usize..1_400).prop_map(|after| Fault::Drop { after }),
        (50usize..1_400).prop_map(|after| Fault::Stall { after }),
        (0usize..1_499).prop_map(|at| Fault::Duplicate { at }),
        (0usize..1_498).prop_map(|at| Fault::Swap { at }),
        (0usize..1_450, 1usize..40).prop_map(|(from, len)| Fault::Hole { from, len }),
        (1usize..3).prop_map(|requests| Fault::RateLimit { requests, retry_after_s: 0 }),
        (50usize..1_400).prop_map(|after| Fault::ServerShutdown { after, close_after: Duration::from_millis(20) }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_trade_once_under_any_fault_schedule(faults in prop::collection::vec(fault_strategy(), 1..5)) {
        let (script, list) = script(1_500, faults);
        let (got, _, _) = collect(script, |_| {});
        prop_assert_eq!(ids(&got), ids(&list));
    }
}
