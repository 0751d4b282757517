//! Binance's live aggTrade streams as an ordered, complete source of trades (cargo feature `live`).
//!
//! [`run`] opens one combined WebSocket stream for every symbol, fills every hole by REST `aggTrades` paging
//! (after the start, after any reconnect, and after any jump in ids), puts duplicates and out-of-order
//! deliveries back in id order within a bounded window, and hands each symbol's trades to a [`LiveSink`] in
//! strictly increasing id order, each id once. Ids that REST shows were never published are an exchange gap:
//! reported ([`LiveEvent::ExchangeGap`]) and skipped, never looped on. Building bars from the trades is
//! `barsmith`'s (`barsmith::live`); docs/LIVE.md describes the hand-off, the fault model and the guarantees.
//!
//! * [`message`]: the WebSocket message and REST page parsers.
//! * `socket`: one WebSocket connection (tungstenite over rustls with webpki roots), pings answered.
//! * `rest`: REST pages with `Retry-After`, the used-weight budget and bounded retries.
//! * `feed`: one symbol's cursor and reorder window; `driver`: the loop that ties them together.

mod driver;
mod feed;
pub mod message;
mod rest;
mod scan;
mod socket;

use std::time::Duration;

use barsmith_core::Named;

pub use crate::fetch::Market;
pub use driver::{LiveFailure, run};
pub use feed::FeedStats;

/// What a live run reads and how it behaves when things go wrong. Built with [`LiveConfig::new`] (the
/// market's endpoints and defaults), then adjusted.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    /// Which market.
    pub market: Market,
    /// The symbols (any case; Binance spells stream names in lower case).
    pub symbols: Vec<String>,
    /// The WebSocket base (`wss://stream.binance.com:9443`); the market's path is appended.
    pub ws_url: String,
    /// The REST base (`https://api.binance.com`); the market's path is appended.
    pub rest_url: String,
    /// No message for this long: the connection is dead (a half-open socket, a retired URL).
    pub stall_timeout: Duration,
    /// Most trades held out of order per symbol before the hole in front of them is filled by REST.
    pub reorder_window: usize,
    /// Longest a hole in front of buffered trades waits for the socket before REST fills it.
    pub hole_wait: Duration,
    /// A connection older than this is replaced, new one first (Binance closes them at 24 h).
    pub max_connection_age: Duration,
    /// First pause before a reconnect; doubled per failed attempt, with jitter.
    pub backoff_initial: Duration,
    /// Longest pause between reconnect attempts.
    pub backoff_max: Duration,
    /// Give up after this many failed connection attempts in a row (`None`: never).
    pub max_reconnect_attempts: Option<u32>,
    /// Rows per REST page (at most 1000).
    pub rest_page_limit: u32,
    /// Attempts per REST page on timeouts and 5xx before the run fails.
    pub rest_attempts: u32,
    /// Request weight per minute the run allows itself; above it, REST waits for the next minute.
    pub rest_weight_budget: u32,
    /// Longest `Retry-After` honoured; a longer one (a ban) fails the run, naming it.
    pub max_retry_after: Duration,
    /// Timeouts of one connection attempt and one REST request.
    pub io_timeout: Duration,
}

impl LiveConfig {
    /// The market's public endpoints and defaults for `symbols`.
    pub fn new(market: Market, symbols: Vec<String>) -> LiveConfig {
        LiveConfig {
            market,
            symbols,
            ws_url: market.default_ws_url().to_string(),
            rest_url: market.default_rest_url().to_string(),
            stall_timeout: market.default_stall_timeout(),
            reorder_window: 1024,
            hole_wait: Duration::from_millis(500),
            max_connection_age: Duration::from_secs(23 * 3600 + 30 * 60),
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
            max_reconnect_attempts: None,
            rest_page_limit: 1000,
            rest_attempts: 5,
            rest_weight_budget: 3000,
            max_retry_after: Duration::from_secs(120),
            io_timeout: Duration::from_secs(10),
        }
    }

    /// The combined-stream URL of the symbols.
    pub fn stream_url(&self) -> String {
        let streams: Vec<String> =
            self.symbols.iter().map(|s| format!("{}@aggTrade", s.to_ascii_lowercase())).collect();
        let base = self.ws_url.trim_end_matches('/');
        let path = self.market.stream_path();
        let unit = if self.market == Market::Spot { "&timeUnit=MICROSECOND" } else { "" };
        format!("{base}{path}?streams={}{unit}", streams.join("/"))
    }

    /// The REST URL of one page.
    pub fn page_url(&self, symbol: &str, from_id: i64) -> String {
        let base = self.rest_url.trim_end_matches('/');
        let path = self.market.rest_path();
        format!("{base}{path}?symbol={}&fromId={from_id}&limit={}", symbol.to_ascii_uppercase(), self.rest_page_limit)
    }

    /// Refuses values that cannot work, naming the setting.
    pub fn check(&self) -> Result<(), LiveError> {
        let bad = |setting: &'static str, problem: &str| Err(LiveError::Setting { setting, problem: problem.into() });
        if self.symbols.is_empty() {
            return bad("symbols", "give at least one symbol");
        }
        if self.symbols.len() > 1024 {
            return bad("symbols", "at most 1024 streams fit one connection");
        }
        if let Some(s) =
            self.symbols.iter().find(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            return bad("symbols", &format!("{s:?} is not a Binance symbol (letters, digits, _)"));
        }
        if self.stall_timeout.is_zero() {
            return bad("stall_timeout", "must be more than 0");
        }
        if !(1..=1000).contains(&self.rest_page_limit) {
            return bad("rest_page_limit", "must be 1 to 1000");
        }
        if self.max_reconnect_attempts == Some(0) {
            return bad("max_reconnect_attempts", "must be at least 1 (leave it unset to retry without end)");
        }
        if self.reorder_window == 0 {
            return bad("reorder_window", "must be at least 1");
        }
        for (setting, url, schemes) in
            [("ws_url", &self.ws_url, ["ws://", "wss://"]), ("rest_url", &self.rest_url, ["http://", "https://"])]
        {
            if !schemes.iter().any(|s| url.starts_with(s)) {
                return bad(setting, &format!("{url:?} must start with {} or {}", schemes[0], schemes[1]));
            }
        }
        Ok(())
    }

    /// Warnings about the endpoints (settings marked): a plain (unencrypted) base whose host is not loopback.
    pub fn warnings(&self) -> Vec<Named> {
        let mut warnings = Vec::new();
        for (setting, url, plain) in [("ws_url", &self.ws_url, "ws://"), ("rest_url", &self.rest_url, "http://")] {
            if let Some(rest) = url.strip_prefix(plain) {
                let host = rest.split(['/', '?']).next().unwrap_or_default();
                let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
                if !matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1") {
                    warnings.push(
                        Named::from_setting(setting)
                            .then(format!(" {url} is not encrypted and its host {host} is not loopback")),
                    );
                }
            }
        }
        warnings
    }
}

impl Market {
    /// The public WebSocket base.
    pub fn default_ws_url(self) -> &'static str {
        match self {
            Market::Spot => "wss://stream.binance.com:9443",
            Market::UsdM => "wss://fstream.binance.com",
            Market::CoinM => "wss://dstream.binance.com",
        }
    }

    /// The public REST base.
    pub fn default_rest_url(self) -> &'static str {
        match self {
            Market::Spot => "https://api.binance.com",
            Market::UsdM => "https://fapi.binance.com",
            Market::CoinM => "https://dapi.binance.com",
        }
    }

    /// The combined-stream path: USD-M market streams are routed under `/market` since 2026 (the old path
    /// accepts subscriptions and stays silent).
    pub fn stream_path(self) -> &'static str {
        match self {
            Market::UsdM => "/market/stream",
            Market::Spot | Market::CoinM => "/stream",
        }
    }

    /// The REST `aggTrades` path.
    pub fn rest_path(self) -> &'static str {
        match self {
            Market::Spot => "/api/v3/aggTrades",
            Market::UsdM => "/fapi/v1/aggTrades",
            Market::CoinM => "/dapi/v1/aggTrades",
        }
    }

    /// How long a silent connection is trusted: spot pings every 20 s (so 30 s of nothing is dead); futures
    /// ping every 3 min (so 4 min). A liquid symbol trades far more often than either.
    pub fn default_stall_timeout(self) -> Duration {
        match self {
            Market::Spot => Duration::from_secs(30),
            Market::UsdM | Market::CoinM => Duration::from_secs(240),
        }
    }
}

/// Something the operator should know, as it happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveEvent {
    /// A connection is open.
    Connected {
        /// Connections opened so far, this one included.
        number: u64,
    },
    /// The connection ended; a new one follows after `pause`.
    Disconnected {
        /// Why (closed, error, stall, serverShutdown, age).
        reason: String,
        /// The pause before the next attempt.
        pause: Duration,
    },
    /// Ids `first..=last` of `symbol` were never published (REST skips them): the bars span the hole.
    ExchangeGap {
        /// The symbol.
        symbol: String,
        /// First missing id.
        first: i64,
        /// Last missing id.
        last: i64,
    },
    /// REST asked the run to wait (429/418 with `Retry-After`, or the weight budget is spent).
    RateLimited {
        /// How long.
        wait: Duration,
        /// The status, or `weight` for the budget.
        reason: String,
    },
}

/// Where the trades go. Called on the run's thread; a returned error ends the run
/// ([`LiveFailure::Sink`]).
pub trait LiveSink {
    /// The sink's own error.
    type Error;
    /// Trades of symbol number `symbol` (configured order), in strictly increasing id order, each once.
    fn trades(&mut self, symbol: usize, trades: &[barsmith_core::Trade]) -> Result<(), Self::Error>;
    /// An event to report.
    fn event(&mut self, event: &LiveEvent);
    /// Called between reads (at least every 50 ms): a place to checkpoint. `true` stops the run cleanly.
    fn tick(&mut self) -> Result<bool, Self::Error>;
    /// Every symbol's counters so far, the connections opened and the queue, about once a second.
    fn progress(&mut self, progress: &LiveProgress<'_>) {
        let _ = progress;
    }
}

/// Where the source is ([`LiveSink::progress`]).
#[derive(Clone, Copy, Debug)]
pub struct LiveProgress<'a> {
    /// Each symbol's counters, in the configured order.
    pub stats: &'a [FeedStats],
    /// Connections opened so far (the first included).
    pub connections: u64,
    /// Messages read from the socket(s) and waiting to be handled.
    pub queued: usize,
    /// The most that wait per socket (a full queue stops the reads: back-pressure).
    pub queue_bound: usize,
}

/// An error of the live source, naming settings (never flags).
#[derive(Debug)]
#[non_exhaustive]
pub enum LiveError {
    /// A setting with a value it cannot take.
    Setting {
        /// The setting's library name (`stall_timeout`, `ws_url`, …).
        setting: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A message or page that is not what Binance sends.
    Parse {
        /// Where it came from (`ws_url` or the REST URL).
        source: String,
        /// What is wrong.
        error: message::ParseError,
    },
    /// REST failed beyond the retries, or asked for a wait longer than `max_retry_after`.
    Rest {
        /// The URL.
        url: String,
        /// What happened.
        reason: String,
    },
    /// `max_reconnect_attempts` connection attempts in a row failed.
    Connect {
        /// The URL.
        url: String,
        /// The last failure.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
}

impl LiveError {
    /// The message with the settings it names marked, for front ends to spell as their flags or keywords.
    pub fn named(&self) -> Named {
        match self {
            LiveError::Setting { setting, problem } => Named::from_setting(setting).then(format!(": {problem}")),
            LiveError::Parse { source, error } => Named::text(format!("{source}: {error}")),
            LiveError::Rest { url, reason } => Named::text(format!("REST {url}: {reason}")),
            LiveError::Connect { url, reason, attempts } => {
                Named::text(format!("{url}: {attempts} connection attempts failed, the last with: {reason} ("))
                    .setting("max_reconnect_attempts")
                    .then(")")
            }
        }
    }
}

impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.named().spell(&|name| name.to_owned()))
    }
}

impl std::error::Error for LiveError {}

impl LiveError {
    /// `true` for the caller's mistakes (settings), `false` for what the network or the exchange did.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, LiveError::Setting { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_note() {
        let mut config = LiveConfig::new(Market::UsdM, vec!["BTCUSDT".into(), "ethusdt".into()]);
        assert_eq!(
            config.stream_url(),
            "wss://fstream.binance.com/market/stream?streams=btcusdt@aggTrade/ethusdt@aggTrade"
        );
        assert_eq!(
            config.page_url("btcusdt", 7),
            "https://fapi.binance.com/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=7&limit=1000"
        );
        config.market = Market::Spot;
        config.ws_url = "ws://127.0.0.1:9/".into();
        assert!(
            config.stream_url().ends_with("/stream?streams=btcusdt@aggTrade/ethusdt@aggTrade&timeUnit=MICROSECOND")
        );
        assert!(config.warnings().is_empty());
        config.ws_url = "ws://example.com:9".into();
        assert_eq!(config.warnings().len(), 1);
        config.stall_timeout = Duration::ZERO;
        let e = config.check().unwrap_err().to_string();
        assert!(e.starts_with("stall_timeout:") && !e.contains("--"), "{e}");
    }
}
