//! The loop of a live run: connect (backoff with jitter), catch up by REST from every cursor while the new
//! socket buffers, read (stall watchdog, pings answered), fill holes by REST, replace an aging or shutting-down
//! connection new-one-first, and hand trades on in order.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::feed::{Feed, FeedStats};
use super::message::{Message, parse_message};
use super::rest::{Pause, Rest};
use super::socket::{QUEUE_BOUND, Read, Socket};
use super::{LiveConfig, LiveError, LiveEvent, LiveProgress, LiveSink};

/// Longest single wait on the socket, so that holes, stops and checkpoints are looked at often.
const POLL: Duration = Duration::from_millis(20);

/// How often the sink hears the counters ([`LiveSink::progress`]).
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Empty REST answers for a hole that the socket has shown to be followed by trades, before it is declared an
/// exchange gap (REST may lag the stream by a moment).
const EMPTY_ANSWERS_FOR_GAP: u32 = 3;

/// Why a live run ended early.
#[derive(Debug)]
pub enum LiveFailure<E> {
    /// The source failed (settings, the exchange, the network beyond the retries).
    Live(LiveError),
    /// The sink failed.
    Sink(E),
}

impl<E: std::fmt::Display> std::fmt::Display for LiveFailure<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiveFailure::Live(e) => e.fmt(f),
            LiveFailure::Sink(e) => e.fmt(f),
        }
    }
}

impl<E> From<LiveError> for LiveFailure<E> {
    fn from(e: LiveError) -> Self {
        LiveFailure::Live(e)
    }
}

/// Runs `config` until every symbol reached its stop (`until_id`, `until_time_us`) or the sink's
/// [`LiveSink::tick`] says stop. `start_ids[i]` is the first id symbol `i` needs (`None`: the first trade the
/// socket delivers). Returns each symbol's counters.
pub fn run<S: LiveSink>(
    config: &LiveConfig,
    start_ids: &[Option<i64>],
    until: (Option<i64>, Option<i64>),
    sink: &mut S,
) -> Result<Vec<FeedStats>, LiveFailure<S::Error>> {
    config.check()?;
    if start_ids.len() != config.symbols.len() {
        let problem = format!("{} start ids for {} symbols", start_ids.len(), config.symbols.len());
        return Err(LiveError::Setting { setting: "start_ids", problem }.into());
    }
    let feeds: Vec<Feed> = config
        .symbols
        .iter()
        .zip(start_ids)
        .map(|(symbol, &start)| Feed::new(symbol, start, until.0, until.1))
        .collect();
    let index = feeds.iter().enumerate().map(|(i, f)| (f.symbol.clone(), i)).collect();
    let mut driver = Driver {
        config,
        feeds,
        index,
        rest: Rest::new(config),
        waiter: Waiter { sink, stop: false, failure: None },
        connections: 0,
        jitter: Jitter::new(),
        last_progress: Instant::now(),
        queued: Arc::new(AtomicUsize::new(0)),
    };
    let result = driver.run();
    if let Some(e) = driver.waiter.failure.take() {
        return Err(LiveFailure::Sink(e));
    }
    result?;
    Ok(driver.feeds.iter().map(|f| f.stats).collect())
}

/// The sink seen from the waits: sleeping calls `tick` so that a stop cuts every wait short.
struct Waiter<'a, S: LiveSink> {
    sink: &'a mut S,
    stop: bool,
    failure: Option<S::Error>,
}

impl<S: LiveSink> Waiter<'_, S> {
    fn tick(&mut self) {
        if self.stop {
            return;
        }
        match self.sink.tick() {
            Ok(stop) => self.stop = stop,
            Err(e) => {
                self.failure = Some(e);
                self.stop = true;
            }
        }
    }
}

impl<S: LiveSink> Pause for Waiter<'_, S> {
    fn report(&mut self, event: &LiveEvent) {
        self.sink.event(event);
    }

    fn sleep(&mut self, duration: Duration) -> bool {
        let end = Instant::now() + duration;
        loop {
            self.tick();
            if self.stop {
                return false;
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(POLL));
        }
    }
}

struct Driver<'a, S: LiveSink> {
    config: &'a LiveConfig,
    feeds: Vec<Feed>,
    index: HashMap<String, usize>,
    rest: Rest,
    waiter: Waiter<'a, S>,
    connections: u64,
    jitter: Jitter,
    last_progress: Instant,
    /// Messages waiting in the sockets' queues.
    queued: Arc<AtomicUsize>,
}

/// A small xorshift for the jitter of reconnect pauses (not for anything that needs real randomness).
struct Jitter(u64);

impl Jitter {
    fn new() -> Jitter {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos());
        Jitter((nanos as u64) | 1)
    }

    /// `base` scaled by a factor in [0.5, 1).
    fn apply(&mut self, base: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        base.mul_f64(0.5 + (self.0 >> 11) as f64 / (1u64 << 53) as f64 / 2.0)
    }
}

impl<S: LiveSink> Driver<'_, S> {
    fn finished(&self) -> bool {
        self.waiter.stop || self.feeds.iter().all(|f| f.done)
    }

    /// The pause before connection attempt number `failures + 1` after `failures` failures in a row.
    fn backoff(&mut self, failures: u32) -> Duration {
        let doubled = self.config.backoff_initial.saturating_mul(1 << failures.min(20));
        self.jitter.apply(doubled.min(self.config.backoff_max))
    }

    fn run(&mut self) -> Result<(), LiveFailure<S::Error>> {
        let url = self.config.stream_url();
        let mut failures = 0u32;
        while !self.finished() {
            let (reason, delivered) = match Socket::connect(&url, self.config.io_timeout, &self.queued) {
                Ok(socket) => {
                    self.connections += 1;
                    self.waiter.report(&LiveEvent::Connected { number: self.connections });
                    // The hand-off: the socket is open (the server's messages wait in its buffers) while REST
                    // pages from every cursor up to now; the drain then skips what REST covered.
                    self.catch_up()?;
                    self.read_connection(socket, &url)?
                }
                Err(reason) => (reason, false),
            };
            if self.finished() {
                break;
            }
            failures = if delivered { 0 } else { failures + 1 };
            if let Some(most) = self.config.max_reconnect_attempts
                && failures >= most
            {
                return Err(LiveError::Connect { url, reason, attempts: failures }.into());
            }
            let pause = self.backoff(failures);
            self.waiter.report(&LiveEvent::Disconnected { reason, pause });
            self.waiter.sleep(pause);
        }
        Ok(())
    }

    /// Reads one connection until it ends (returned: why, and whether it delivered anything) or the run is
    /// finished. An aging connection, or one the server announces it will shut down, is replaced new one first.
    fn read_connection(&mut self, mut socket: Socket, url: &str) -> Result<(String, bool), LiveFailure<S::Error>> {
        let mut last_message = Instant::now();
        let mut delivered = false;
        let mut replace = false;
        loop {
            if self.finished() {
                socket.close();
                return Ok(("finished".into(), delivered));
            }
            if replace || socket.opened.elapsed() >= self.config.max_connection_age {
                match self.replace(socket, url)? {
                    Ok(new) => {
                        socket = new;
                        last_message = Instant::now();
                        replace = false;
                    }
                    Err(reason) => return Ok((reason, delivered)),
                }
            }
            let stall = self.config.stall_timeout;
            match socket.read(POLL.min(stall.saturating_sub(last_message.elapsed()))) {
                Read::Data(bytes) => {
                    last_message = Instant::now();
                    delivered = true;
                    replace |= self.handle(&bytes, url)?;
                }
                Read::Nothing if last_message.elapsed() >= stall => {
                    socket.close();
                    return Ok((format!("no message for {} ms (stall_timeout)", stall.as_millis()), delivered));
                }
                Read::Nothing => {}
                Read::Closed(reason) => return Ok((reason, delivered)),
            }
            self.after_read()?;
        }
    }

    /// Opens the replacement of `old`, reads `old` until the new one delivers (or the stall timeout), then
    /// closes `old`. Duplicates between the two are dropped by id; a hole between them is filled by REST.
    /// `Err(reason)` when no replacement could be opened (then `old` is closed too and the run reconnects).
    fn replace(&mut self, mut old: Socket, url: &str) -> Result<Result<Socket, String>, LiveFailure<S::Error>> {
        let mut new = match Socket::connect(url, self.config.io_timeout, &self.queued) {
            Ok(new) => new,
            Err(reason) => {
                old.close();
                return Ok(Err(format!("replacing the connection failed: {reason}")));
            }
        };
        self.connections += 1;
        self.waiter.report(&LiveEvent::Connected { number: self.connections });
        let deadline = Instant::now() + self.config.stall_timeout;
        let mut old_open = true;
        while Instant::now() < deadline && !self.finished() {
            match new.read(Duration::from_millis(5)) {
                Read::Data(bytes) => {
                    self.handle(&bytes, url)?;
                    break;
                }
                Read::Nothing => {}
                Read::Closed(reason) => {
                    old.close();
                    return Ok(Err(reason));
                }
            }
            if old_open {
                match old.read(Duration::from_millis(1)) {
                    Read::Data(bytes) => {
                        self.handle(&bytes, url)?;
                    }
                    Read::Nothing => {}
                    Read::Closed(_) => old_open = false,
                }
            }
            self.after_read()?;
        }
        old.close();
        // As after any reconnect: what neither socket delivered is fetched from REST before the stream goes on.
        self.catch_up()?;
        self.after_read()?;
        Ok(Ok(new))
    }

    /// REST from every known cursor up to now.
    fn catch_up(&mut self) -> Result<(), LiveFailure<S::Error>> {
        for symbol in 0..self.feeds.len() {
            if self.feeds[symbol].next_id.is_some() {
                self.fill(symbol, None)?;
            }
        }
        Ok(())
    }

    /// One message: a trade goes to its symbol's window. `true` for a `serverShutdown` event.
    fn handle(&mut self, bytes: &[u8], url: &str) -> Result<bool, LiveFailure<S::Error>> {
        match parse_message(bytes) {
            Ok(Message::Trade { symbol, trade }) => {
                let index = match self.index.get(symbol) {
                    Some(&index) => Some(index),
                    None => self.index.get(&symbol.to_ascii_uppercase()).copied(),
                };
                if let Some(index) = index {
                    self.feeds[index].accept(trade);
                }
                Ok(false)
            }
            Ok(Message::ServerShutdown) => Ok(true),
            Ok(Message::Other) => Ok(false),
            Err(error) => Err(LiveError::Parse { source: url.to_string(), error }.into()),
        }
    }

    /// After a read: fill the holes that waited long enough, hand trades on, tick.
    fn after_read(&mut self) -> Result<(), LiveFailure<S::Error>> {
        for symbol in 0..self.feeds.len() {
            if let Some(target) = self.feeds[symbol].hole_to_fill(self.config.reorder_window, self.config.hole_wait) {
                self.fill(symbol, Some(target))?;
            }
        }
        self.deliver()?;
        self.waiter.tick();
        if self.last_progress.elapsed() >= PROGRESS_EVERY {
            self.last_progress = Instant::now();
            let stats: Vec<FeedStats> = self.feeds.iter().map(|f| f.stats).collect();
            let progress = LiveProgress {
                stats: &stats,
                connections: self.connections,
                queued: self.queued.load(Ordering::Relaxed),
                queue_bound: QUEUE_BOUND,
            };
            self.waiter.sink.progress(&progress);
        }
        Ok(())
    }

    /// Hands every symbol's released trades to the sink.
    fn deliver(&mut self) -> Result<(), LiveFailure<S::Error>> {
        for (symbol, feed) in self.feeds.iter_mut().enumerate() {
            if !feed.out.is_empty() {
                self.waiter.sink.trades(symbol, &feed.out).map_err(LiveFailure::Sink)?;
                feed.out.clear();
            }
        }
        Ok(())
    }

    /// Pages REST from the symbol's cursor until `target` (the first id the socket holds) or, without one,
    /// until REST has nothing newer. Ids REST skips are exchange gaps; a hole REST keeps answering empty for
    /// while the socket shows trades after it is one too.
    fn fill(&mut self, symbol: usize, target: Option<i64>) -> Result<(), LiveFailure<S::Error>> {
        let mut empty_answers = 0;
        loop {
            let feed = &self.feeds[symbol];
            let Some(from) = feed.next_id else { break };
            if feed.done || self.waiter.stop || target.is_some_and(|t| from >= t) {
                break;
            }
            let name = feed.symbol.clone();
            let page = self.rest.page(self.config, &name, from, &mut self.waiter)?;
            let full = page.len() >= self.config.rest_page_limit as usize;
            let feed = &mut self.feeds[symbol];
            if page.iter().all(|t| t.agg_trade_id < from) {
                let Some(target) = target else { break };
                empty_answers += 1;
                if empty_answers >= EMPTY_ANSWERS_FOR_GAP {
                    feed.skip_gap(from, target - 1);
                    report_gap(&mut self.waiter, &name, from, target - 1);
                    break;
                }
                if !self.waiter.sleep(Duration::from_millis(50 * u64::from(empty_answers))) {
                    break;
                }
                continue;
            }
            empty_answers = 0;
            for (first, last) in feed.accept_rest(&page) {
                report_gap(&mut self.waiter, &name, first, last);
            }
            self.deliver()?;
            // Between pages the sink may checkpoint (what it holds is whole), so that a long catch-up is not
            // all lost to a crash, and may stop.
            self.waiter.tick();
            if !full && target.is_none() {
                break;
            }
        }
        self.feeds[symbol].release();
        self.deliver()
    }
}

fn report_gap<S: LiveSink>(waiter: &mut Waiter<'_, S>, symbol: &str, first: i64, last: i64) {
    waiter.report(&LiveEvent::ExchangeGap { symbol: symbol.to_string(), first, last });
}
