//! The kernel backends a test must cover.
//!
//! `BARSMITH_REQUIRE_BACKENDS` (comma-separated names, e.g. `scalar,avx2,avx512,pulp,wide`; `.ci/run` sets it
//! to what `barsmith cpu --available` reports) lists the backends that must run: one that cannot is a test
//! failure. Any other backend that cannot run here is reported by [`crate::not_run`], once per test process.

use std::sync::Once;

use barsmith_kernels::{Backend, Kernels};

/// The variable naming the backends that must be tested.
pub const REQUIRE_VARIABLE: &str = "BARSMITH_REQUIRE_BACKENDS";

/// Every backend that runs here. Panics when a backend named in `BARSMITH_REQUIRE_BACKENDS` cannot run (or the
/// variable names no backend); reports the others that cannot run.
pub fn available() -> Vec<Kernels> {
    available_requiring(&required())
}

fn available_requiring(required: &[Backend]) -> Vec<Kernels> {
    static REPORT: Once = Once::new();
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for backend in Backend::ALL {
        match Kernels::new(backend) {
            Ok(kernels) => out.push(kernels),
            Err(error) => {
                assert!(
                    !required.contains(&backend),
                    "{REQUIRE_VARIABLE} names `{backend}`, which cannot run here: {error}"
                );
                missing.push(format!("{error}"));
            }
        }
    }
    REPORT.call_once(|| {
        for reason in &missing {
            crate::not_run("kernel backend", reason);
        }
    });
    out
}

/// Every available backend except the scalar reference (what the SIMD agreement tests compare).
pub fn simd() -> Vec<Kernels> {
    available().into_iter().filter(|k| k.backend() != Backend::Scalar).collect()
}

/// The scalar reference backend.
pub fn scalar() -> Kernels {
    Kernels::new(Backend::Scalar).expect("scalar is always available")
}

/// The backends a benchmark measures: the one named by `BARSMITH_BACKEND` (an unavailable one is an error),
/// else every available backend.
pub fn for_bench() -> Vec<Kernels> {
    match std::env::var("BARSMITH_BACKEND") {
        Ok(name) => {
            let backend: Backend = name.parse().unwrap_or_else(|e| panic!("BARSMITH_BACKEND: {e}"));
            vec![Kernels::new(backend).unwrap_or_else(|e| panic!("BARSMITH_BACKEND: {e}"))]
        }
        Err(_) => available(),
    }
}

/// The backends named in `BARSMITH_REQUIRE_BACKENDS` (none when it is unset or empty).
pub fn required() -> Vec<Backend> {
    let value = std::env::var(REQUIRE_VARIABLE).unwrap_or_default();
    value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| name.parse().unwrap_or_else(|e| panic!("{REQUIRE_VARIABLE}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_is_always_listed() {
        assert!(available().iter().any(|k| k.backend() == Backend::Scalar));
        assert!(simd().iter().all(|k| k.backend() != Backend::Scalar));
    }

    #[test]
    fn a_required_backend_that_cannot_run_fails() {
        let Some(missing) = Backend::ALL.into_iter().find(|b| !b.is_available()) else {
            crate::not_run("the required-backend check", "every backend runs on this machine");
            return;
        };
        let result = std::panic::catch_unwind(|| available_requiring(&[missing]));
        assert!(result.is_err(), "requiring `{missing}` must fail");
    }
}
