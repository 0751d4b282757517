//! R/S Hurst exponent, generic over [`Isa`].
//!
//! Blocks of size `w` are non-overlapping and each needs a running cumulative sum, so lanes run across
//! blocks: lane `k` takes the blocks `k·per_lane .. (k+1)·per_lane`, a contiguous segment of the series. The
//! series is copied per size into a transposed buffer (row `i` holds `x[k·per_lane·w + i]` for every lane `k`)
//! with in-register tile transposes ([`Isa::transpose`]), so both passes over a block (the shifted sum for
//! the mean, then the cumulative deviations with their running max/min and the sum of squares) are
//! contiguous vector loads, in the same order of operations per lane as the scalar reference.

use super::reductions::any_non_finite;
use crate::arch::Isa;
use crate::nolds::{rs_exponent, rs_nvals};

#[inline(always)]
pub(crate) fn hurst_rs<S: Isa>(s: S, x: &[f64], nvals: Option<&[usize]>) -> Option<f64> {
    let nvals = rs_nvals(x.len(), nvals)?;
    if any_non_finite(s, x) {
        return Some(f64::NAN);
    }
    // Sizes: the padded copy of `x` and the largest transposed buffer.
    let (mut padded, mut columns) = (x.len(), 0);
    for &w in &nvals {
        if let Some(layout) = Layout::new(x.len(), w, S::LANES) {
            padded = padded.max(layout.padded(S::LANES));
            columns = columns.max(layout.columns(S::LANES));
        }
    }
    let mut memory = super::take_working_memory();
    memory.resize(padded + columns, 0.0);
    let (series, columns) = memory.split_at_mut(padded);
    series[..x.len()].copy_from_slice(x);
    series[x.len()..].fill(0.0);
    // Plain loops, no closures (see `docs/SIMD.md`).
    let mut ratios = Vec::with_capacity(nvals.len());
    for &w in &nvals {
        let ratio = match Layout::new(x.len(), w, S::LANES) {
            Some(layout) => mean_rescaled_range(s, series, columns, layout),
            None => None,
        };
        ratios.push((w, ratio));
    }
    super::return_working_memory(memory);
    rs_exponent(&ratios)
}

/// Layout of one block size: lane `k` takes blocks `k·per_lane .. (k+1)·per_lane`.
#[derive(Clone, Copy)]
struct Layout {
    w: usize,
    blocks: usize,
    per_lane: usize,
    /// Tiles of `LANES` rows covering rows `0..per_lane·w`.
    tiles: usize,
}

impl Layout {
    /// `None` for sizes without a usable block (`w < 2`: zero range by definition).
    fn new(n: usize, w: usize, lanes: usize) -> Option<Layout> {
        let blocks = n / w;
        if w < 2 || blocks == 0 {
            return None;
        }
        let per_lane = blocks.div_ceil(lanes);
        Some(Layout { w, blocks, per_lane, tiles: (per_lane * w).div_ceil(lanes) })
    }

    /// Length of the zero-padded series read by the transposes.
    fn padded(&self, lanes: usize) -> usize {
        (lanes - 1) * self.per_lane * self.w + self.tiles * lanes
    }

    fn columns(&self, lanes: usize) -> usize {
        self.tiles * lanes * lanes
    }
}

/// Mean R/S over the complete blocks of size `w`, skipping blocks whose values are all equal or whose range
/// is zero. Blocks are taken two at a time ([`block_ranges`]), so that two independent chains of adds hide
/// each other's latency (four at a time measured slower on AVX-512 at n = 4096: 17.3 against 15.4 µs).
#[inline(always)]
fn mean_rescaled_range<S: Isa>(s: S, series: &[f64], columns: &mut [f64], layout: Layout) -> Option<f64> {
    let (w, lanes) = (layout.w, S::LANES);
    for tile in 0..layout.tiles {
        s.transpose(series, tile * lanes, layout.per_lane * w, columns, tile * lanes * lanes);
    }
    // Blocks of lane k: `clamp(blocks - k·per_lane, 0, per_lane)`; block m of a lane counts with weight
    // `clamp(count - m, 0, 1)` (0 or 1, exactly).
    let mut counts = [0.0; 8];
    for (k, count) in counts.iter_mut().enumerate().take(lanes) {
        *count = layout.blocks.saturating_sub(k * layout.per_lane).min(layout.per_lane) as f64;
    }
    let mut totals = Totals { total: s.splat(0.0), remaining: s.load(&counts, 0), used: 0 };
    let mut m = 0;
    while m + 2 <= layout.per_lane {
        add_blocks::<S, 2>(s, columns, layout, m, &mut totals);
        m += 2;
    }
    if m < layout.per_lane {
        add_blocks::<S, 1>(s, columns, layout, m, &mut totals);
    }
    (totals.used > 0).then(|| s.sum_lanes(totals.total) / f64::from(totals.used))
}

/// Running totals of one size: the weighted sum of ratios per lane, the lanes' remaining block counts, and
/// the number of blocks used.
struct Totals<F> {
    total: F,
    remaining: F,
    used: u32,
}

/// Adds the ratios of blocks `m .. m + B` of every lane to `totals`. The ratio `range / √(ss / (w - 1))` is
/// taken as `range · √(w - 1) · rsqrt(ss)`: no division or square root per block (docs/SIMD.md, "R/S without
/// division").
#[inline(always)]
fn add_blocks<S: Isa, const B: usize>(s: S, columns: &[f64], layout: Layout, m: usize, totals: &mut Totals<S::F>) {
    let (w, lanes) = (layout.w, S::LANES);
    let (zero, one, tiny) = (s.splat(0.0), s.splat(1.0), s.splat(f64::MIN_POSITIVE));
    let root_dof = s.splat((w as f64 - 1.0).sqrt());
    let mut rows = [0; B];
    for (b, row) in rows.iter_mut().enumerate() {
        *row = (m + b) * w * lanes;
    }
    let stats = block_ranges(s, columns, rows, w);
    for (b, stat) in stats.iter().enumerate() {
        // Skipped blocks (all values equal, or zero range) have range 0, so their ratio is 0 (the `tiny`
        // floor only keeps 0·∞ away; a block with different values has ss > 0). Blocks past the end of
        // the series have weight 0.
        totals.used += (stat.differ & s.ne_mask(stat.range, zero) & valid_lanes(layout, m + b, lanes)).count_ones();
        let ratio = s.mul(s.mul(stat.range, root_dof), s.rsqrt(s.max(stat.ss, tiny)));
        totals.total = s.mul_add(ratio, s.min(s.max(totals.remaining, zero), one), totals.total);
        totals.remaining = s.sub(totals.remaining, one);
    }
}

/// Range of the cumulative deviations, sum of squared deviations and the lanes whose values differ, of one
/// block per lane.
#[derive(Clone, Copy)]
struct BlockRange<F> {
    range: F,
    ss: F,
    differ: u64,
}

/// [`BlockRange`] of the `B` blocks starting at `rows` (transposed rows, `w` values each), their loops
/// interleaved. Per block and lane the operations are the scalar reference's, in its order: the sum of
/// the values shifted by the first, the mean by division (not multiplication by `1/w`: blocks of near-equal
/// values amplify any rounding difference in the mean), then the running sum of the deviations with its
/// maximum and minimum, and the sum of their squares.
#[inline(always)]
fn block_ranges<S: Isa, const B: usize>(s: S, columns: &[f64], rows: [usize; B], w: usize) -> [BlockRange<S::F>; B] {
    // Plain loops, no closures (see `docs/SIMD.md`).
    let (lanes, zero, size) = (S::LANES, s.splat(0.0), s.splat(w as f64));
    // Each row load checks its own bounds: one check per block instead (the row loads' checks then fold
    // away) measured AVX-512 −5 % but `pulp` 2× slower (docs/SIMD.md, "Speed").
    let mut first = [zero; B];
    for b in 0..B {
        first[b] = s.load(columns, rows[b]);
    }
    let (mut sum, mut differ) = ([zero; B], [0u64; B]);
    for r in 1..w {
        for b in 0..B {
            let v = s.load(columns, rows[b] + r * lanes);
            sum[b] = s.add(sum[b], s.sub(v, first[b]));
            differ[b] |= s.ne_mask(v, first[b]);
        }
    }
    let mut mean = [zero; B];
    for b in 0..B {
        mean[b] = s.div(sum[b], size);
    }
    let (mut acc, mut ss) = ([zero; B], [zero; B]);
    let (mut hi, mut lo) = ([s.splat(f64::NEG_INFINITY); B], [s.splat(f64::INFINITY); B]);
    for r in 0..w {
        for b in 0..B {
            let d = s.sub(s.sub(s.load(columns, rows[b] + r * lanes), first[b]), mean[b]);
            acc[b] = s.add(acc[b], d);
            hi[b] = s.max(hi[b], acc[b]);
            lo[b] = s.min(lo[b], acc[b]);
            ss[b] = s.mul_add(d, d, ss[b]);
        }
    }
    let mut out = [BlockRange { range: zero, ss: zero, differ: 0 }; B];
    for b in 0..B {
        out[b] = BlockRange { range: s.sub(hi[b], lo[b]), ss: ss[b], differ: differ[b] };
    }
    out
}

/// Bit `k` set when lane `k`'s block `m` exists (`k·per_lane + m < blocks`).
#[inline(always)]
fn valid_lanes(layout: Layout, m: usize, lanes: usize) -> u64 {
    let mut bits = 0;
    for k in 0..lanes {
        bits |= u64::from(k * layout.per_lane + m < layout.blocks) << k;
    }
    bits
}
