//! `barsmith._barsmith`: the extension module behind the `barsmith` Python package.
//!
//! A thin layer over the `barsmith` library. The public Python API (argument handling, output conversion,
//! docstrings) lives in `python/python/barsmith/*.py`; this module does the work with the GIL released:
//!
//! * [`options`] — keyword arguments to the library's [`barsmith::Settings`];
//! * [`arrow_ffi`] — the Arrow PyCapsule interface in (any `__arrow_c_stream__` / `__arrow_c_array__` object)
//!   and out ([`arrow_ffi::ArrowTable`]), without copies;
//! * [`trades_in`] — Arrow columns with Binance's names to exact trade batches;
//! * [`bars`] — bars from paths or from an Arrow object (the library's `run::Job`); [`builder`] — the streaming
//!   builder (the library's `BarPipeline`); [`dask`] — the steps of `barsmith.dask` as separate calls;
//! * [`live`] — `bs.live`: the library's live run on a thread, bars handed to the Python iterator;
//! * [`fetch`] — Binance Vision archives into a verified local cache (`get_bars`);
//! * [`kernels`] — the feature kernels on numpy arrays; [`errors`] — library errors as Python exceptions;
//! * [`interrupt`] — Ctrl-C between batches.
//!
//! The only `unsafe` here is the Arrow C-interface import in [`arrow_ffi`] (each block with its `// SAFETY:`);
//! the column conversions' SIMD runs in `barsmith-kernels`, on the run's backend.

#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod arrow_ffi;
mod bars;
mod builder;
mod dask;
mod errors;
mod fetch;
mod interrupt;
mod kernels;
mod live;
mod options;
mod trades_in;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _barsmith(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<options::Settings>()?;
    module.add_class::<arrow_ffi::ArrowTable>()?;
    module.add_class::<builder::Builder>()?;
    module.add_class::<live::LiveIter>()?;
    module.add_function(wrap_pyfunction!(bars::bars_from_paths, module)?)?;
    module.add_function(wrap_pyfunction!(bars::bars_from_arrow, module)?)?;
    module.add_function(wrap_pyfunction!(bars::generate_trades, module)?)?;
    module.add_function(wrap_pyfunction!(fetch::fetch_archives, module)?)?;
    kernels::register(module)?;
    dask::register(module)?;
    Ok(())
}
