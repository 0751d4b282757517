//! Kyle lambda (the least-squares slope of `dp` on `q`), generic over [`Isa`]: one pass over both series
//! shifted near their means, certified against the two-pass reference's rounding ([`one_pass`]), with the
//! reference's two passes (`UNROLL` independent accumulator pairs, series shifted by their first value) when
//! the certificate fails.

use super::reductions::{UNROLL, any_non_finite};
use crate::arch::Isa;

#[inline(always)]
pub(crate) fn kyle_lambda<S: Isa>(s: S, dp: &[f64], q: &[f64]) -> Option<f64> {
    assert_eq!(dp.len(), q.len(), "kyle_lambda: dp and q must have the same length");
    let n = q.len();
    if n < 2 {
        return None;
    }
    if n >= S::LANES * UNROLL
        && let Some(lambda) = one_pass(s, dp, q)
    {
        return Some(lambda);
    }
    two_pass(s, dp, q)
}

/// Power sums of both series shifted by an estimate of their means, in one pass.
struct ShiftedSums {
    q: f64,
    p: f64,
    qq: f64,
    pp: f64,
    qp: f64,
}

/// The slope from one pass, when its rounding is certified to be of the two-pass reference's size; `None`
/// sends the caller to [`two_pass`] (non-finite values, constant `q`, or a shift far from a mean).
///
/// With `d = v - c` (`c` the mean of the first vector, exact subtraction for values within a factor of two
/// of `c`), the centred sums are `Cqq = Σdq² - (Σdq)²/n` and `Cqp = Σdq dp - Σdq Σdp / n`. Their rounding is
/// at most `γ (Σdq² + (Σdq)²/n)` and `γ (√(Σdq² Σdp²) + |Σdq Σdp|/n)`, `γ` growing with the accumulation
/// chains as in the two-pass form, whose bounds are `γ Cqq` and `γ √(Cqq Cpp)`. When `(Σd)²/n <= 3/4 Σd²`
/// for both series, `Σd² <= 4 C` and the one-pass bounds are at most 7 times the two-pass ones (and
/// `Cqq >= Σdq²/4 > 0`, so `q` is not constant). Otherwise the mean is far from `c` relative to the spread,
/// the centring would cancel, and the two passes run instead.
#[inline(always)]
fn one_pass<S: Isa>(s: S, dp: &[f64], q: &[f64]) -> Option<f64> {
    let n = q.len() as f64;
    let sums = shifted_power_sums(s, dp, q);
    let finite = [sums.q, sums.p, sums.qq, sums.pp, sums.qp].iter().all(|v| v.is_finite());
    let (mean_q, mean_p) = (sums.q / n, sums.p / n);
    let (off_q, off_p) = (sums.q * mean_q, sums.p * mean_p);
    let certified = finite && sums.qq > 0.0 && off_q <= 0.75 * sums.qq && off_p <= 0.75 * sums.pp;
    certified.then(|| (sums.qp - sums.q * mean_p) / (sums.qq - off_q))
}

/// `Σdq`, `Σdp`, `Σdq²`, `Σdp²`, `Σdq dp` with four independent accumulators per sum where 32 vector
/// registers hold them (AVX-512), two otherwise: five sums of four vectors spill out of 16 registers
/// (n = 500: AVX-512 88 ns with four, 97 ns with two; AVX2 and pulp 107 and 195 ns with four, 105 and
/// 121 ns with two).
#[inline(always)]
fn shifted_power_sums<S: Isa>(s: S, dp: &[f64], q: &[f64]) -> ShiftedSums {
    if S::REGISTERS >= 32 { unrolled_power_sums::<S, 4>(s, dp, q) } else { unrolled_power_sums::<S, 2>(s, dp, q) }
}

/// `Σdq`, `Σdp`, `Σdq²`, `Σdp²`, `Σdq dp` over `d = v - c`, `c` the mean of each series' first vector;
/// `U` independent accumulators per sum.
#[inline(always)]
fn unrolled_power_sums<S: Isa, const U: usize>(s: S, dp: &[f64], q: &[f64]) -> ShiftedSums {
    let n = q.len();
    let inv_lanes = 1.0 / S::LANES as f64;
    let (cq, cp) = (s.sum_lanes(s.load(q, 0)) * inv_lanes, s.sum_lanes(s.load(dp, 0)) * inv_lanes);
    let (oq, op) = (s.splat(cq), s.splat(cp));
    let zero = s.splat(0.0);
    let (mut sq, mut sp, mut sqq, mut spp, mut sqp) = ([zero; U], [zero; U], [zero; U], [zero; U], [zero; U]);
    // Fixed-size chunks: the loads' bounds checks are against a constant length and vanish.
    let step = S::LANES * U;
    let mut i = 0;
    for (q_chunk, dp_chunk) in q.chunks_exact(step).zip(dp.chunks_exact(step)) {
        for k in 0..U {
            let dq = s.sub(s.load(q_chunk, k * S::LANES), oq);
            let dv = s.sub(s.load(dp_chunk, k * S::LANES), op);
            sq[k] = s.add(sq[k], dq);
            sp[k] = s.add(sp[k], dv);
            sqq[k] = s.mul_add(dq, dq, sqq[k]);
            spp[k] = s.mul_add(dv, dv, spp[k]);
            sqp[k] = s.mul_add(dq, dv, sqp[k]);
        }
        i += step;
    }
    while i + S::LANES <= n {
        let dq = s.sub(s.load(q, i), oq);
        let dv = s.sub(s.load(dp, i), op);
        sq[0] = s.add(sq[0], dq);
        sp[0] = s.add(sp[0], dv);
        sqq[0] = s.mul_add(dq, dq, sqq[0]);
        spp[0] = s.mul_add(dv, dv, spp[0]);
        sqp[0] = s.mul_add(dq, dv, sqp[0]);
        i += S::LANES;
    }
    let mut sums = ShiftedSums {
        q: s.sum_lanes(add_all(s, sq)),
        p: s.sum_lanes(add_all(s, sp)),
        qq: s.sum_lanes(add_all(s, sqq)),
        pp: s.sum_lanes(add_all(s, spp)),
        qp: s.sum_lanes(add_all(s, sqp)),
    };
    for j in i..n {
        let (dq, dv) = (q[j] - cq, dp[j] - cp);
        sums.q += dq;
        sums.p += dv;
        sums.qq += dq * dq;
        sums.pp += dv * dv;
        sums.qp += dq * dv;
    }
    sums
}

/// The reference's two passes (means of the series shifted by their first value, then centred products).
#[inline(always)]
fn two_pass<S: Isa>(s: S, dp: &[f64], q: &[f64]) -> Option<f64> {
    let n = q.len();
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

/// Sum of `U` vectors, pairwise.
#[inline(always)]
fn add_all<S: Isa, const U: usize>(s: S, v: [S::F; U]) -> S::F {
    let mut v = v;
    let mut width = U;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            v[k] = s.add(v[k], v[k + width]);
        }
    }
    v[0]
}

/// Sum of four vectors, pairwise.
#[inline(always)]
fn add4<S: Isa>(s: S, v: [S::F; UNROLL]) -> S::F {
    s.add(s.add(v[0], v[1]), s.add(v[2], v[3]))
}

#[cfg(all(test, feature = "wide"))]
mod tests {
    use super::{one_pass, two_pass};
    use crate::arch::wide::Wide;

    /// Both paths are taken on the data they are meant for, and agree where the certificate holds.
    #[test]
    fn one_pass_is_certified_on_centred_data_and_declines_a_far_shift() {
        let q: Vec<f64> = (0..64).map(|i| ((i * 37 % 17) as f64 - 8.0) * 0.25).collect();
        let dp: Vec<f64> = q.iter().enumerate().map(|(i, v)| 0.3 * v + ((i * 11 % 7) as f64 - 3.0) * 0.01).collect();
        let (fast, slow) =
            (one_pass(Wide, &dp, &q).expect("centred data is certified"), two_pass(Wide, &dp, &q).unwrap());
        assert!((fast - slow).abs() <= 1e-14 * slow.abs(), "{fast} vs {slow}");
        // A step: the first vector sits ~1e6 spreads away from the rest, so centring on it would cancel.
        let mut stepped = q.clone();
        stepped.iter_mut().skip(8).for_each(|v| *v += 1e6);
        assert_eq!(one_pass(Wide, &dp, &stepped), None, "a shift far from the mean must fall back");
        let constant = vec![3.5; 64];
        assert_eq!(one_pass(Wide, &dp, &constant), None, "constant q falls back (the reference returns None)");
    }
}
