//! DFA-1 as values arrive: per half-window size, the current block's sums about a predicted line.
//!
//! nolds' windows of size `w` start every `h = w/2` points, so a window is two consecutive blocks of `h`
//! points (plus one point when `w` is odd), and sizes `2h` and `2h + 1` share their blocks. Each block
//! accumulates `Σu`, `Σt·u`, `Σu²` of `u_t = Y_{s+t} − Y_s − c·t` (local `t`, `Y` the cumulative sum of
//! the values), with `c` the slope of the previous block's chord, known when the block starts. `u` is kept
//! as a running sum of `x − c`, so it carries the rounding of a deviation, not of the profile. When a block
//! ends, the window made of it and the previous block is expressed in the previous block's frame by closed
//! forms (the two frames differ by a line through the window's own points) and its residual is final: the
//! global mean of the values only adds a line to the profile and drops out of every window's fit. Until a
//! size's first block ends, it is the same for every larger size: one shared prefix block holds it, and is
//! re-centred on the chord of `[0, h]` each time a size starts. See `docs/SIMD.md` ("Streaming forms") for
//! the rounding bound.

use crate::nolds::{default_dfa_nvals, dfa_default_step, dfa_exponent};
use crate::scalar::dfa::window_rss_from_sums;

/// Series of at most this many values are kept whole and given to the scalar reference (nolds' default sizes
/// are `4..=9` there, which the streamed sizes do not cover).
const SHORT: usize = 70;

/// The running sums of one block in its own frame (a line through its first point with slope `c`).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Block {
    c: f64,
    u: f64,
    points: usize,
    s0: f64,
    s1: f64,
    s2: f64,
}

impl Block {
    fn starting(c: f64) -> Block {
        Block { c, points: 1, ..Block::default() }
    }

    /// Adds the values `xs`, in order (one loop per run: the state stays in registers).
    fn add_run(&mut self, xs: &[f64]) {
        let mut xs = xs;
        if self.points == 0 && !xs.is_empty() {
            self.points = 1;
            xs = &xs[1..];
        }
        let (c, mut u, mut t) = (self.c, self.u, self.points as f64);
        let (mut s0, mut s1, mut s2) = (self.s0, self.s1, self.s2);
        for &x in xs {
            u += x - c;
            s0 += u;
            s1 += t * u;
            s2 += u * u;
            t += 1.0;
        }
        (self.u, self.s0, self.s1, self.s2) = (u, s0, s1, s2);
        self.points += xs.len();
    }

    /// The same points about the line through the first point with slope `c` instead.
    fn recentre(&mut self, c: f64) {
        let delta = c - self.c;
        let n = self.points as f64;
        let (st, stt) = (n * (n - 1.0) / 2.0, (n - 1.0) * n * (2.0 * n - 1.0) / 6.0);
        self.s2 += delta * (delta * stt - 2.0 * self.s1);
        self.s1 -= delta * stt;
        self.s0 -= delta * st;
        self.u -= delta * (n - 1.0);
        self.c = c;
    }

    /// The block, closed by the next value `x` (the first point of the following block).
    fn close(&self, x: f64) -> Closed {
        Closed { c: self.c, k: self.u + (x - self.c), s0: self.s0, s1: self.s1, s2: self.s2 }
    }
}

/// A finished block: its sums, its frame's slope, and `k`, the next point's deviation from its frame line.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Closed {
    c: f64,
    k: f64,
    s0: f64,
    s1: f64,
    s2: f64,
}

/// `Σ residual²/w` and the window count of one size.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Total {
    sum: f64,
    windows: usize,
}

impl Total {
    fn add(&mut self, w: usize, (s0, s1, s2): (f64, f64, f64)) {
        self.sum += window_rss_from_sums(w, s0, s1, s2) / w as f64;
        self.windows += 1;
    }

    fn fluctuation(&self) -> f64 {
        (self.sum / self.windows as f64).sqrt()
    }
}

/// The windows of sizes `2h` and `2h + 1`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct HalfSize {
    h: usize,
    previous: Closed,
    current: Block,
    even: Total,
    odd: Total,
    /// The last odd window's sums, final once one more value arrives (nolds uses a window only when a value
    /// follows it).
    odd_pending: Option<(f64, f64, f64)>,
}

impl HalfSize {
    /// Adds the values `xs`: runs inside the current block in one loop, a block boundary per `h` values.
    fn push_all(&mut self, xs: &[f64]) {
        let mut rest = xs;
        while let Some(&x) = rest.first() {
            if let Some(sums) = self.odd_pending.take() {
                self.odd.add(2 * self.h + 1, sums);
            }
            let room = self.h - self.current.points;
            if room == 0 {
                self.close_block(x);
                rest = &rest[1..];
            } else {
                let (run, later) = rest.split_at(room.min(rest.len()));
                self.current.add_run(run);
                rest = later;
            }
        }
    }

    /// `x` is the first value after a full block: the window it ends is final.
    fn close_block(&mut self, x: f64) {
        let h = self.h;
        let (a, b) = (self.previous, self.current.close(x));
        let (even, odd) = window_sums(h, &a, &b);
        self.even.add(2 * h, even);
        self.odd_pending = Some(odd);
        self.previous = b;
        self.current = Block::starting(b.c + b.k / h as f64);
    }
}

/// The sums of the windows `a ∪ b` (size `2h`) and `a ∪ b ∪ {next point}` (size `2h + 1`) in `a`'s frame.
fn window_sums(h: usize, a: &Closed, b: &Closed) -> ((f64, f64, f64), (f64, f64, f64)) {
    let hf = h as f64;
    let (k, d) = (a.k, b.c - a.c);
    let t1 = hf * (hf - 1.0) / 2.0;
    let t2 = (hf - 1.0) * hf * (2.0 * hf - 1.0) / 6.0;
    let b0 = b.s0 + k * hf + d * t1;
    let s0 = a.s0 + b0;
    let s1 = a.s1 + hf * b0 + b.s1 + k * t1 + d * t2;
    let s2 = a.s2 + b.s2 + k * k * hf + d * d * t2 + 2.0 * (k * b.s0 + d * b.s1 + k * d * t1);
    let extra = a.k + b.k + d * hf;
    let t = 2.0 * hf;
    ((s0, s1, s2), (s0 + extra, s1 + t * extra, s2 + extra * extra))
}

/// nolds' DFA exponent (default sizes) of a series that arrives one value at a time.
///
/// Memory: about 15 numbers per half-window size `h` started (`h` ≤ the values pushed, or ≤ the largest
/// default size's half when the length is announced with [`for_length`](Self::for_length)), i.e. O(log n),
/// plus the first 71 values. Work: one block update (5 flops) per value and size.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DfaStream {
    len: usize,
    head: Vec<f64>,
    first: f64,
    constant: bool,
    finite: bool,
    prefix: Block,
    sizes: Vec<HalfSize>,
    next_step: usize,
    next_h: usize,
    max_h: usize,
}

impl Default for DfaStream {
    fn default() -> DfaStream {
        DfaStream::new()
    }
}

impl DfaStream {
    /// A stream of unknown length: every size that may become one of nolds' defaults is followed.
    pub fn new() -> DfaStream {
        DfaStream {
            len: 0,
            head: Vec::new(),
            first: 0.0,
            constant: true,
            finite: true,
            prefix: Block::default(),
            sizes: Vec::new(),
            next_step: 1,
            next_h: dfa_default_step(0) / 2,
            max_h: usize::MAX,
        }
    }

    /// A stream of exactly `n` values: only the sizes nolds will use for `n` are followed.
    pub fn for_length(n: usize) -> DfaStream {
        let max_h = default_dfa_nvals(n).last().map_or(0, |w| w / 2);
        DfaStream { max_h, ..DfaStream::new() }
    }

    /// Adds the next value.
    pub fn push(&mut self, x: f64) {
        self.push_slice(std::slice::from_ref(&x));
    }

    /// Adds the values `xs`, in order (the same result as pushing them one by one, and faster: each size
    /// runs through them in one loop).
    pub fn push_slice(&mut self, xs: &[f64]) {
        let mut rest = xs;
        while let Some(&x) = rest.first() {
            if self.len == 0 {
                self.first = x;
                // The prefix's first frame: slope x_0, so a large common level cancels exactly (Sterbenz).
                self.prefix.c = x;
            }
            let starts = self.next_h <= self.max_h;
            if starts && self.len == self.next_h {
                self.take(std::slice::from_ref(&x));
                self.start_size(x);
                self.prefix.add_run(std::slice::from_ref(&x));
                self.len += 1;
                rest = &rest[1..];
                continue;
            }
            let room = if starts { self.next_h - self.len } else { usize::MAX };
            let (run, later) = rest.split_at(room.min(rest.len()));
            self.take(run);
            self.prefix.add_run(run);
            self.len += run.len();
            rest = later;
        }
    }

    /// The checks and every started size, for a run of values.
    fn take(&mut self, run: &[f64]) {
        for &x in run {
            self.constant &= x == self.first;
            self.finite &= x.is_finite();
        }
        let keep = (SHORT + 1).saturating_sub(self.head.len()).min(run.len());
        self.head.extend_from_slice(&run[..keep]);
        for size in &mut self.sizes {
            size.push_all(run);
        }
    }

    /// Starts following half size `h = p`: the prefix `[0, h)` is its first block and `x` opens the second.
    fn start_size(&mut self, x: f64) {
        let h = self.next_h;
        let first = self.prefix.close(x);
        let c = first.c + first.k / h as f64;
        self.sizes.push(HalfSize {
            h,
            previous: first,
            current: Block::starting(c),
            even: Total::default(),
            odd: Total::default(),
            odd_pending: None,
        });
        self.prefix.recentre(c);
        while dfa_default_step(self.next_step) / 2 <= h {
            self.next_step += 1;
        }
        self.next_h = dfa_default_step(self.next_step) / 2;
    }

    /// Number of values pushed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` before the first value.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The exponent, as `Kernels::hurst_dfa(x, None)` on the values pushed.
    pub fn finish(&self) -> Option<f64> {
        if self.len <= SHORT {
            return crate::scalar::dfa::hurst_dfa(&self.head, None);
        }
        let sizes = default_dfa_nvals(self.len);
        if !self.finite {
            return Some(f64::NAN);
        }
        if self.constant {
            return None;
        }
        let fluctuations: Vec<(usize, f64)> = sizes
            .iter()
            .map(|&w| {
                let half = self.sizes.iter().find(|s| s.h == w / 2).expect("every default size is followed");
                (w, if w % 2 == 0 { half.even.fluctuation() } else { half.odd.fluctuation() })
            })
            .collect();
        dfa_exponent(&fluctuations)
    }
}
