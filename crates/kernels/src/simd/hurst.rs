//! DFA and R/S Hurst exponents, generic over [`Isa`].
//!
//! Windows (DFA) and blocks (R/S) are short (4 to a few hundred points) and numerous, so the vectors run
//! across them: lane `k` handles window `j + k`, and step `r` gathers element `r` of each of the `LANES`
//! windows (`x[start + k·stride + r]`). Every lane then accumulates its own sums without horizontal
//! reductions until the per-size total. Windows left over (fewer than `LANES`) use the scalar reference code.

use super::Isa;
use super::reductions::any_non_finite;
use crate::scalar::rs_block;
use crate::scales::{rs_exponent, rs_nvals};

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
