//! DFA-1, generic over [`Isa`]: half-window block sums on a transposed profile, contiguous loads only.
//!
//! Windows of size `w` start every `h = w/2` points, so window `j` is exactly the half-blocks `j` and `j+1`
//! (`[jh, (j+2)h)`), plus the point `(j+2)h` when `w` is odd. The profile `y` is detrended once per size by
//! the piecewise-linear interpolant through the block starts ("nodes" `A_b = y[bh]`, slopes
//! `β_b = (A_{b+1} - A_b)/h`): `z = y - A_b - β_b r` inside block `b` (local index `r`). Each block's sums
//! `Σz`, `Σrz`, `Σz²` are computed once and shared by the two windows that contain it.
//!
//! For window `j` take the line through its first and last nodes, `L(r') = A_j + γ r'` with
//! `γ = (β_j + β_{j+1})/2`. The interpolant minus `L` is a tent: `Δ r` in block `j` and `Δ (h - r)` in block
//! `j+1`, with `Δ = (β_j - β_{j+1})/2`, and it is 0 at the odd window's extra point `(j+2)h`. So the window's
//! sums of `z' = y - L` follow exactly from the two blocks' sums and closed-form power sums of `r` (see
//! [`window_rss`]), and the residual sum of squares is `Σz'² - (Σz')²/w - (Σt z')²/Σt²` as in the scalar
//! reference (removing a line does not change the residual).
//!
//! Accuracy: `z` and the tent are of the size of the window's residual (the interpolant follows the profile
//! within the residual on smooth and rough series alike), so cancellation is bounded as in the scalar
//! reference's chord detrending (~4w), independently of the series' length, offset or trend
//! (`tests/long_series.rs`). Cost: each point is visited once per size instead of twice.
//!
//! Vectorisation: lane `k` takes the windows `k·per_lane .. (k+1)·per_lane`, a contiguous segment of the
//! series. The profile is copied per size into a transposed buffer (row `i` holds `y[k·per_lane·h + i]` for
//! every lane `k`) with in-register tile transposes ([`Isa::transpose`]), so every later access is a
//! contiguous vector load and no lane ever waits on a gather.

use super::Isa;
use super::reductions::{all_equal, any_non_finite, sum_f64};
use crate::scales::{dfa_exponent, dfa_nvals};

/// Working-memory elements kept per thread between calls (beyond that, memory is returned after the call).
const KEEP: usize = 1 << 16;

thread_local! {
    /// Working memory reused across calls on this thread. It is taken out for the duration of a call, so a
    /// nested call (none exists) would only cost an allocation.
    static MEMORY: std::cell::Cell<Vec<f64>> = const { std::cell::Cell::new(Vec::new()) };
}

#[inline(always)]
pub(crate) fn hurst_dfa<S: Isa>(s: S, x: &[f64], nvals: Option<&[usize]>) -> Option<f64> {
    let nvals = dfa_nvals(x.len(), nvals)?;
    if any_non_finite(s, x) {
        return Some(f64::NAN);
    }
    if all_equal(s, x) {
        return None;
    }
    let mut scratch = Scratch::new::<S>(x.len(), &nvals, MEMORY.take());
    profile(s, x, scratch.parts().walk);
    // Plain loops, no closures: a closure called from a non-inlined std function would be compiled without
    // the backend's target features, and every intrinsic in it would become a function call.
    let mut fluctuations = Vec::with_capacity(nvals.len());
    let mut ready = None;
    for &w in &nvals {
        fluctuations.push((w, fluctuation(s, &mut scratch, w, &mut ready)));
    }
    if scratch.memory.capacity() <= KEEP {
        MEMORY.set(scratch.memory);
    }
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

/// Per block (`m·LANES + k` for block `m` of lane `k`): `Σz`, `Σrz`, `Σz²`, and the tent height per unit
/// `Δ = (β_m - β_{m+1})/2` of the window starting at the block.
struct BlockSums<'a> {
    s0: &'a mut [f64],
    s1: &'a mut [f64],
    s2: &'a mut [f64],
    tent: &'a mut [f64],
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
        memory.clear();
        memory.resize(walk + columns + 4 * blocks, 0.0);
        Scratch { memory, n, walk, columns, blocks }
    }

    fn parts(&mut self) -> Parts<'_> {
        let (walk, rest) = self.memory.split_at_mut(self.walk);
        let (columns, rest) = rest.split_at_mut(self.columns);
        let (s0, rest) = rest.split_at_mut(self.blocks);
        let (s1, rest) = rest.split_at_mut(self.blocks);
        let (s2, tent) = rest.split_at_mut(self.blocks);
        Parts { walk, columns, sums: BlockSums { s0, s1, s2, tent } }
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
    let total = window_total(s, layout, w, &sums);
    (total / w as f64 / layout.windows as f64).sqrt()
}

/// `Σz`, `Σrz`, `Σz²` of blocks `0..=per_lane` of every lane, `z = y - A - β r` with the block's first node
/// `A` (row `m·h`) and `β = (next node - A)/h`; and the tents `(β_m - β_{m+1})/2`.
#[inline(always)]
fn block_sums<S: Isa>(s: S, layout: Layout, columns: &[f64], sums: &mut BlockSums<'_>) {
    let (h, lanes) = (layout.h, S::LANES);
    let (inv_h, half, zero, one) = (s.splat(1.0 / h as f64), s.splat(0.5), s.splat(0.0), s.splat(1.0));
    let mut previous = zero;
    for m in 0..=layout.per_lane {
        let row = m * h * lanes;
        let first = s.load(columns, row);
        // -β, exactly (a - b = -(b - a) in IEEE arithmetic).
        let neg_slope = s.mul(s.sub(first, s.load(columns, row + h * lanes)), inv_h);
        let (mut t0, mut t1, mut t2, mut rv) = (zero, zero, zero, one);
        for r in 1..h {
            // r = 0 gives z = 0 exactly.
            let z = s.mul_add(neg_slope, rv, s.sub(s.load(columns, row + r * lanes), first));
            t0 = s.add(t0, z);
            t1 = s.mul_add(rv, z, t1);
            t2 = s.mul_add(z, z, t2);
            rv = s.add(rv, one);
        }
        s.store(t0, sums.s0, m * lanes);
        s.store(t1, sums.s1, m * lanes);
        s.store(t2, sums.s2, m * lanes);
        if m > 0 {
            // (β_{m-1} - β_m)/2
            s.store(s.mul(s.sub(neg_slope, previous), half), sums.tent, (m - 1) * lanes);
        }
        previous = neg_slope;
    }
}

/// Constants of the window pass for one size (negated where they enter a fused multiply-add).
struct WindowConstants<F> {
    h: F,
    /// `h²` (`Σ` of the tent over the window, per unit `Δ`).
    h2: F,
    /// `h³` (`Σ r'·tent`).
    h3: F,
    /// `Σ_{r<h} r² + Σ_{r=1..h} r²` (`Σ tent²`).
    tent2: F,
    neg_centre: F,
    neg_inv_w: F,
    neg_inv_stt: F,
    zero: F,
}

/// Sum over windows of the residual sums of squares.
#[inline(always)]
fn window_total<S: Isa>(s: S, layout: Layout, w: usize, sums: &BlockSums<'_>) -> f64 {
    let (h, wf) = (layout.h as f64, w as f64);
    let q = (h - 1.0) * h * (2.0 * h - 1.0) / 6.0;
    let c = WindowConstants {
        h: s.splat(h),
        h2: s.splat(h * h),
        h3: s.splat(h * h * h),
        tent2: s.splat(2.0 * q + h * h),
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
        total = s.mul_add(window_rss(s, m, sums, &c), weight, total);
        remaining = s.sub(remaining, one);
    }
    s.sum_lanes(total)
}

/// Residual sums of squares (clamped at 0) of window `m` of every lane, from the sums of blocks `m` and
/// `m+1` and the tent `Δ r` / `Δ (h - r)` between the nodes' interpolant and the window's line (module docs):
///
/// * `Σz' = P0 + Q0 + Δ h²`
/// * `Σr'z' = P1 + Q1 + h Q0 + Δ h³`
/// * `Σz'² = P2 + Q2 + 2Δ (P1 + h Q0 - Q1) + Δ² (2 Σ_{r<h} r² + h²)`
///
/// where `P`, `Q` are the sums of blocks `m`, `m+1`.
#[inline(always)]
fn window_rss<S: Isa>(s: S, m: usize, sums: &BlockSums<'_>, c: &WindowConstants<S::F>) -> S::F {
    let (at, next) = (m * S::LANES, (m + 1) * S::LANES);
    let d = s.load(sums.tent, at);
    let (p0, p1, p2) = (s.load(sums.s0, at), s.load(sums.s1, at), s.load(sums.s2, at));
    let (q0, q1, q2) = (s.load(sums.s0, next), s.load(sums.s1, next), s.load(sums.s2, next));
    let hq0 = s.mul(c.h, q0);
    let s0 = s.mul_add(d, c.h2, s.add(p0, q0));
    let s1 = s.mul_add(d, c.h3, s.add(s.add(p1, q1), hq0));
    let cross = s.sub(s.add(p1, hq0), q1);
    let s2 = s.mul_add(d, s.mul_add(d, c.tent2, s.add(cross, cross)), s.add(p2, q2));
    let stz = s.mul_add(c.neg_centre, s0, s1);
    let rss = s.mul_add(s.mul(s0, c.neg_inv_w), s0, s2);
    let rss = s.mul_add(s.mul(stz, c.neg_inv_stt), stz, rss);
    s.max(rss, c.zero)
}
