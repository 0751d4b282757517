//! The feature kernels on numpy float64 arrays (`barsmith.kernels`), and `cpu()`.
//!
//! Each call borrows the array's memory (no copy for a contiguous float64 array; anything else goes through
//! `numpy.ascontiguousarray(x, dtype=float64)` first) and runs the kernel of the chosen backend: `backend=`,
//! else `BARSMITH_BACKEND`, else the best of this CPU. Bad arguments are `ValueError`s; a result the kernel
//! does not define (too few values, a constant series) is `None`. Inputs longer than [`DETACH_ABOVE`] values
//! run with the GIL released.

use barsmith::Kernels;
use barsmith::kernels::cpu_report;
use numpy::PyReadonlyArray1;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::options;

/// Inputs at least this long release the GIL while the kernel runs (below, releasing costs more than it gives).
pub const DETACH_ABOVE: usize = 50_000;

/// Registers the kernel functions and `cpu`.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(permutation_entropy, module)?)?;
    module.add_function(wrap_pyfunction!(dfa, module)?)?;
    module.add_function(wrap_pyfunction!(hurst_rs, module)?)?;
    module.add_function(wrap_pyfunction!(kyle_lambda, module)?)?;
    module.add_function(wrap_pyfunction!(cpu, module)?)?;
    module.add_function(wrap_pyfunction!(_kernel_ns, module)?)?;
    Ok(())
}

/// `backend=`, else `BARSMITH_BACKEND`, else the detected best.
fn select(backend: Option<&str>) -> PyResult<Kernels> {
    let from_env = std::env::var("BARSMITH_BACKEND").ok().filter(|v| !v.is_empty());
    options::kernels(backend.or(from_env.as_deref()))
}

/// A 1-D float64 view of `x`, converting through numpy only when `x` is not one already.
fn series<'py>(x: &Bound<'py, PyAny>, name: &str) -> PyResult<PyReadonlyArray1<'py, f64>> {
    if let Ok(array) = x.extract::<PyReadonlyArray1<'py, f64>>()
        && array.as_slice().is_ok()
    {
        return Ok(array);
    }
    let numpy = x.py().import("numpy")?;
    let kwargs = PyDict::new(x.py());
    kwargs.set_item("dtype", "float64")?;
    let converted = numpy.call_method("ascontiguousarray", (x,), Some(&kwargs))?;
    converted
        .extract::<PyReadonlyArray1<'py, f64>>()
        .map_err(|_| PyTypeError::new_err(format!("{name}: expected a 1-D array of numbers")))
}

/// Runs `kernel` on `values`, releasing the GIL for long inputs.
fn run<T: Send>(py: Python<'_>, len: usize, kernel: impl FnOnce() -> T + Send) -> T {
    if len >= DETACH_ABOVE { py.detach(kernel) } else { kernel() }
}

/// Normalised permutation entropy of `x` (0..1) with embedding `order` (2..=7) and `delay` (≥ 1).
///
/// Equals `antropy.perm_entropy(x, order, delay, normalize=True)`; ties rank by position. None when `x`
/// has fewer than `(order - 1) * delay + 1` values.
///
/// >>> import numpy as np, barsmith as bs
/// >>> round(bs.kernels.permutation_entropy(np.array([4., 7., 9., 10., 6., 11., 3.]), order=3), 6)
/// 0.588762
#[pyfunction]
#[pyo3(signature = (x, order=3, delay=1, *, backend=None))]
fn permutation_entropy(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    order: i64,
    delay: i64,
    backend: Option<&str>,
) -> PyResult<Option<f64>> {
    // Taken as signed, so that a negative value is this ValueError naming it, not an OverflowError.
    let valid_order = usize::try_from(order).ok().filter(|o| barsmith::kernels::PE_ORDERS.contains(o));
    let valid_delay = usize::try_from(delay).ok().filter(|&d| d >= 1);
    let (Some(order), Some(delay)) = (valid_order, valid_delay) else {
        return Err(PyValueError::new_err(format!(
            "order must be in 2..=7 and delay at least 1 (got order={order}, delay={delay})"
        )));
    };
    let kernels = select(backend)?;
    let x = series(x, "x")?;
    let x = x.as_slice().expect("contiguous by construction");
    Ok(run(py, x.len(), || kernels.permutation_entropy(x, order, delay)))
}

/// Hurst exponent by detrended fluctuation analysis (DFA-1), as `nolds.dfa(x, nvals, overlap=True, order=1)`.
///
/// `nvals`: window sizes (default: nolds' defaults for `len(x)`). None where nolds raises (fewer than two
/// usable sizes) and for a constant series.
///
/// >>> import numpy as np, barsmith as bs
/// >>> h = bs.kernels.dfa(np.random.default_rng(1).standard_normal(1000))
/// >>> 0.3 < h < 0.7
/// True
#[pyfunction]
#[pyo3(signature = (x, nvals=None, *, backend=None))]
fn dfa(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    nvals: Option<Vec<usize>>,
    backend: Option<&str>,
) -> PyResult<Option<f64>> {
    hurst(py, x, nvals, backend, Kernels::hurst_dfa)
}

/// Corrected rescaled-range (R/S) Hurst exponent, as `nolds.hurst_rs(x, nvals, fit="poly", corrected=True)`.
///
/// `nvals`: block sizes (default: nolds' defaults for `len(x)`). None when fewer than two sizes have a
/// usable block.
///
/// >>> import numpy as np, barsmith as bs
/// >>> h = bs.kernels.hurst_rs(np.random.default_rng(1).standard_normal(1000))
/// >>> 0.3 < h < 0.7
/// True
#[pyfunction]
#[pyo3(signature = (x, nvals=None, *, backend=None))]
fn hurst_rs(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    nvals: Option<Vec<usize>>,
    backend: Option<&str>,
) -> PyResult<Option<f64>> {
    hurst(py, x, nvals, backend, Kernels::hurst_rs)
}

/// A Hurst estimator of [`Kernels`]: a series and optional sizes in, one estimate out.
type HurstEstimator = fn(&Kernels, &[f64], Option<&[usize]>) -> Option<f64>;

/// The body of [`dfa`] and [`hurst_rs`].
fn hurst(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    nvals: Option<Vec<usize>>,
    backend: Option<&str>,
    estimator: HurstEstimator,
) -> PyResult<Option<f64>> {
    let kernels = select(backend)?;
    let x = series(x, "x")?;
    let x = x.as_slice().expect("contiguous by construction");
    Ok(run(py, x.len(), || estimator(&kernels, x, nvals.as_deref())))
}

/// Kyle lambda: the least-squares slope (with intercept) of price changes `dp` on signed quantities `q`,
/// as `numpy.polyfit(q, dp, 1)[0]`. None when there are fewer than 2 pairs or all `q` are equal.
///
/// >>> import numpy as np, barsmith as bs
/// >>> bs.kernels.kyle_lambda(np.array([0.5, 1.0, 1.5]), np.array([1.0, 2.0, 3.0]))
/// 0.5
#[pyfunction]
#[pyo3(signature = (dp, q, *, backend=None))]
fn kyle_lambda(
    py: Python<'_>,
    dp: &Bound<'_, PyAny>,
    q: &Bound<'_, PyAny>,
    backend: Option<&str>,
) -> PyResult<Option<f64>> {
    let kernels = select(backend)?;
    let (dp, q) = (series(dp, "dp")?, series(q, "q")?);
    let (dp, q) = (dp.as_slice().expect("contiguous"), q.as_slice().expect("contiguous"));
    if dp.len() != q.len() {
        return Err(PyValueError::new_err(format!("dp and q differ in length ({} and {})", dp.len(), q.len())));
    }
    Ok(run(py, dp.len(), || kernels.kyle_lambda(dp, q)))
}

/// What this build and this CPU offer: `arch`, `compiled` and `available` backends, CPU `features`, and the
/// `automatic` choice.
#[pyfunction]
fn cpu(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let report = cpu_report();
    let names = |list: &[barsmith::Backend]| list.iter().map(|b| b.name()).collect::<Vec<_>>();
    let dict = PyDict::new(py);
    dict.set_item("arch", report.arch)?;
    dict.set_item("compiled", names(&report.compiled))?;
    dict.set_item("available", names(&report.available))?;
    let features = PyDict::new(py);
    for (name, on) in &report.features {
        features.set_item(*name, *on)?;
    }
    dict.set_item("features", features)?;
    dict.set_item("automatic", report.automatic.name())?;
    Ok(dict)
}

/// Nanoseconds per call of a kernel (`pe`, `dfa`, `rs`, `kyle`) called `loops` times in a loop in Rust, with the
/// backend a Python call would use: the baseline of the FFI-overhead benchmark (`python/bench/bench.py`).
#[pyfunction]
#[pyo3(signature = (kernel, x, q=None, loops=10_000))]
fn _kernel_ns(kernel: &str, x: &Bound<'_, PyAny>, q: Option<&Bound<'_, PyAny>>, loops: u32) -> PyResult<f64> {
    let kernels = select(None)?;
    let x = series(x, "x")?;
    let q = q.map(|q| series(q, "q")).transpose()?;
    let (x, q) = (x.as_slice().expect("contiguous"), q.as_ref().map(|q| q.as_slice().expect("contiguous")));
    let run = |x: &[f64]| match (kernel, q) {
        ("pe", _) => kernels.permutation_entropy(x, 3, 1),
        ("dfa", _) => kernels.hurst_dfa(x, None),
        ("rs", _) => kernels.hurst_rs(x, None),
        ("kyle", Some(q)) if q.len() == x.len() => kernels.kyle_lambda(x, q),
        _ => None,
    };
    if run(x).is_none() {
        return Err(PyValueError::new_err(format!("kernel {kernel:?} gives no value for this input")));
    }
    let started = std::time::Instant::now();
    for _ in 0..loops {
        std::hint::black_box(run(std::hint::black_box(x)));
    }
    Ok(started.elapsed().as_nanos() as f64 / f64::from(loops.max(1)))
}
