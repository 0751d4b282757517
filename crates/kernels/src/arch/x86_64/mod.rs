//! x86_64 backends with `std::arch` intrinsics.

pub(crate) mod avx2;
pub(crate) mod avx512;
