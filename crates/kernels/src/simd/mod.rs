//! The SIMD kernels, one family per file (named as in `src/scalar/`), each written once generically over the
//! [`Isa`](crate::arch::Isa) trait. The per-instruction-set primitives live in `src/arch/`; the tables that
//! instantiate these kernels per backend are generated from the kernel list in `src/dispatch.rs`. The generic
//! code is `#[inline(always)]`, so each instantiation is compiled inside its backend's `#[target_feature]`
//! entry point, with its backend's instructions.

pub(crate) mod columns;
pub(crate) mod convert;
pub(crate) mod dfa;
pub(crate) mod entropy;
pub(crate) mod kyle;
pub(crate) mod reductions;
pub(crate) mod rescaled_range;
mod sources;

/// Working-memory elements kept per thread between kernel calls (beyond that, memory is returned after the call).
const KEEP_WORKING_MEMORY: usize = 1 << 16;

thread_local! {
    /// Working memory of the DFA and R/S kernels, reused across calls on this thread. A call takes it out for
    /// its duration (so a nested call, of which none exists, would only cost an allocation).
    static WORKING_MEMORY: std::cell::Cell<Vec<f64>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Takes this thread's working memory (empty on first use); give it back with [`return_working_memory`].
pub(crate) fn take_working_memory() -> Vec<f64> {
    WORKING_MEMORY.take()
}

/// Keeps `memory` for the next call on this thread unless it grew beyond [`KEEP_WORKING_MEMORY`] elements.
pub(crate) fn return_working_memory(memory: Vec<f64>) {
    if memory.capacity() <= KEEP_WORKING_MEMORY {
        WORKING_MEMORY.set(memory);
    }
}
