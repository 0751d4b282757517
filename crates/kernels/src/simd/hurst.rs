//! DFA and R/S Hurst exponents, generic over [`Isa`].
//!
//! Windows (DFA) and blocks (R/S) are short (4 to a few hundred points) and numerous, so the vectors run
//! across them: lane `k` handles window `j + k`, and step `r` gathers element `r` of each of the `LANES`
//! windows (`x[start + k·stride + r]`). Every lane then accumulates its own sums without horizontal
//! reductions until the per-size total. Windows left over (fewer than `LANES`) use the scalar reference code.

use super::Isa;
use super::reductions::{all_equal, any_non_finite, sum_f64};
use crate::scalar::{dfa_window_rss, rs_block};
use crate::scales::{dfa_exponent, dfa_nvals, rs_exponent, rs_nvals};

#[inline(always)]
pub(crate) fn hurst_dfa<S: Isa>(s: S, x: &[f64], nvals: Option<&[usize]>) -> Option<f64> {
    let nvals = dfa_nvals(x.len(), nvals)?;
    if any_non_finite(s, x) {
        return Some(f64::NAN);
    }
    if all_equal(s, x) {
        return None;
    }
    let walk = profile(s, x);
    // Plain loops, no closures: a closure called from a non-inlined std function would be compiled without
    // the backend's target features, and every intrinsic in it would become a function call.
    let mut fluctuations = Vec::with_capacity(nvals.len());
    for &w in &nvals {
        fluctuations.push((w, fluctuation(s, &walk, w)));
    }
    dfa_exponent(&fluctuations)
}

/// Cumulative sum of `x - mean`, as four interleaved chains over the four quarters of the series (so the adds
/// are not serialised on one register), then a vector pass adding each quarter's offset.
#[inline(always)]
fn profile<S: Isa>(s: S, x: &[f64]) -> Vec<f64> {
    const CHAINS: usize = 4;
    let n = x.len();
    let mean = sum_f64(s, x) / n as f64;
    let mut walk = vec![0.0; n];
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
            let v = s.add(s.load(&walk, i), off);
            for (k, &val) in s.lanes_f64(v).as_slice().iter().enumerate() {
                walk[i + k] = val;
            }
            i += S::LANES;
        }
        for w in &mut walk[i..end] {
            *w += offset;
        }
    }
    walk
}

/// F(w) over windows starting every `w/2` points (starts `< len - w`).
#[inline(always)]
fn fluctuation<S: Isa>(s: S, walk: &[f64], w: usize) -> f64 {
    let step = w / 2;
    let windows = (walk.len() - w).div_ceil(step);
    let (wf, centre) = (w as f64, (w as f64 - 1.0) * 0.5);
    let stt = s.splat(wf * (wf * wf - 1.0) / 12.0);
    let (span, size, half) = (s.splat(wf - 1.0), s.splat(wf), s.splat(centre));
    let zero = s.splat(0.0);
    let mut total = zero;
    let mut k = 0;
    while k + S::LANES <= windows {
        let start = k * step;
        let first = s.gather(walk, start, step);
        let slope = s.div(s.sub(s.gather(walk, start + w - 1, step), first), span);
        let (mut s0, mut s1, mut s2) = (zero, zero, zero);
        for r in 0..w {
            let rv = s.splat(r as f64);
            let z = s.sub(s.sub(s.gather(walk, start + r, step), first), s.mul(slope, rv));
            s0 = s.add(s0, z);
            s1 = s.mul_add(rv, z, s1);
            s2 = s.mul_add(z, z, s2);
        }
        let stz = s.sub(s1, s.mul(half, s0));
        let rss = s.sub(s.sub(s2, s.div(s.mul(s0, s0), size)), s.div(s.mul(stz, stz), stt));
        total = s.add(total, s.max(rss, zero));
        k += S::LANES;
    }
    let mut sum = s.sum_lanes(total);
    for j in k..windows {
        sum += dfa_window_rss(&walk[j * step..j * step + w]);
    }
    (sum / wf / windows as f64).sqrt()
}

#[inline(always)]
pub(crate) fn hurst_rs<S: Isa>(s: S, x: &[f64], nvals: Option<&[usize]>) -> Option<f64> {
    let nvals = rs_nvals(x.len(), nvals)?;
    if any_non_finite(s, x) {
        return Some(f64::NAN);
    }
    let mut ratios = Vec::with_capacity(nvals.len());
    for &w in &nvals {
        ratios.push((w, mean_rescaled_range(s, x, w)));
    }
    rs_exponent(&ratios)
}

/// Mean R/S over the complete blocks of size `w`, skipping blocks whose values are all equal.
#[inline(always)]
fn mean_rescaled_range<S: Isa>(s: S, x: &[f64], w: usize) -> Option<f64> {
    if w < 2 {
        return None;
    }
    let blocks = x.len() / w;
    let (wf, zero) = (w as f64, s.splat(0.0));
    let (size, dof) = (s.splat(wf), s.splat(wf - 1.0));
    let (mut total, mut used) = (0.0, 0usize);
    let mut k = 0;
    while k + S::LANES <= blocks {
        let start = k * w;
        let first = s.gather(x, start, w);
        let (mut sum, mut differ) = (zero, 0u64);
        for r in 0..w {
            let v = s.gather(x, start + r, w);
            sum = s.add(sum, s.sub(v, first));
            differ |= s.ne_mask(v, first);
        }
        // Divide (not multiply by 1/w) as the scalar reference does: blocks of near-equal values amplify any
        // rounding difference in the mean.
        let mean = s.div(sum, size);
        let (mut acc, mut hi, mut lo, mut ss) = (zero, s.splat(f64::NEG_INFINITY), s.splat(f64::INFINITY), zero);
        for r in 0..w {
            let d = s.sub(s.sub(s.gather(x, start + r, w), first), mean);
            acc = s.add(acc, d);
            hi = s.max(hi, acc);
            lo = s.min(lo, acc);
            ss = s.mul_add(d, d, ss);
        }
        let range = s.sub(hi, lo);
        let usable = differ & s.ne_mask(range, zero);
        let ratio = s.div(range, s.sqrt(s.div(ss, dof)));
        for (lane, &r) in s.lanes_f64(ratio).as_slice().iter().enumerate() {
            if usable >> lane & 1 == 1 {
                total += r;
                used += 1;
            }
        }
        k += S::LANES;
    }
    for block in x[k * w..blocks * w].chunks_exact(w) {
        if let Some(ratio) = rs_block(block) {
            total += ratio;
            used += 1;
        }
    }
    (used > 0).then(|| total / used as f64)
}
