//! aarch64 backends with `std::arch` intrinsics.

pub(crate) mod neon;
