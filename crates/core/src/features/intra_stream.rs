//! A forming bar's intra window features, updated as its records arrive, so that its records need not be held
//! for them and its close costs no pass over them (except R/S, below).
//!
//! Once a bar holds more than the pipeline's streaming threshold ([`DEFAULT_STREAM_FROM`] records unless set),
//! its threshold keeps an [`IntraStream`] and feeds it each batch's records: the exact integer summary (as the
//! block path), the quantities' moments ([`MomentsStream`]), the ordinal-pattern histogram
//! ([`PermutationStream`]), Kyle λ's co-moments ([`KyleStream`]) and DFA's per-scale window sums
//! ([`DfaStream`]: the set of scales is fixed at the close from the length; every scale the bar can still use
//! is followed, O(log n) of them). Their state does not grow with the bar.
//!
//! R/S does not stream before the close: nolds' sizes `logmid_n(n)` are `round(n^e)` for 15 exponents
//! `e ∈ [3/8, 0.61]`, so as the final length `n` is unknown every integer size above `L^(3/8)` (`L` the records
//! so far) may still be used, and a size's blocks start at the bar's first record. R/S keeps the bar's prices
//! instead, as 32-bit differences ([`PriceTape`], 4 bytes per record against the history's 20) and reads them
//! once at the close; this tape is the one part of an intra window that grows with the bar, and what
//! `max_window_records` still guards.

use crate::features::config::FeatureConfig;
use crate::features::history::{RecordHistory, is_buy};
use crate::features::window::{IntegerSummary, WindowFeatures, exact_features, finite};
use barsmith_kernels::streaming::{DfaStream, KyleStream, MomentsStream, PermutationStream, RescaledRangeBlocks};

/// Records after which a forming bar's intra features are streamed, unless the pipeline is told otherwise:
/// a shorter bar is computed at its close by the block kernels from the history (at most ~2.6 MB held).
pub(crate) const DEFAULT_STREAM_FROM: u64 = 1 << 17;

/// Returns handed to DFA and R/S at a time.
const PIECE: usize = 4096;

/// Differences per tape chunk (256 KB), so that the tape grows without copies or doubling slack.
const TAPE_CHUNK: usize = 1 << 16;

/// Marks a difference that does not fit 31 bits: the price is the next entry of `escapes`.
const ESCAPE: i32 = i32::MIN;

/// A forming bar's prices as 32-bit differences (exact: a difference that does not fit is stored whole).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct PriceTape {
    chunks: Vec<Vec<i32>>,
    escapes: Vec<i64>,
    last: i64,
    len: usize,
}

impl PriceTape {
    fn push(&mut self, price: i64) {
        if self.chunks.last().is_none_or(|c| c.len() == TAPE_CHUNK) {
            self.chunks.push(Vec::with_capacity(TAPE_CHUNK));
        }
        let chunk = self.chunks.last_mut().expect("a chunk was just ensured");
        let small = if self.len == 0 { None } else { price.checked_sub(self.last).and_then(|d| i32::try_from(d).ok()) };
        match small.filter(|&d| d != ESCAPE) {
            Some(d) => chunk.push(d),
            None => {
                chunk.push(ESCAPE);
                self.escapes.push(price);
            }
        }
        self.last = price;
        self.len += 1;
    }

    /// Calls `f` on every price, in order.
    fn for_each(&self, mut f: impl FnMut(i64)) {
        let (mut price, mut escapes) = (0i64, self.escapes.iter());
        for &d in self.chunks.iter().flatten() {
            price = if d == ESCAPE { *escapes.next().expect("one escape per marker") } else { price + i64::from(d) };
            f(price);
        }
    }
}

/// The streamed intra features of one forming bar (see the module documentation).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct IntraStream {
    /// Position of the bar's opening record.
    open: u64,
    /// Position of the next record to feed.
    fed: u64,
    summary: Option<IntegerSummary>,
    moments: MomentsStream,
    pe: Option<PermutationStream>,
    kyle: KyleStream,
    dfa: Option<DfaStream>,
    tape: Option<PriceTape>,
    previous: Option<i64>,
    /// Every price so far is positive (returns are fed only while they are).
    positive: bool,
}

impl IntraStream {
    /// A stream for the bar opening at position `open`, for the estimators `config` enables.
    pub(crate) fn new(open: u64, config: &FeatureConfig) -> IntraStream {
        IntraStream {
            open,
            fed: open,
            summary: None,
            moments: MomentsStream::new(),
            pe: config.permutation_entropy.then(|| PermutationStream::new(config.pe_order, 1)),
            kyle: KyleStream::new(),
            dfa: config.hurst.then(DfaStream::new),
            tape: config.hurst.then(PriceTape::default),
            previous: None,
            positive: true,
        }
    }

    /// Position of the next record to feed (the history must hold it).
    pub(crate) fn fed(&self) -> u64 {
        self.fed
    }

    /// Adds `by` to its positions (see `SymbolPipeline::offset_positions`).
    pub(crate) fn offset_positions(&mut self, by: u64) {
        self.open += by;
        self.fed += by;
    }

    /// Feeds the held records from the next unfed one up to position `to` (exclusive).
    pub(crate) fn feed(&mut self, history: &RecordHistory, to: u64) {
        if to <= self.fed {
            return;
        }
        let unit = crate::fixed_point::SCALE as f64;
        let mut returns = Vec::with_capacity(PIECE.min((to - self.fed) as usize));
        for segment in history.segments(self.fed, to) {
            let columns = segment.price.iter().zip(segment.quantity).zip(segment.packed).enumerate();
            for (i, ((&p, &q), &packed)) in columns {
                let position = segment.position + i as u64;
                let gap = if position == self.open { 0 } else { i128::from(history.gap(position, packed)) };
                let buy = is_buy(packed);
                self.summary.get_or_insert_with(|| IntegerSummary::starting(p)).add(p, q, gap, buy);
                self.moments.push(q);
                if let Some(pe) = self.pe.as_mut() {
                    pe.push(p as f64);
                }
                if let Some(tape) = self.tape.as_mut() {
                    tape.push(p);
                }
                self.positive &= p > 0;
                if let Some(before) = self.previous.filter(|_| self.positive) {
                    let r = ((p - before) as f64 / before as f64).ln_1p();
                    self.kyle.push(r, if buy { q as f64 / unit } else { -(q as f64) / unit });
                    returns.push(r);
                    if returns.len() == PIECE {
                        self.flush(&mut returns);
                    }
                }
                self.previous = Some(p);
            }
        }
        self.flush(&mut returns);
        self.fed = to;
    }

    fn flush(&mut self, returns: &mut Vec<f64>) {
        if let Some(dfa) = self.dfa.as_mut() {
            dfa.push_slice(returns);
        }
        returns.clear();
    }

    /// The intra features of the records fed so far (at least one), as the block path computes them.
    pub(crate) fn finish(&self, config: &FeatureConfig) -> WindowFeatures {
        let n = (self.fed - self.open) as usize;
        let Some(summary) = self.summary.as_ref() else {
            return WindowFeatures::default();
        };
        let mut features = exact_features(n, summary);
        if let Some(moments) = self.moments.finish().filter(|m| m.count >= 2 && m.m2 > 0.0) {
            features.volume_skew = finite(moments.skewness());
            features.volume_kurt = finite(moments.excess_kurtosis());
        }
        if n >= config.pe_min_records {
            features.permutation_entropy = self.pe.as_ref().and_then(PermutationStream::finish).and_then(finite);
        }
        let positive = summary.low() > 0;
        if positive && config.hurst && n >= config.hurst_min_records {
            features.hurst_dfa = self.dfa.as_ref().and_then(DfaStream::finish).and_then(finite);
            features.hurst_rs = self.tape.as_ref().and_then(|tape| rescaled_range(tape, n)).and_then(finite);
        }
        if positive && n >= 3 {
            features.kyle_lambda = self.kyle.finish().and_then(finite);
        }
        features
    }
}

/// R/S of the returns of the `n` prices on the tape (read once, one block per size held).
fn rescaled_range(tape: &PriceTape, n: usize) -> Option<f64> {
    let mut rs = RescaledRangeBlocks::new(n - 1);
    let mut returns = Vec::with_capacity(PIECE);
    let mut previous: Option<i64> = None;
    tape.for_each(|p| {
        if let Some(q) = previous {
            returns.push(((p - q) as f64 / q as f64).ln_1p());
            if returns.len() == PIECE {
                rs.push_slice(&returns);
                returns.clear();
            }
        }
        previous = Some(p);
    });
    rs.push_slice(&returns);
    rs.finish()
}
