//! Per-instruction-set primitives, laid out as memchr lays out its `arch` module: the [`Isa`] trait that the
//! generic kernels of `src/simd/` are written against, and one implementation per backend:
//! `x86_64/avx2.rs`, `x86_64/avx512.rs`, `aarch64/neon.rs` (`std::arch` intrinsics behind runtime detection),
//! `pulp.rs` and `wide.rs` (the two crates' portable vector types, no `unsafe`).
//!
//! Safety contract: a value of a `std::arch` token type proves that the CPU supports its instructions. The
//! token is constructible only inside its own module, in functions compiled with the backend's features
//! (`#[target_feature]`), and those functions are reachable only through the table that
//! [`crate::dispatch::checked_table`] hands out after runtime detection.

#[cfg(target_arch = "aarch64")]
pub(crate) mod aarch64;
#[cfg(feature = "pulp")]
pub(crate) mod pulp;
#[cfg(feature = "wide")]
pub(crate) mod wide;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;

/// Writes the [`Isa`] methods that are one expression of their arguments, a table instead of a function
/// each: `unsafe` or `safe`, then groups of `(self, ARG: TYPE, …) -> RETURN => (ARG, …) { ENTRIES }`, where
/// an entry is `NAME = FUNCTION` (the method calls `FUNCTION(ARG, …)`) or `NAME => { BODY }`. Each becomes
/// `#[inline(always)] fn NAME(self, ARG: TYPE, …) -> RETURN`, under `unsafe` for the `std::arch` backends,
/// whose token proves the instruction set (the impl's safety comment). No entry reads or writes memory:
/// loads and stores, with their bounds checks, are written out.
macro_rules! methods {
    ($mode:ident: $($params:tt -> $ret:ty => $call:tt { $($entries:tt)* })*) => {
        $($crate::arch::methods!(@entry $mode $params $ret, $call $($entries)*);)*
    };
    (@entry $mode:ident $params:tt $ret:ty, $call:tt) => {};
    (@entry $mode:ident $params:tt $ret:ty, $call:tt $name:ident = $f:path $(, $($more:tt)*)?) => {
        $crate::arch::methods!(@entry $mode $params $ret, $call $name => { $f $call } $(, $($more)*)?);
    };
    (@entry unsafe $params:tt $ret:ty, $call:tt $name:ident => { $($body:tt)* } $(, $($more:tt)*)?) => {
        #[inline(always)]
        fn $name $params -> $ret {
            // SAFETY: the token `self` proves that the CPU has the backend's instruction set (see the impl's
            // safety comment), and the body touches no memory.
            unsafe { $($body)* }
        }
        $crate::arch::methods!(@entry unsafe $params $ret, $call $($($more)*)?);
    };
    (@entry safe $params:tt $ret:ty, $call:tt $name:ident => { $($body:tt)* } $(, $($more:tt)*)?) => {
        #[inline(always)]
        fn $name $params -> $ret {
            $($body)*
        }
        $crate::arch::methods!(@entry safe $params $ret, $call $($($more)*)?);
    };
}
pub(crate) use methods;

/// Writes the [`Isa`] methods that read and write memory for a `std::arch` backend of `LANES` lanes, vector
/// types `F` and `I`, from its unaligned load and store intrinsics (f64, then i64): `load`, `load_i64` and
/// `store` after a bounds assertion, `lanes_f64` and `lanes_i64` into an 8-lane array.
macro_rules! memory_methods {
    ($lanes:literal, $f:ty, $i:ty; $load:path, $load_i64:path, $store:path, $store_i64:path) => {
        #[inline(always)]
        fn load(self, x: &[f64], at: usize) -> $f {
            $crate::arch::assert_room(x.len(), at, $lanes);
            // SAFETY: `x[at..][..LANES]` is in bounds (checked above); the token proves the instruction set.
            unsafe { $load(x.as_ptr().add(at).cast()) }
        }
        #[inline(always)]
        fn load_i64(self, x: &[i64], at: usize) -> $i {
            $crate::arch::assert_room(x.len(), at, $lanes);
            // SAFETY: `x[at..][..LANES]` is in bounds (checked above); the token proves the instruction set.
            unsafe { $load_i64(x.as_ptr().add(at).cast()) }
        }
        #[inline(always)]
        fn store(self, a: $f, out: &mut [f64], at: usize) {
            $crate::arch::assert_room(out.len(), at, $lanes);
            // SAFETY: `out[at..][..LANES]` is in bounds (checked above); the token proves the instruction set.
            unsafe { $store(out.as_mut_ptr().add(at).cast(), a) }
        }
        #[inline(always)]
        fn lanes_f64(self, a: $f) -> $crate::arch::LaneArray<f64> {
            let mut values = [0.0; 8];
            // SAFETY: `values` has room for 8 ≥ LANES f64; the token proves the instruction set.
            unsafe { $store(values.as_mut_ptr().cast(), a) };
            $crate::arch::LaneArray { values, len: $lanes }
        }
        #[inline(always)]
        fn lanes_i64(self, a: $i) -> $crate::arch::LaneArray<i64> {
            let mut values = [0i64; 8];
            // SAFETY: `values` has room for 8 ≥ LANES i64; the token proves the instruction set.
            unsafe { $store_i64(values.as_mut_ptr().cast(), a) };
            $crate::arch::LaneArray { values, len: $lanes }
        }
    };
}
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) use memory_methods;

/// Asserts that `len` elements hold `count` elements from `at`, written so that it cannot overflow
/// (`at <= len && len - at >= count`, not `at + count <= len`). Every raw load or store checks this first.
#[inline(always)]
#[track_caller]
pub(crate) fn assert_room(len: usize, at: usize, count: usize) {
    if !(at <= len && len - at >= count) {
        out_of_room(len, at, count);
    }
}

/// The panic of [`assert_room`], out of line: with the message formatted in place, the compiler stored its
/// three arguments to the stack before every check, i.e. three stores per vector load in the kernels' inner
/// loops (without them, AVX-512 at n = 4096: R/S 16.6 → 15.1 µs, PE 1.52 → 1.09 µs; docs/PERFORMANCE.md).
#[cold]
#[inline(never)]
#[track_caller]
fn out_of_room(len: usize, at: usize, count: usize) -> ! {
    panic!("out of bounds: {count} elements at {at} of {len}");
}

/// Asserts that `rows` rows of `width` elements, starting at `base` and `stride` apart, lie inside `len`
/// elements, without overflow: the last row starts at `base + (rows - 1)·stride`, computed with checked
/// arithmetic. Used by the x86_64 transposes (NEON uses the scalar default `transpose`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[track_caller]
pub(crate) fn assert_rows(len: usize, base: usize, stride: usize, rows: usize, width: usize) {
    let last = stride.checked_mul(rows - 1).and_then(|offset| offset.checked_add(base));
    assert!(last.is_some_and(|last| last <= len && len - last >= width), "rows out of bounds");
}

/// One instruction set: an f64 vector type, an i64 vector type with the same lane count, and the operations
/// the kernels use. Loads take a slice and an index and panic when out of bounds.
pub(crate) trait Isa: Copy {
    /// Lanes per vector (f64 and i64 alike).
    const LANES: usize;
    /// Vector registers the kernels may plan for (accumulator counts): 16 unless the backend has more.
    const REGISTERS: usize = 16;
    /// f64 vector.
    type F: Copy;
    /// i64 vector.
    type I: Copy;

    fn splat(self, v: f64) -> Self::F;
    /// `x[at..at + LANES]`.
    fn load(self, x: &[f64], at: usize) -> Self::F;
    fn add(self, a: Self::F, b: Self::F) -> Self::F;
    fn sub(self, a: Self::F, b: Self::F) -> Self::F;
    fn mul(self, a: Self::F, b: Self::F) -> Self::F;
    fn div(self, a: Self::F, b: Self::F) -> Self::F;
    /// `a * b + c` (fused where the instruction set has it).
    fn mul_add(self, a: Self::F, b: Self::F, c: Self::F) -> Self::F;
    /// Lane-wise minimum; lanes must not be NaN.
    fn min(self, a: Self::F, b: Self::F) -> Self::F;
    /// Lane-wise maximum; lanes must not be NaN.
    fn max(self, a: Self::F, b: Self::F) -> Self::F;
    fn abs(self, a: Self::F) -> Self::F;
    fn sqrt(self, a: Self::F) -> Self::F;
    /// `1/√a` for normal positive `a`, within 4 ulp (docs/SIMD.md, "R/S without division"): `1/sqrt(a)`
    /// (two correctly rounded operations) unless the backend has a cheaper estimate that it refines.
    #[inline(always)]
    fn rsqrt(self, a: Self::F) -> Self::F {
        self.div(self.splat(1.0), self.sqrt(a))
    }
    fn lanes_f64(self, a: Self::F) -> LaneArray<f64>;
    fn sum_lanes(self, a: Self::F) -> f64;
    fn min_lanes(self, a: Self::F) -> f64;
    fn max_lanes(self, a: Self::F) -> f64;
    /// Bit `k` set when `a[k] > b[k]` (false when either is NaN).
    fn gt_mask(self, a: Self::F, b: Self::F) -> u64;
    /// Bit `k` set when `a[k] != b[k]` (true when either is NaN).
    fn ne_mask(self, a: Self::F, b: Self::F) -> u64;
    /// Bit `k` set when `a[k]` is NaN.
    fn nan_mask(self, a: Self::F) -> u64;

    fn load_i64(self, x: &[i64], at: usize) -> Self::I;
    fn splat_i64(self, v: i64) -> Self::I;
    /// Wrapping addition.
    fn add_i64(self, a: Self::I, b: Self::I) -> Self::I;
    /// Wrapping subtraction.
    fn sub_i64(self, a: Self::I, b: Self::I) -> Self::I;
    fn min_i64(self, a: Self::I, b: Self::I) -> Self::I;
    fn max_i64(self, a: Self::I, b: Self::I) -> Self::I;
    fn xor_i64(self, a: Self::I, b: Self::I) -> Self::I;
    fn and_i64(self, a: Self::I, b: Self::I) -> Self::I;
    /// Wrapping absolute value (`i64::MIN` stays `i64::MIN`, i.e. 2^63 read as unsigned).
    fn abs_i64(self, a: Self::I) -> Self::I;
    /// Arithmetic shift right by 32 (the signed high half).
    fn high_signed(self, a: Self::I) -> Self::I;
    /// Logical shift right by 32 (the unsigned high half).
    fn high_unsigned(self, a: Self::I) -> Self::I;
    /// Bit `k` set when lane `k` is negative.
    fn sign_mask_i64(self, a: Self::I) -> u64;
    /// Conversion to the nearest f64.
    fn to_f64(self, a: Self::I) -> Self::F;
    fn lanes_i64(self, a: Self::I) -> LaneArray<i64>;

    /// Bit `k` set when `a[k] > b[k]` (signed). The default derives it from a wrapping subtraction: the
    /// sign of `b - a`, corrected where the subtraction overflowed.
    #[inline(always)]
    fn gt_mask_i64(self, a: Self::I, b: Self::I) -> u64 {
        let d = self.sub_i64(b, a);
        let overflow = self.and_i64(self.xor_i64(b, a), self.xor_i64(b, d));
        self.sign_mask_i64(self.xor_i64(d, overflow))
    }
    /// Lane-wise product of the low 32 bits of `a` and `b`, read as unsigned (a full 64-bit result).
    #[inline(always)]
    fn mul_low_u32(self, a: Self::I, b: Self::I) -> Self::I {
        let (a, b) = (self.lanes_i64(a), self.lanes_i64(b));
        let mut out = [0i64; 8];
        for (k, slot) in out.iter_mut().enumerate().take(a.len) {
            *slot = ((a.values[k] as u64 & 0xFFFF_FFFF) * (b.values[k] as u64 & 0xFFFF_FFFF)) as i64;
        }
        self.load_i64(&out[..Self::LANES], 0)
    }
    /// All-ones lanes where `x[at + k]` is true, zero lanes elsewhere.
    #[inline(always)]
    fn bool_mask(self, x: &[bool], at: usize) -> Self::I {
        let mut out = [0i64; 8];
        for (slot, &b) in out.iter_mut().zip(&x[at..][..Self::LANES]) {
            *slot = -i64::from(b);
        }
        self.load_i64(&out[..Self::LANES], 0)
    }

    /// Writes `a` to `out[at..at + LANES]`.
    #[inline(always)]
    fn store(self, a: Self::F, out: &mut [f64], at: usize) {
        out[at..][..Self::LANES].copy_from_slice(self.lanes_f64(a).as_slice());
    }

    /// Transposes a `LANES × LANES` tile: row `k` is `x[base + k·stride..][..LANES]`, and element `i` of every
    /// row goes to `out[at + i·LANES..][..LANES]` (lane `k` from row `k`). Scalar by default; backends with
    /// cheap shuffles override it.
    #[inline(always)]
    fn transpose(self, x: &[f64], base: usize, stride: usize, out: &mut [f64], at: usize) {
        let out = &mut out[at..][..Self::LANES * Self::LANES];
        for (i, column) in out.chunks_exact_mut(Self::LANES).enumerate() {
            for (k, slot) in column.iter_mut().enumerate() {
                *slot = x[base + k * stride + i];
            }
        }
    }
}

/// The lanes of a vector, stored on the stack (at most 8).
#[derive(Clone, Copy)]
pub(crate) struct LaneArray<T> {
    pub values: [T; 8],
    pub len: usize,
}

impl<T: Copy> LaneArray<T> {
    pub fn as_slice(&self) -> &[T] {
        &self.values[..self.len]
    }
}
