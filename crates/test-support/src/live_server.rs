//! A stand-in Binance for the tests of `barsmith live` (cargo feature `live-server`): a WebSocket server
//! (combined aggTrade streams, as `/stream?streams=…` or USD-M's `/market/stream?streams=…`) and a REST
//! `aggTrades` endpoint, both on 127.0.0.1 with ephemeral ports, serving a list of trades "published" at a set
//! rate, with scripted faults ([`Fault`]). Every loop is bounded by [`Script::lifetime`] and every socket has a
//! timeout; nothing but 127.0.0.1 is ever touched.
//!
//! The clock: trade `i` of the list is published `i / rate` seconds after the server starts. A connection sends
//! the trades published after it opened (as Binance does: no replay), REST answers with the published ones.

use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use barsmith_core::{SCALE, Trade, format_scaled_i128};
use tungstenite::{Message, WebSocket};

/// Which market's paths and time unit the stand-in speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Market {
    /// `/stream`, `/api/v3/aggTrades`; µs when asked (`timeUnit=MICROSECOND`, `X-MBX-TIME-UNIT`).
    Spot,
    /// `/market/stream` (the bare `/stream` accepts and stays silent, as Binance's retired path), `/fapi/v1`; ms.
    UsdM,
    /// `/stream`, `/dapi/v1/aggTrades`; ms.
    CoinM,
}

/// A scripted fault. Positions are indexes into [`Script::trades`]; each fault fires once (on the first
/// connection that reaches it) unless said otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// After sending trade `after`, the TCP connection is cut (no close frame).
    Drop { after: usize },
    /// After sending trade `after`, the connection goes silent (no data, no pings) but stays open.
    Stall { after: usize },
    /// Trade `at` is sent twice.
    Duplicate { at: usize },
    /// Trades `at` and `at + 1` are sent in swapped order.
    Swap { at: usize },
    /// No connection ever sends trades `from..from + len`; REST has them.
    Hole { from: usize, len: usize },
    /// The first `requests` REST requests are answered 429 with `Retry-After: retry_after_s`.
    RateLimit { requests: usize, retry_after_s: u64 },
    /// The first `requests` REST requests are answered 503.
    ServerError { requests: usize },
    /// After trade `after`, a `serverShutdown` event, and the connection is closed `close_after` later.
    ServerShutdown { after: usize, close_after: Duration },
    /// Agg ids `first..=last` were never published: neither the socket nor REST has them (every connection).
    ExchangeGap { first: i64, last: i64 },
}

/// What the stand-in serves.
#[derive(Clone, Debug)]
pub struct Script {
    /// The market.
    pub market: Market,
    /// `(symbol, trade)` in publishing order (ids increase per symbol).
    pub trades: Vec<(String, Trade)>,
    /// Trades published per second.
    pub rate: f64,
    /// The faults.
    pub faults: Vec<Fault>,
    /// Server pings every this often (`None`: never).
    pub ping_every: Option<Duration>,
    /// Every thread of the server ends after this long.
    pub lifetime: Duration,
}

impl Script {
    /// `trades` of `market` at `rate` per second, no faults, pings every 100 ms, a lifetime of 60 s.
    pub fn new(market: Market, trades: Vec<(String, Trade)>, rate: f64) -> Script {
        Script {
            market,
            trades,
            rate,
            faults: Vec::new(),
            ping_every: Some(Duration::from_millis(100)),
            lifetime: Duration::from_secs(60),
        }
    }
}

/// What the stand-in saw.
#[derive(Debug, Default)]
pub struct Counters {
    /// WebSocket connections accepted.
    pub connections: AtomicU64,
    /// Pongs received (answers to the server's pings).
    pub pongs: AtomicU64,
    /// REST requests.
    pub rest_requests: AtomicU64,
    /// Trades sent over sockets.
    pub sent: AtomicU64,
}

struct State {
    script: Script,
    started: Instant,
    stop: AtomicBool,
    fired: Mutex<Vec<bool>>,
    rest_seen: AtomicUsize,
    gap_ids: BTreeSet<(String, i64)>,
    counters: Counters,
}

impl State {
    fn published(&self) -> usize {
        let due = self.started.elapsed().as_secs_f64() * self.script.rate;
        (due as usize).min(self.script.trades.len())
    }

    fn over(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.started.elapsed() >= self.script.lifetime
    }

    /// Fires fault number `index` if it has not fired yet.
    fn fire(&self, index: usize) -> bool {
        let mut fired = self.fired.lock().unwrap();
        !std::mem::replace(&mut fired[index], true)
    }

    fn never_published(&self, symbol: &str, id: i64) -> bool {
        self.gap_ids.contains(&(symbol.to_string(), id))
    }
}

/// A running stand-in; stopped when dropped.
pub struct StandIn {
    /// `ws://127.0.0.1:PORT` (the client appends the market's path).
    pub ws_url: String,
    /// `http://127.0.0.1:PORT`.
    pub rest_url: String,
    state: Arc<State>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for StandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandIn").field("ws_url", &self.ws_url).field("rest_url", &self.rest_url).finish()
    }
}

impl StandIn {
    /// Starts serving `script` now (the publishing clock starts here).
    pub fn start(script: Script) -> StandIn {
        let mut gap_ids = BTreeSet::new();
        for fault in &script.faults {
            if let Fault::ExchangeGap { first, last } = fault {
                for (symbol, trade) in &script.trades {
                    if (*first..=*last).contains(&trade.agg_trade_id) {
                        gap_ids.insert((symbol.clone(), trade.agg_trade_id));
                    }
                }
            }
        }
        let state = Arc::new(State {
            fired: Mutex::new(vec![false; script.faults.len()]),
            script,
            started: Instant::now(),
            stop: AtomicBool::new(false),
            rest_seen: AtomicUsize::new(0),
            gap_ids,
            counters: Counters::default(),
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let ws_url = format!("ws://{}", listener.local_addr().unwrap());
        let http = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let rest_url = format!("http://{}", http.server_addr().to_ip().unwrap());
        let accept_state = Arc::clone(&state);
        let rest_state = Arc::clone(&state);
        let threads = vec![
            std::thread::spawn(move || accept_loop(listener, accept_state)),
            std::thread::spawn(move || rest_loop(http, rest_state)),
        ];
        StandIn { ws_url, rest_url, state, threads }
    }

    /// What the stand-in saw so far.
    pub fn counters(&self) -> &Counters {
        &self.state.counters
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut connections = Vec::new();
    while !state.over() {
        match listener.accept() {
            Ok((stream, _)) => {
                let state = Arc::clone(&state);
                connections.push(std::thread::spawn(move || serve_connection(stream, state)));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break,
        }
    }
    state.stop.store(true, Ordering::Relaxed);
    for connection in connections {
        let _ = connection.join();
    }
}

/// The symbols a request path subscribes to, and whether the path is the market's (else: silent).
fn subscription(path: &str, market: Market) -> (Vec<String>, bool, bool) {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let right_route = match market {
        Market::UsdM => route == "/market/stream",
        Market::Spot | Market::CoinM => route == "/stream",
    };
    let mut symbols = Vec::new();
    let mut micros = false;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("streams", list)) => {
                symbols = list.split('/').filter_map(|s| s.strip_suffix("@aggTrade")).map(str::to_uppercase).collect()
            }
            Some(("timeUnit", unit)) => micros = unit.eq_ignore_ascii_case("MICROSECOND"),
            _ => {}
        }
    }
    (symbols, right_route, micros && market == Market::Spot)
}

/// One trade as Binance's combined stream wraps it.
fn stream_message(symbol: &str, trade: &Trade, micros: bool) -> String {
    let time = trade_time(trade, micros);
    format!(
        r#"{{"stream":"{}@aggTrade","data":{{"e":"aggTrade","E":{time},"s":"{symbol}",{}}}}}"#,
        symbol.to_lowercase(),
        trade_fields(trade, micros)
    )
}

/// The trade's time as Binance sends it: microseconds or milliseconds.
fn trade_time(trade: &Trade, micros: bool) -> i64 {
    if micros { trade.timestamp_us } else { trade.timestamp_us / 1000 }
}

/// The fields of one aggTrade, `"a"` to `"M"`, as both the stream and REST send them.
fn trade_fields(trade: &Trade, micros: bool) -> String {
    format!(
        r#""a":{},"p":"{}","q":"{}","f":{},"l":{},"T":{},"m":{},"M":true"#,
        trade.agg_trade_id,
        format_scaled_i128(trade.price.0.into(), SCALE.into(), 8),
        format_scaled_i128(trade.quantity.0.into(), SCALE.into(), 8),
        trade.first_trade_id,
        trade.last_trade_id,
        trade_time(trade, micros),
        trade.is_buyer_maker
    )
}

fn serve_connection(stream: TcpStream, state: Arc<State>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut path = String::new();
    #[allow(clippy::result_large_err)] // tungstenite's callback type: its error is an HTTP response
    let callback = |request: &tungstenite::handshake::server::Request, response| {
        path = request.uri().to_string();
        Ok(response)
    };
    let Ok(ws) = tungstenite::accept_hdr(stream, callback) else { return };
    state.counters.connections.fetch_add(1, Ordering::Relaxed);
    let _ = ws.get_ref().set_read_timeout(Some(Duration::from_millis(1)));
    let (symbols, right_route, micros) = subscription(&path, state.script.market);
    let mut connection = Connection {
        ws,
        state: &state,
        symbols,
        micros,
        silent: !right_route,
        last_ping: Instant::now(),
        last_service: Instant::now(),
    };
    connection.run();
}

struct Connection<'a> {
    ws: WebSocket<TcpStream>,
    state: &'a State,
    symbols: Vec<String>,
    micros: bool,
    silent: bool,
    last_ping: Instant,
    last_service: Instant,
}

impl Connection<'_> {
    fn run(&mut self) {
        let mut next = self.state.published();
        let mut close_at: Option<Instant> = None;
        while !self.state.over() && close_at.is_none_or(|at| Instant::now() < at) {
            if !self.service() {
                return;
            }
            if self.silent || next >= self.state.script.trades.len() || next >= self.state.published() {
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
            match self.send_with_faults(next) {
                Step::Next(after) => next = after,
                Step::Cut => {
                    let _ = self.ws.get_ref().shutdown(Shutdown::Both);
                    return;
                }
                Step::CloseIn(after, delay) => {
                    next = after;
                    close_at = Some(Instant::now() + delay);
                }
            }
        }
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }

    /// Pings, and reads what the client sent (pongs, close). `false` when the client is gone.
    fn service(&mut self) -> bool {
        if let Some(every) = self.state.script.ping_every
            && !self.silent
            && self.last_ping.elapsed() >= every
        {
            self.last_ping = Instant::now();
            if self.ws.send(Message::Ping(Vec::new().into())).is_err() {
                return false;
            }
        }
        if self.last_service.elapsed() < Duration::from_millis(10) {
            return true;
        }
        self.last_service = Instant::now();
        loop {
            match self.ws.read() {
                Ok(Message::Pong(_)) => {
                    self.state.counters.pongs.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Message::Close(_)) => return false,
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return true;
                }
                Err(_) => return false,
            }
        }
    }

    fn send(&mut self, index: usize) -> bool {
        let (symbol, trade) = &self.state.script.trades[index];
        if !self.symbols.contains(symbol) || self.state.never_published(symbol, trade.agg_trade_id) {
            return true;
        }
        let in_hole = self
            .state
            .script
            .faults
            .iter()
            .any(|f| matches!(f, Fault::Hole { from, len } if (*from..from + len).contains(&index)));
        if in_hole {
            return true;
        }
        self.state.counters.sent.fetch_add(1, Ordering::Relaxed);
        self.ws.send(Message::Text(stream_message(symbol, trade, self.micros).into())).is_ok()
    }

    fn send_with_faults(&mut self, index: usize) -> Step {
        let faults = self.state.script.faults.clone();
        let last = self.state.script.trades.len() - 1;
        for (number, fault) in faults.iter().enumerate() {
            match *fault {
                Fault::Swap { at } if at == index && index < last && self.state.fire(number) => {
                    let ok = self.send(index + 1) && self.send(index);
                    return if ok { Step::Next(index + 2) } else { Step::Cut };
                }
                Fault::Duplicate { at } if at == index && self.state.fire(number) && !self.send(index) => {
                    return Step::Cut;
                }
                _ => {}
            }
        }
        if !self.send(index) {
            return Step::Cut;
        }
        for (number, fault) in faults.iter().enumerate() {
            match *fault {
                Fault::Drop { after } if after == index && self.state.fire(number) => return Step::Cut,
                Fault::Stall { after } if after == index && self.state.fire(number) => {
                    self.silent = true;
                }
                Fault::ServerShutdown { after, close_after } if after == index && self.state.fire(number) => {
                    let event = r#"{"e":"serverShutdown","E":1}"#;
                    let _ = self.ws.send(Message::Text(event.into()));
                    return Step::CloseIn(index + 1, close_after);
                }
                _ => {}
            }
        }
        Step::Next(index + 1)
    }
}

enum Step {
    Next(usize),
    Cut,
    CloseIn(usize, Duration),
}

fn rest_loop(server: tiny_http::Server, state: Arc<State>) {
    while !state.over() {
        let Ok(Some(request)) = server.recv_timeout(Duration::from_millis(20)) else { continue };
        state.counters.rest_requests.fetch_add(1, Ordering::Relaxed);
        let seen = state.rest_seen.fetch_add(1, Ordering::Relaxed);
        let (status, body, extra) = answer(&state, request.url(), seen);
        let mut response = tiny_http::Response::from_string(body).with_status_code(status);
        let weight = format!("{}", (seen + 1) * 2);
        response.add_header(tiny_http::Header::from_bytes("X-MBX-USED-WEIGHT-1m", weight).unwrap());
        response.add_header(tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap());
        if let Some((name, value)) = extra {
            response.add_header(tiny_http::Header::from_bytes(name, value).unwrap());
        }
        let _ = request.respond(response);
    }
}

fn answer(state: &State, url: &str, seen: usize) -> (u16, String, Option<(&'static str, String)>) {
    for fault in &state.script.faults {
        match *fault {
            Fault::RateLimit { requests, retry_after_s } if seen < requests => {
                return (
                    429,
                    r#"{"code":-1003,"msg":"Too many requests"}"#.into(),
                    Some(("Retry-After", retry_after_s.to_string())),
                );
            }
            Fault::ServerError { requests } if seen < requests => return (503, "unavailable".into(), None),
            _ => {}
        }
    }
    let path = match state.script.market {
        Market::Spot => "/api/v3/aggTrades",
        Market::UsdM => "/fapi/v1/aggTrades",
        Market::CoinM => "/dapi/v1/aggTrades",
    };
    let (route, query) = url.split_once('?').unwrap_or((url, ""));
    if route != path {
        return (404, format!("no route {route}"), None);
    }
    let (mut symbol, mut from, mut limit) = (String::new(), 0i64, 500usize);
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("symbol", s)) => symbol = s.to_string(),
            Some(("fromId", id)) => from = id.parse().unwrap_or(0),
            Some(("limit", n)) => limit = n.parse::<usize>().unwrap_or(500).min(1000),
            _ => {}
        }
    }
    // Spot answers in µs only when asked by header; the client always asks, so µs for spot.
    let micros = state.script.market == Market::Spot;
    let published = state.published();
    let rows: Vec<String> = state.script.trades[..published]
        .iter()
        .filter(|(s, t)| *s == symbol && t.agg_trade_id >= from && !state.never_published(s, t.agg_trade_id))
        .take(limit)
        .map(|(_, t)| format!("{{{}}}", trade_fields(t, micros)))
        .collect();
    (200, format!("[{}]", rows.join(",")), None)
}

/// The trades of a Binance aggTrades CSV (spot's 8 columns or futures' 7, no header), as `(symbol, trade)`,
/// timestamps normalised to µs as the batch path does.
pub fn trades_from_csv(symbol: &str, csv: &[u8]) -> Vec<(String, Trade)> {
    let text = std::str::from_utf8(csv).unwrap();
    text.lines()
        .filter(|line| !line.is_empty() && line.as_bytes()[0].is_ascii_digit())
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let trade = Trade {
                agg_trade_id: f[0].parse().unwrap(),
                price: barsmith_core::FixedPoint::parse(f[1].as_bytes()).unwrap(),
                quantity: barsmith_core::FixedPoint::parse(f[2].as_bytes()).unwrap(),
                first_trade_id: f[3].parse().unwrap(),
                last_trade_id: f[4].parse().unwrap(),
                timestamp_us: barsmith_core::normalize_timestamp_us(f[5].parse().unwrap()),
                is_buyer_maker: f[6].eq_ignore_ascii_case("true"),
            };
            (symbol.to_string(), trade)
        })
        .collect()
}
