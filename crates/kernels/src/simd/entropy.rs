//! Permutation entropy, generic over [`Isa`].
//!
//! For each pair `a < b` of pattern positions, one vector comparison `x[i+aτ] > x[i+bτ]` per `LANES`
//! embedding vectors yields one bit per vector; 64 vectors at a time the bits form one 64-bit plane per pair.
//! The ordinal pattern of a vector is fully determined by its bits across the planes (ties compare false,
//! so the earlier equal value ranks lower), and the number of vectors sharing a pattern is the popcount of the
//! AND of the planes (or their complements). A depth-first walk over the planes, pruning empty sets, counts all
//! patterns present in the block with a few dozen word operations; each leaf's bits give the Lehmer code that
//! the scalar reference uses, so the histograms are identical.
//!
//! One comparison plane per lag: the pairs `(a, b)` with the same lag `b - a` compare the same positions,
//! shifted: pair `(a, b)`'s bit for vector `i` is bit `i + aτ` of the lag-`(b-a)τ` comparison series
//! `x[p] > x[p + (b-a)τ]`. So each position is compared once per lag (`M - 1` comparisons, not `M(M-1)/2`),
//! 64 positions to a word, and a block's planes are those words shifted by `aτ` bits (a funnel shift of two
//! consecutive words while `(M-2)τ < 64`; longer spans compare per pair, as before).

use crate::arch::Isa;
use crate::permutation::{embedding_vectors, factorial, normalized_entropy};

/// Most pairs among 7 positions.
const MAX_PAIRS: usize = 21;

#[inline(always)]
pub(crate) fn permutation_entropy<S: Isa>(s: S, x: &[f64], order: usize, delay: usize) -> Option<f64> {
    let vectors = embedding_vectors(x.len(), order, delay)?;
    match order {
        2 => entropy_of_order::<S, 2>(s, x, delay, vectors),
        3 => entropy_of_order::<S, 3>(s, x, delay, vectors),
        4 => entropy_of_order::<S, 4>(s, x, delay, vectors),
        5 => entropy_of_order::<S, 5>(s, x, delay, vectors),
        6 => entropy_of_order::<S, 6>(s, x, delay, vectors),
        _ => entropy_of_order::<S, 7>(s, x, delay, vectors),
    }
}

/// The entropy for one order: a histogram on the stack for `M <= 4` (indexed by comparison bits, at most 64
/// entries), on the heap for larger `M` (Lehmer codes, up to 5040 entries).
#[inline(always)]
fn entropy_of_order<S: Isa, const M: usize>(s: S, x: &[f64], delay: usize, vectors: usize) -> Option<f64> {
    let (mut small, mut large) = ([0u32; 64], Vec::new());
    let counts: &mut [u32] = if M <= 4 {
        // One slot per combination of the `M(M-1)/2` comparison bits (8 for M = 3): the entropy then reads
        // 8 slots, not 64.
        &mut small[..1 << (M * (M - 1) / 2)]
    } else {
        large.resize(factorial(M), 0);
        &mut large
    };
    // The loads see positions `0..vectors` and `(M-1)τ..n`; a short series with a long delay leaves the
    // positions between them in no embedding vector, and a NaN there must still give NaN.
    let uncovered = x.get(vectors..(M - 1) * delay).unwrap_or_default();
    let nan = pattern_counts::<S, M>(s, x, delay, vectors, counts) | uncovered.iter().any(|v| v.is_nan());
    Some(if nan { f64::NAN } else { normalized_entropy(counts.iter().copied(), vectors, M) })
}

/// The pairs `(a, b)`, `a < b`, in lexicographic order; pair `k` owns plane `k`.
const fn pairs<const M: usize>() -> [(usize, usize); MAX_PAIRS] {
    let mut out = [(0, 0); MAX_PAIRS];
    let (mut a, mut k) = (0, 0);
    while a < M {
        let mut b = a + 1;
        while b < M {
            out[k] = (a, b);
            k += 1;
            b += 1;
        }
        a += 1;
    }
    out
}

/// Adds the `vectors` ordinal patterns to `counts`; `true` when `x` holds a NaN (the counts are then
/// meaningless). For `M <= 4` the histogram is indexed by the comparison bits (impossible bit combinations
/// stay zero), which is a bijection on the patterns and therefore has the same multiset of non-zero counts as
/// the scalar reference's Lehmer histogram; for larger `M` it is indexed by Lehmer code directly.
///
/// The NaN check rides on the loads: the first element of each embedding vector covers positions
/// `0..vectors`, the last one `(M-1)τ..n`, which together are every position.
#[inline(always)]
fn pattern_counts<S: Isa, const M: usize>(s: S, x: &[f64], delay: usize, vectors: usize, counts: &mut [u32]) -> bool {
    if (M - 2) * delay < 64 {
        lag_pattern_counts::<S, M>(s, x, delay, vectors, counts)
    } else {
        pair_pattern_counts::<S, M>(s, x, delay, vectors, counts)
    }
}

/// [`pattern_counts`] from one comparison word per lag and 64 positions ([`lag_word`]), for `(M-2)τ < 64`:
/// block `k`'s plane for pair `(a, b)` is bits `aτ ..` of the lag's words `k` and `k + 1`. The words of
/// lag `τ` check their first operands for NaN, which covers positions `0..n-τ`; the last `τ` are checked
/// here.
#[inline(always)]
fn lag_pattern_counts<S: Isa, const M: usize>(
    s: S,
    x: &[f64],
    delay: usize,
    vectors: usize,
    counts: &mut [u32],
) -> bool {
    let pairs = const { pairs::<M>() };
    let npairs = M * (M - 1) / 2;
    let mut nan = 0u64;
    // words[l - 1] = [word k, word k + 1] of lag l·τ.
    let mut words = [[0u64; 2]; M];
    for l in 1..M {
        words[l - 1][1] = lag_word(s, x, l * delay, 0, &mut nan, l == 1);
    }
    for base in (0..vectors).step_by(64) {
        for l in 1..M {
            words[l - 1] = [words[l - 1][1], lag_word(s, x, l * delay, base + 64, &mut nan, l == 1)];
        }
        let mut planes = [0u64; MAX_PAIRS];
        for k in 0..npairs {
            let (a, b) = pairs[k];
            let [low, high] = words[b - a - 1];
            let shift = a * delay;
            planes[k] = if shift == 0 { low } else { low >> shift | high << (64 - shift) };
        }
        let block = (vectors - base).min(64);
        let valid = if block == 64 { u64::MAX } else { (1u64 << block) - 1 };
        if M <= 4 {
            count_block_by_bits(&planes[..npairs], valid, counts);
        } else {
            count_block::<M>(&planes[..npairs], valid, counts);
        }
    }
    nan != 0 || x[x.len() - delay..].iter().any(|v| v.is_nan())
}

/// Bit `j` set when `x[start + j] > x[start + j + lag]`, for the positions `start + j < n - lag` (0 beyond).
/// With `check`, NaNs among `x[start + j]` are added to `nan`. A whole word is `64 / LANES` vector compares
/// on two constant-length slices (no bounds check per load).
#[inline(always)]
fn lag_word<S: Isa>(s: S, x: &[f64], lag: usize, start: usize, nan: &mut u64, check: bool) -> u64 {
    let limit = x.len() - lag;
    let mut word = 0u64;
    if start + 64 <= limit {
        let (first, second) = (&x[start..][..64], &x[start + lag..][..64]);
        for c in 0..64 / S::LANES {
            let a = s.load(first, c * S::LANES);
            word |= s.gt_mask(a, s.load(second, c * S::LANES)) << (c * S::LANES);
            if check {
                *nan |= s.nan_mask(a);
            }
        }
    } else {
        // The last word: whole vectors while they fit, then one position at a time.
        let mut p = start;
        while p + S::LANES <= limit {
            let a = s.load(x, p);
            word |= s.gt_mask(a, s.load(x, p + lag)) << (p - start);
            if check {
                *nan |= s.nan_mask(a);
            }
            p += S::LANES;
        }
        while p < limit {
            word |= u64::from(x[p] > x[p + lag]) << (p - start);
            *nan |= u64::from(check && x[p].is_nan());
            p += 1;
        }
    }
    word
}

/// [`pattern_counts`] with one comparison per pair (spans `(M-2)τ >= 64`, where a lag's word would not
/// reach the last pair's shift).
#[inline(always)]
fn pair_pattern_counts<S: Isa, const M: usize>(
    s: S,
    x: &[f64],
    delay: usize,
    vectors: usize,
    counts: &mut [u32],
) -> bool {
    let pairs = const { pairs::<M>() };
    let npairs = M * (M - 1) / 2;
    let mut nan = 0u64;
    for base in (0..vectors).step_by(64) {
        let block = (vectors - base).min(64);
        let mut planes = [0u64; MAX_PAIRS];
        let mut j = 0;
        while j + S::LANES <= block {
            let at = base + j;
            let mut v = [s.splat(0.0); M];
            for (a, slot) in v.iter_mut().enumerate() {
                *slot = s.load(x, at + a * delay);
            }
            nan |= s.nan_mask(v[0]) | s.nan_mask(v[M - 1]);
            for k in 0..npairs {
                let (a, b) = pairs[k];
                planes[k] |= s.gt_mask(v[a], v[b]) << j;
            }
            j += S::LANES;
        }
        for jj in j..block {
            let at = base + jj;
            nan |= u64::from(x[at].is_nan() || x[at + (M - 1) * delay].is_nan());
            for k in 0..npairs {
                let (a, b) = pairs[k];
                planes[k] |= u64::from(x[at + a * delay] > x[at + b * delay]) << jj;
            }
        }
        let valid = if block == 64 { u64::MAX } else { (1u64 << block) - 1 };
        if M <= 4 {
            count_block_by_bits(&planes[..npairs], valid, counts);
        } else {
            count_block::<M>(&planes[..npairs], valid, counts);
        }
    }
    nan != 0
}

/// Adds one block to a histogram indexed by comparison bits (bit `k` = outcome of pair `k`): splits the set
/// of vectors by every plane in turn, breadth-first, into all `2^pairs` combinations (at most 64 words), then
/// counts each with one popcount.
#[inline(always)]
fn count_block_by_bits(planes: &[u64], valid: u64, counts: &mut [u32]) {
    let mut sets = [0u64; 64];
    sets[0] = valid;
    let mut width = 1;
    for &plane in planes {
        for i in 0..width {
            let set = sets[i];
            sets[i + width] = set & plane;
            sets[i] = set & !plane;
        }
        width <<= 1;
    }
    for (count, set) in counts.iter_mut().zip(&sets[..width]) {
        *count += set.count_ones();
    }
}

/// Adds the patterns of one block to a Lehmer-code histogram (`M >= 5`, up to 21 planes): depth-first over
/// the planes, splitting the set of vectors by each comparison and skipping empty sets. Inlined so that `count_ones` is compiled with the backend's POPCNT.
#[inline(always)]
fn count_block<const M: usize>(planes: &[u64], valid: u64, counts: &mut [u32]) {
    // (vectors in this set, depth, comparison outcomes so far as bits)
    let mut stack = [(0u64, 0usize, 0u32); MAX_PAIRS + 2];
    stack[0] = (valid, 0, 0);
    let mut top = 1;
    while top > 0 {
        top -= 1;
        let (set, depth, bits) = stack[top];
        if depth == planes.len() {
            counts[lehmer_code::<M>(bits)] += set.count_ones();
            continue;
        }
        let greater = set & planes[depth];
        let not_greater = set & !planes[depth];
        if greater != 0 {
            stack[top] = (greater, depth + 1, bits | 1 << depth);
            top += 1;
        }
        if not_greater != 0 {
            stack[top] = (not_greater, depth + 1, bits);
            top += 1;
        }
    }
}

/// Lehmer code of the pattern whose pairwise outcomes are `bits` (bit `k` set when `x_a > x_b` for pair `k`):
/// digit `a` counts the later positions `b` with `x_b < x_a`.
#[inline(always)]
fn lehmer_code<const M: usize>(bits: u32) -> usize {
    let pairs = const { pairs::<M>() };
    let mut digits = [0usize; M];
    for (k, &(a, _)) in pairs.iter().take(M * (M - 1) / 2).enumerate() {
        digits[a] += (bits >> k & 1) as usize;
    }
    digits.iter().enumerate().fold(0, |code, (a, &d)| code * (M - a) + d)
}
