//! REST `aggTrades` pages: `fromId` paging, `Retry-After` on 429/418, the `X-MBX-USED-WEIGHT-1m` budget,
//! timeouts and 5xx retried a bounded number of times.

use std::io::Read;
use std::time::{Duration, Instant};

use barsmith_core::Trade;

use super::message::parse_rest_page;
use super::{LiveConfig, LiveError, LiveEvent, Market};

/// Largest page body accepted (1000 rows are about 130 KB).
const MAX_PAGE_BYTES: u64 = 8 << 20;

/// How REST waits: reporting why, and sleeping (`false`: the run was stopped meanwhile).
pub(crate) trait Pause {
    fn report(&mut self, event: &LiveEvent);
    fn sleep(&mut self, duration: Duration) -> bool;
}

/// The REST side of a live run.
pub(crate) struct Rest {
    agent: ureq::Agent,
    /// Weight used in the current minute, as the last answer said, and when that minute began (our clock).
    used_weight: u32,
    minute_start: Instant,
    /// Pages fetched.
    pub(crate) pages: u64,
}

/// What one attempt came to.
enum Answer {
    Page(Vec<Trade>),
    /// Wait this long, then try again without counting an attempt (429/418 with `Retry-After`).
    Wait(Duration, String),
    /// A transient failure (timeout, 5xx): counted.
    Retry(String),
    /// A failure another attempt will not fix.
    Fatal(String),
}

impl Rest {
    pub(crate) fn new(config: &LiveConfig) -> Rest {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.io_timeout))
            .user_agent(concat!("barsmith/", env!("CARGO_PKG_VERSION")))
            .build();
        Rest { agent: agent.into(), used_weight: 0, minute_start: Instant::now(), pages: 0 }
    }

    /// The trades of `symbol` from id `from_id` on (at most `rest_page_limit`), in id order. Waits out 429/418
    /// (up to `max_retry_after` each), the weight budget, and retries timeouts and 5xx `rest_attempts` times.
    /// `sleep` sleeps (and may be cut short by a stop).
    pub(crate) fn page(
        &mut self,
        config: &LiveConfig,
        symbol: &str,
        from_id: i64,
        pause: &mut dyn Pause,
    ) -> Result<Vec<Trade>, LiveError> {
        let url = config.page_url(symbol, from_id);
        let failure = |reason: String| LiveError::Rest { url: url.clone(), reason };
        let mut attempts = 0;
        let mut retry_pause = Duration::from_millis(100);
        loop {
            self.respect_budget(config, pause);
            match self.attempt(config.market, &url) {
                Answer::Page(trades) => {
                    self.pages += 1;
                    return Ok(trades);
                }
                Answer::Wait(wait, reason) => {
                    if wait > config.max_retry_after {
                        return Err(failure(format!(
                            "{reason} asks to wait {} s, more than max_retry_after ({} s)",
                            wait.as_secs(),
                            config.max_retry_after.as_secs()
                        )));
                    }
                    pause.report(&LiveEvent::RateLimited { wait, reason });
                    if !pause.sleep(wait) {
                        return Err(failure("stopped while waiting".into()));
                    }
                }
                Answer::Retry(reason) => {
                    attempts += 1;
                    if attempts >= config.rest_attempts {
                        return Err(failure(format!("{reason} (gave up after {attempts} attempts: rest_attempts)")));
                    }
                    if !pause.sleep(retry_pause) {
                        return Err(failure("stopped while waiting".into()));
                    }
                    retry_pause = (retry_pause * 2).min(Duration::from_secs(10));
                }
                Answer::Fatal(reason) => return Err(failure(reason)),
            }
        }
    }

    /// Waits for the next minute when the last answer said the budget is spent.
    fn respect_budget(&mut self, config: &LiveConfig, pause: &mut dyn Pause) {
        let elapsed = self.minute_start.elapsed();
        if elapsed >= Duration::from_secs(60) {
            self.minute_start = Instant::now();
            self.used_weight = 0;
        } else if self.used_weight >= config.rest_weight_budget {
            let wait = Duration::from_secs(60) - elapsed;
            pause.report(&LiveEvent::RateLimited { wait, reason: "weight".into() });
            pause.sleep(wait);
            self.minute_start = Instant::now();
            self.used_weight = 0;
        }
    }

    fn attempt(&mut self, market: Market, url: &str) -> Answer {
        let mut request = self.agent.get(url);
        if market == Market::Spot {
            request = request.header("X-MBX-TIME-UNIT", "MICROSECOND");
        }
        let mut response = match request.call() {
            Ok(response) => response,
            Err(e) => return Answer::Retry(e.to_string()),
        };
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        if let Some(weight) = header("x-mbx-used-weight-1m").and_then(|w| w.trim().parse::<u32>().ok()) {
            if weight < self.used_weight {
                self.minute_start = Instant::now();
            }
            self.used_weight = weight;
        }
        let status = response.status().as_u16();
        if status == 429 || status == 418 {
            let seconds = header("retry-after").and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or(1);
            let what = if status == 418 { "418 (IP banned for a while)" } else { "429 (too many requests)" };
            return Answer::Wait(Duration::from_secs(seconds), what.to_string());
        }
        if status >= 500 {
            return Answer::Retry(format!("status {status}"));
        }
        if status != 200 {
            let mut text = String::new();
            let _ = response.body_mut().as_reader().take(500).read_to_string(&mut text);
            return Answer::Fatal(format!("status {status}: {}", text.trim()));
        }
        let mut body = Vec::new();
        if let Err(e) = response.body_mut().as_reader().take(MAX_PAGE_BYTES).read_to_end(&mut body) {
            return Answer::Retry(format!("reading the page failed: {e}"));
        }
        match parse_rest_page(&body) {
            Ok(mut trades) => {
                // Binance answers in id order; a page out of order is put right rather than trusted.
                if !trades.is_sorted_by_key(|t| t.agg_trade_id) {
                    trades.sort_by_key(|t| t.agg_trade_id);
                }
                Answer::Page(trades)
            }
            Err(e) => Answer::Fatal(format!("not an aggTrades page: {e}")),
        }
    }
}
