//! DFA-1, generic over [`Isa`]: half-window block sums on a transposed profile, contiguous loads only.
//!
//! Windows of size `w` start every `h = w/2` points, so window `j` is exactly the half-blocks `j` and `j+1`
//! (`[jh, (j+2)h)`), plus the point `(j+2)h` when `w` is odd. Each block `b` is detrended once per size by its
//! own chord (through its first and last points, `A_b = y[bh]`, `β_b = (y[bh+h-1] - A_b)/(h-1)`):
//! `z = y - A_b - β_b r` (local index `r`), and its sums `Σz`, `Σrz`, `Σz²` are shared by the two windows
//! that contain it.
//!
//! A window's residual is unchanged by removing any line; take the scalar reference's chord through the
//! window's end points, `L(r') = y_s + γ r'`. Then `z' = y - L` is `z + d r` in block `j` (`d = β_j - γ`) and
//! `z + e0 + e1 r` in block `j+1` (`e0 = A_{j+1} - A_j - γh`, `e1 = β_{j+1} - γ`), and 0 at the odd window's
//! last point. So the window's sums of `z'` follow exactly from the two blocks' sums and closed-form power
//! sums of `r` (see [`window_rss`]), and the residual sum of squares is `Σz'² - (Σz')²/w - (Σt z')²/Σt²` as
//! in the scalar reference.
//!
//! Accuracy: every line involved goes through points of the window itself, so `z`, `d r` and `e0 + e1 r` are
//! of the size of the window's residual on smooth and rough series alike, and cancellation is bounded as in
//! the scalar reference's chord detrending (~4w), independently of the series' length, offset, trend, or a
//! jump just outside the window (`tests/long_series.rs`). Cost: each point is visited once per size instead
//! of twice.
//!
//! Vectorisation: lane `k` takes the windows `k·per_lane .. (k+1)·per_lane`, a contiguous segment of the
//! series. The profile is copied per size into a transposed buffer (row `i` holds `y[k·per_lane·h + i]` for
//! every lane `k`) with in-register tile transposes ([`Isa::transpose`]), so every later access is a
//! contiguous vector load and no lane ever waits on a gather.

use super::reductions::{all_equal, any_non_finite, sum_f64};
use crate::arch::Isa;
use crate::nolds::{dfa_exponent, dfa_nvals};

#[inline(always)]
pub(crate) fn hurst_dfa<S: Isa>(s: S, x: &[f64], nvals: Option<&[usize]>) -> Option<f64> {
    let nvals = dfa_nvals(x.len(), nvals)?;
    if any_non_finite(s, x) {
        return Some(f64::NAN);
    }
    if all_equal(s, x) {
        return None;
    }
    let mut scratch = Scratch::new::<S>(x.len(), &nvals, super::take_working_memory());
    profile(s, x, scratch.parts().walk);
    // Plain loops, no closures: a closure called from a non-inlined std function would be compiled without
    // the backend's target features, and every intrinsic in it would become a function call.
    let mut fluctuations = Vec::with_capacity(nvals.len());
    let mut ready = None;
    for &w in &nvals {
        fluctuations.push((w, fluctuation(s, &mut scratch, w, &mut ready)));
    }
    super::return_working_memory(scratch.memory);
    dfa_exponent(&fluctuations)
}

/// Layout of one window size for a series of `n` points. Lane `k` of a vector takes the windows
/// `k·per_lane .. (k+1)·per_lane` (a contiguous segment of the series), so a vector at row `i` holds the profile
/// at `k·per_lane·h + i` for every lane: a transposed copy of the profile, made with in-register tile
/// transposes and read with contiguous loads. Lane `k` needs blocks `0..=per_lane` of its segment and the node
/// after them, i.e. rows `0..=(per_lane+1)·h`.
#[derive(Clone, Copy)]
struct Layout {
    /// Half-window (block) size and start step, `w / 2`.
    h: usize,
    windows: usize,
    /// Windows per lane.
    per_lane: usize,
    /// Tiles of `LANES` rows in the transposed copy.
    tiles: usize,
}

impl Layout {
    fn new(n: usize, w: usize, lanes: usize) -> Layout {
        let h = w / 2;
        let windows = (n - w).div_ceil(h);
        let per_lane = windows.div_ceil(lanes);
        let rows = (per_lane + 1) * h + 1;
        Layout { h, windows, per_lane, tiles: rows.div_ceil(lanes) }
    }

    /// Distance between the segments of two lanes.
    fn stride(&self) -> usize {
        self.per_lane * self.h
    }

    /// Profile length (zero-padded) read by the transposes.
    fn walk(&self, lanes: usize) -> usize {
        (lanes - 1) * self.stride() + self.tiles * lanes
    }

    /// Length of the transposed copy.
    fn columns(&self, lanes: usize) -> usize {
        self.tiles * lanes * lanes
    }

    /// Length of each per-block array (blocks `0..=per_lane` of every lane).
    fn blocks(&self, lanes: usize) -> usize {
        (self.per_lane + 1) * lanes
    }
}

/// All working memory of one call: the zero-padded profile, its transposed copy and the per-block arrays.
/// Lanes past the last window read finite values, whose results are discarded.
struct Scratch {
    memory: Vec<f64>,
    n: usize,
    walk: usize,
    columns: usize,
    blocks: usize,
}

/// The disjoint parts of a [`Scratch`].
struct Parts<'a> {
    walk: &'a mut [f64],
    columns: &'a mut [f64],
    sums: BlockSums<'a>,
}

/// Per block (`m·LANES + k` for block `m` of lane `k`): `Σz`, `Σrz`, `Σz²` and the chord slope `β`.
struct BlockSums<'a> {
    s0: &'a mut [f64],
    s1: &'a mut [f64],
    s2: &'a mut [f64],
    slope: &'a mut [f64],
}

impl Scratch {
    /// Sizes the working memory for every size in `nvals`, reusing `memory`.
    fn new<S: Isa>(n: usize, nvals: &[usize], mut memory: Vec<f64>) -> Scratch {
        let (mut walk, mut columns, mut blocks) = (n, 0, 0);
        for &w in nvals {
            let layout = Layout::new(n, w, S::LANES);
            walk = walk.max(layout.walk(S::LANES));
            columns = columns.max(layout.columns(S::LANES));
            blocks = blocks.max(layout.blocks(S::LANES));
        }
        // Earlier contents are overwritten before they are read, except the profile's padding: zero it.
        memory.resize(walk + columns + 4 * blocks, 0.0);
        memory[n..walk].fill(0.0);
        Scratch { memory, n, walk, columns, blocks }
    }

    fn parts(&mut self) -> Parts<'_> {
        let (walk, rest) = self.memory.split_at_mut(self.walk);
        let (columns, rest) = rest.split_at_mut(self.columns);
        let (s0, rest) = rest.split_at_mut(self.blocks);
        let (s1, rest) = rest.split_at_mut(self.blocks);
        let (s2, slope) = rest.split_at_mut(self.blocks);
        Parts { walk, columns, sums: BlockSums { s0, s1, s2, slope } }
    }
}

/// Cumulative sum of `x - mean` into `walk`, as four interleaved chains over the four quarters of the series
/// (so the adds are not serialised on one register), then a vector pass adding each quarter's offset.
#[inline(always)]
fn profile<S: Isa>(s: S, x: &[f64], walk: &mut [f64]) {
    const CHAINS: usize = 4;
    let n = x.len();
    let mean = sum_f64(s, x) / n as f64;
    let seg = n.div_ceil(CHAINS);
    let mut acc = [0.0; CHAINS];
    for i in 0..seg {
        for (c, a) in acc.iter_mut().enumerate() {
            let at = c * seg + i;
            if at < n {
                *a += x[at] - mean;
                walk[at] = *a;
            }
        }
    }
    for c in 1..CHAINS {
        let start = (c * seg).min(n);
        // The previous quarter is already complete, so its last value is the whole prefix sum.
        let offset = walk[start - 1];
        let end = ((c + 1) * seg).min(n);
        let off = s.splat(offset);
        let mut i = start;
        while i + S::LANES <= end {
            s.store(s.add(s.load(walk, i), off), walk, i);
            i += S::LANES;
        }
        for v in &mut walk[i..end] {
            *v += offset;
        }
    }
}

/// F(w) over windows starting every `w/2` points (starts `< n - w`). `ready` names the layout whose block
/// sums are in the scratch (sizes `2h` and `2h + 1` often share it).
#[inline(always)]
fn fluctuation<S: Isa>(s: S, scratch: &mut Scratch, w: usize, ready: &mut Option<(usize, usize)>) -> f64 {
    if w == 2 {
        // A line through two points fits exactly; the scalar reference gets exactly 0 as well.
        return 0.0;
    }
    let layout = Layout::new(scratch.n, w, S::LANES);
    let Parts { walk, columns, mut sums } = scratch.parts();
    if *ready != Some((layout.h, layout.per_lane)) {
        for tile in 0..layout.tiles {
            s.transpose(walk, tile * S::LANES, layout.stride(), columns, tile * S::LANES * S::LANES);
        }
        block_sums(s, layout, columns, &mut sums);
        *ready = Some((layout.h, layout.per_lane));
    }
    let total = window_total(s, layout, w, columns, &sums);
    (total / w as f64 / layout.windows as f64).sqrt()
}

/// `Σz`, `Σrz`, `Σz²` of blocks `0..=per_lane` of every lane, `z = y - A - β r` with the block's first point
/// `A` (row `m·h`) and chord slope `β = (y[last] - A)/(h - 1)` (0 for one-point blocks, where `z = 0`).
/// Blocks go two at a time ([`block_pair_sums`]): each block's three sums are chains of dependent adds, and a
/// second block's chains fill the first one's latency (one block at a time, a block longer than the
/// out-of-order window ran at the adds' latency, not their throughput; four at a time for h ≤ 8 measured
/// 7 % slower on AVX-512 at n = 500).
#[inline(always)]
fn block_sums<S: Isa>(s: S, layout: Layout, columns: &[f64], sums: &mut BlockSums<'_>) {
    let mut m = 0;
    while m < layout.per_lane {
        block_pair_sums::<S, 2>(s, layout, columns, sums, m);
        m += 2;
    }
    if m == layout.per_lane {
        block_pair_sums::<S, 1>(s, layout, columns, sums, m);
    }
}

/// The sums of blocks `m .. m + B`, their loops interleaved. Per block and lane the operations are the same,
/// in the same order, whatever `B`.
#[inline(always)]
fn block_pair_sums<S: Isa, const B: usize>(s: S, layout: Layout, columns: &[f64], sums: &mut BlockSums<'_>, m: usize) {
    let (h, lanes) = (layout.h, S::LANES);
    let inv_span = s.splat(if h > 1 { 1.0 / (h - 1) as f64 } else { 0.0 });
    let (zero, one) = (s.splat(0.0), s.splat(1.0));
    let mut blocks: [&[f64]; B] = [&[]; B];
    let (mut first, mut slope) = ([zero; B], [zero; B]);
    for b in 0..B {
        blocks[b] = &columns[(m + b) * h * lanes..][..h * lanes];
        first[b] = s.load(blocks[b], 0);
        slope[b] = s.mul(s.sub(s.load(blocks[b], (h - 1) * lanes), first[b]), inv_span);
    }
    let (mut t0, mut t1, mut t2, mut rv) = ([zero; B], [zero; B], [zero; B], one);
    // r = 0 gives z = 0 exactly and is skipped; r = h - 1 gives z = 0 up to rounding and is summed, as
    // the reference sums every r.
    for r in 1..h {
        for b in 0..B {
            let z = s.sub(s.sub(s.load(&blocks[b][r * lanes..], 0), first[b]), s.mul(slope[b], rv));
            t0[b] = s.add(t0[b], z);
            t1[b] = s.mul_add(rv, z, t1[b]);
            t2[b] = s.mul_add(z, z, t2[b]);
        }
        rv = s.add(rv, one);
    }
    for b in 0..B {
        let at = (m + b) * lanes;
        s.store(t0[b], sums.s0, at);
        s.store(t1[b], sums.s1, at);
        s.store(t2[b], sums.s2, at);
        s.store(slope[b], sums.slope, at);
    }
}

/// Constants of the window pass for one size (negated where they enter a fused multiply-add).
struct WindowConstants<F> {
    h: F,
    /// `Σ_{r<h} r`
    r1: F,
    /// `Σ_{r<h} r²`
    r2: F,
    /// `h² + Σr` (`Σ (h + r)`)
    hr0: F,
    /// `h Σr + Σr²` (`Σ (h + r) r`)
    hr1: F,
    inv_span: F,
    two: F,
    neg_centre: F,
    neg_inv_w: F,
    neg_inv_stt: F,
    zero: F,
}

/// Sum over windows of the residual sums of squares.
#[inline(always)]
fn window_total<S: Isa>(s: S, layout: Layout, w: usize, columns: &[f64], sums: &BlockSums<'_>) -> f64 {
    let (h, wf) = (layout.h as f64, w as f64);
    let (r1, r2) = (h * (h - 1.0) / 2.0, (h - 1.0) * h * (2.0 * h - 1.0) / 6.0);
    let c = WindowConstants {
        h: s.splat(h),
        r1: s.splat(r1),
        r2: s.splat(r2),
        hr0: s.splat(h * h + r1),
        hr1: s.splat(h * r1 + r2),
        inv_span: s.splat(1.0 / (wf - 1.0)),
        two: s.splat(2.0),
        neg_centre: s.splat(-(wf - 1.0) * 0.5),
        neg_inv_w: s.splat(-1.0 / wf),
        neg_inv_stt: s.splat(-12.0 / (wf * (wf * wf - 1.0))),
        zero: s.splat(0.0),
    };
    // Windows of lane k: `clamp(windows - k·per_lane, 0, per_lane)`; window m of a lane counts when m is
    // below it, i.e. with weight `clamp(count - m, 0, 1)` (0 or 1, exactly).
    let mut counts = [0.0; 8];
    for (k, count) in counts.iter_mut().enumerate().take(S::LANES) {
        *count = layout.windows.saturating_sub(k * layout.per_lane).min(layout.per_lane) as f64;
    }
    let (mut remaining, one) = (s.load(&counts, 0), s.splat(1.0));
    let mut total = c.zero;
    for m in 0..layout.per_lane {
        let weight = s.min(s.max(remaining, c.zero), one);
        let rows = Rows { first: m * layout.h, middle: (m + 1) * layout.h, last: m * layout.h + w - 1 };
        total = s.mul_add(window_rss(s, m, rows, columns, sums, &c), weight, total);
        remaining = s.sub(remaining, one);
    }
    s.sum_lanes(total)
}

/// Rows of a window's first point, second block's first point and last point.
#[derive(Clone, Copy)]
struct Rows {
    first: usize,
    middle: usize,
    last: usize,
}

/// Residual sums of squares (clamped at 0) of window `m` of every lane, from the sums `P` of block `m` and
/// `Q` of block `m+1` and the lines between the blocks' chords and the window's chord (module docs):
///
/// * `Σz' = P0 + Q0 + d Σr + e0 h + e1 Σr`
/// * `Σr'z' = P1 + d Σr² + h Q0 + Q1 + e0 (h² + Σr) + e1 (h Σr + Σr²)`
/// * `Σz'² = P2 + 2d P1 + d² Σr² + Q2 + 2 e0 Q0 + 2 e1 Q1 + e0² h + 2 e0 e1 Σr + e1² Σr²`
#[inline(always)]
fn window_rss<S: Isa>(
    s: S,
    m: usize,
    rows: Rows,
    columns: &[f64],
    sums: &BlockSums<'_>,
    c: &WindowConstants<S::F>,
) -> S::F {
    let lanes = S::LANES;
    let (at, next) = (m * lanes, (m + 1) * lanes);
    let first = s.load(columns, rows.first * lanes);
    let middle = s.sub(s.load(columns, rows.middle * lanes), first);
    let gamma = s.mul(s.sub(s.load(columns, rows.last * lanes), first), c.inv_span);
    let d = s.sub(s.load(sums.slope, at), gamma);
    let e1 = s.sub(s.load(sums.slope, next), gamma);
    let e0 = s.mul_add(gamma, s.sub(c.zero, c.h), middle);
    let (p0, p1, p2) = (s.load(sums.s0, at), s.load(sums.s1, at), s.load(sums.s2, at));
    let (q0, q1, q2) = (s.load(sums.s0, next), s.load(sums.s1, next), s.load(sums.s2, next));
    // Σ of the correction lines: d r over block m, e0 + e1 r over block m+1.
    let s0 = s.add(s.add(p0, q0), s.mul_add(s.add(d, e1), c.r1, s.mul(e0, c.h)));
    let s1 = s.add(s.mul_add(c.h, q0, s.add(p1, q1)), s.mul_add(d, c.r2, s.mul_add(e0, c.hr0, s.mul(e1, c.hr1))));
    // Σ (z + δ)² = Σz² + 2 Σ z δ + Σ δ².
    let cross = s.mul_add(d, p1, s.mul_add(e0, q0, s.mul(e1, q1)));
    let line2 =
        s.mul_add(s.mul_add(d, d, s.mul(e1, e1)), c.r2, s.mul(e0, s.mul_add(e0, c.h, s.mul(s.mul(c.two, e1), c.r1))));
    let s2 = s.add(s.add(p2, q2), s.mul_add(c.two, cross, line2));
    let stz = s.mul_add(c.neg_centre, s0, s1);
    let rss = s.mul_add(s.mul(s0, c.neg_inv_w), s0, s2);
    let rss = s.mul_add(s.mul(stz, c.neg_inv_stt), stz, rss);
    s.max(rss, c.zero)
}
