//! Kyle lambda (the least-squares slope of `dp` on `q`), generic over [`Isa`]: two passes, each with
//! `UNROLL` independent accumulator pairs, over both series shifted by their first value.

use super::reductions::{UNROLL, any_non_finite};
use crate::arch::Isa;

#[inline(always)]
pub(crate) fn kyle_lambda<S: Isa>(s: S, dp: &[f64], q: &[f64]) -> Option<f64> {
    assert_eq!(dp.len(), q.len(), "kyle_lambda: dp and q must have the same length");
    let n = q.len();
    if n < 2 {
        return None;
    }
    let (q0, p0) = (q[0], dp[0]);
    // Pass 1: sums of both series shifted by their first value (as the scalar reference does). A NaN or ±∞
    // makes a sum non-finite, so the explicit non-finite scan runs only then.
    let (sum_q, sum_p) = kyle_shifted_sums(s, dp, q);
    if !(sum_q.is_finite() && sum_p.is_finite()) && (any_non_finite(s, q) || any_non_finite(s, dp)) {
        return Some(f64::NAN);
    }
    let (mean_q, mean_dp) = (sum_q / n as f64, sum_p / n as f64);
    // Pass 2: centred cross products, UNROLL independent accumulator pairs.
    let (oq, op) = (s.splat(q0), s.splat(p0));
    let (mq, mp) = (s.splat(mean_q), s.splat(mean_dp));
    let mut sxy = [s.splat(0.0); UNROLL];
    let mut sxx = sxy;
    let step = S::LANES * UNROLL;
    let mut i = 0;
    while i + step <= n {
        for k in 0..UNROLL {
            let at = i + k * S::LANES;
            let dq = s.sub(s.sub(s.load(q, at), oq), mq);
            let ddp = s.sub(s.sub(s.load(dp, at), op), mp);
            sxy[k] = s.mul_add(dq, ddp, sxy[k]);
            sxx[k] = s.mul_add(dq, dq, sxx[k]);
        }
        i += step;
    }
    while i + S::LANES <= n {
        let dq = s.sub(s.sub(s.load(q, i), oq), mq);
        let ddp = s.sub(s.sub(s.load(dp, i), op), mp);
        sxy[0] = s.mul_add(dq, ddp, sxy[0]);
        sxx[0] = s.mul_add(dq, dq, sxx[0]);
        i += S::LANES;
    }
    let (mut xy, mut xx) = (s.sum_lanes(add4(s, sxy)), s.sum_lanes(add4(s, sxx)));
    for j in i..n {
        let dq = (q[j] - q0) - mean_q;
        xy += dq * ((dp[j] - p0) - mean_dp);
        xx += dq * dq;
    }
    // Σdq² is 0 exactly when every q equals q0: a difference of floats is 0 only for equal operands, and
    // values that are not all equal cannot all equal their mean.
    (xx > 0.0).then_some(xy / xx)
}

/// `(Σ(q - q0), Σ(dp - dp0))` with UNROLL independent accumulators per sum.
#[inline(always)]
fn kyle_shifted_sums<S: Isa>(s: S, dp: &[f64], q: &[f64]) -> (f64, f64) {
    let n = q.len();
    let (q0, p0) = (q[0], dp[0]);
    let (oq, op) = (s.splat(q0), s.splat(p0));
    let mut sq = [s.splat(0.0); UNROLL];
    let mut sp = sq;
    let step = S::LANES * UNROLL;
    let mut i = 0;
    while i + step <= n {
        for k in 0..UNROLL {
            let at = i + k * S::LANES;
            sq[k] = s.add(sq[k], s.sub(s.load(q, at), oq));
            sp[k] = s.add(sp[k], s.sub(s.load(dp, at), op));
        }
        i += step;
    }
    while i + S::LANES <= n {
        sq[0] = s.add(sq[0], s.sub(s.load(q, i), oq));
        sp[0] = s.add(sp[0], s.sub(s.load(dp, i), op));
        i += S::LANES;
    }
    let (mut sum_q, mut sum_p) = (s.sum_lanes(add4(s, sq)), s.sum_lanes(add4(s, sp)));
    for j in i..n {
        sum_q += q[j] - q0;
        sum_p += dp[j] - p0;
    }
    (sum_q, sum_p)
}

/// Sum of four vectors, pairwise.
#[inline(always)]
fn add4<S: Isa>(s: S, v: [S::F; UNROLL]) -> S::F {
    s.add(s.add(v[0], v[1]), s.add(v[2], v[3]))
}
