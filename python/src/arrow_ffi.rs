//! The Arrow PyCapsule interface, both ways, without copying buffers.
//!
//! * In: any object with `__arrow_c_stream__` (pyarrow tables and readers, polars, pandas ≥ 2.2, DuckDB
//!   relations) or `__arrow_c_array__` (record batches, struct arrays) becomes a stream of [`RecordBatch`]es
//!   whose buffers are the producer's own.
//! * Out: [`ArrowTable`] holds record batches and exports them through `__arrow_c_stream__`, so `pa.table(t)`,
//!   `pl.DataFrame(t)` and DuckDB wrap our buffers instead of copying them.

use std::ffi::CStr;
use std::sync::Arc;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi};
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{Array, RecordBatch, RecordBatchIterator, RecordBatchReader, StructArray};
use arrow_schema::{ArrowError, DataType, SchemaRef};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyTuple};

const STREAM_NAME: &CStr = c"arrow_array_stream";
const SCHEMA_NAME: &CStr = c"arrow_schema";
const ARRAY_NAME: &CStr = c"arrow_array";

/// Record batches from an Arrow object, read on any thread.
pub type BatchStream = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// The record batches of `object` (through `__arrow_c_stream__`, else `__arrow_c_array__`) and their schema.
pub fn import(object: &Bound<'_, PyAny>) -> PyResult<(SchemaRef, BatchStream)> {
    if object.hasattr("__arrow_c_stream__")? {
        let capsule = object.call_method0("__arrow_c_stream__")?.cast_into::<PyCapsule>()?;
        let pointer = capsule.pointer_checked(Some(STREAM_NAME))?;
        // SAFETY: `pointer_checked` verified the capsule name, which the PyCapsule interface reserves for a
        // valid `ArrowArrayStream`; `from_raw` moves the stream out and leaves a released one behind, so the
        // capsule's destructor does not release it a second time.
        let reader = unsafe { RecordBatchStreamReader::from_raw(pointer.as_ptr().cast::<FFI_ArrowArrayStream>()) }
            .map_err(|e| PyValueError::new_err(format!("reading the Arrow stream: {e}")))?;
        return Ok((reader.schema(), Box::new(reader)));
    }
    if object.hasattr("__arrow_c_array__")? {
        let pair = object.call_method0("__arrow_c_array__")?.cast_into::<PyTuple>()?;
        let schema_capsule = pair.get_item(0)?.cast_into::<PyCapsule>()?;
        let array_capsule = pair.get_item(1)?.cast_into::<PyCapsule>()?;
        let schema_pointer = schema_capsule.pointer_checked(Some(SCHEMA_NAME))?;
        let array_pointer = array_capsule.pointer_checked(Some(ARRAY_NAME))?;
        // SAFETY: the capsule names were checked; the schema is only borrowed (its capsule outlives this
        // function's use of it), and `from_raw` moves the array out, leaving a released one to the capsule.
        let data = unsafe {
            let schema = &*schema_pointer.as_ptr().cast::<FFI_ArrowSchema>();
            let array = FFI_ArrowArray::from_raw(array_pointer.as_ptr().cast::<FFI_ArrowArray>());
            from_ffi(array, schema)
        }
        .map_err(|e| PyValueError::new_err(format!("reading the Arrow array: {e}")))?;
        if !matches!(data.data_type(), DataType::Struct(_)) {
            return Err(PyTypeError::new_err(format!(
                "expected a table or record batch (an Arrow struct array), got an array of {}",
                data.data_type()
            )));
        }
        let batch = RecordBatch::from(StructArray::from(data));
        let schema = batch.schema();
        return Ok((schema, Box::new(std::iter::once(Ok(batch)))));
    }
    Err(PyTypeError::new_err(format!(
        "expected paths or an object with the Arrow PyCapsule interface (__arrow_c_stream__ or __arrow_c_array__: \
         pyarrow, polars, pandas >= 2.2, DuckDB), got {}",
        object.get_type().name()?
    )))
}

/// Arrow record batches exported without a copy: the bars of one (symbol, threshold), or generated trades.
///
/// `pa.table(t)`, `pl.DataFrame(t)` and DuckDB read it through `__arrow_c_stream__`. For bars, the schema is
/// the one of `docs/OUTPUT.md`, with the run's parameters as metadata (the keys of the Parquet output).
#[pyclass(frozen, module = "barsmith._barsmith")]
#[derive(Debug)]
pub struct ArrowTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl ArrowTable {
    /// A table of `batches`, which all have `schema`.
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> ArrowTable {
        ArrowTable { schema, batches }
    }
}

#[pymethods]
impl ArrowTable {
    /// Exports the bars as an `ArrowArrayStream` capsule (the Arrow PyCapsule interface).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema; // The interface allows producers to ignore it; the schema is fixed.
        let batches: Vec<Result<RecordBatch, ArrowError>> = self.batches.iter().cloned().map(Ok).collect();
        let reader = RecordBatchIterator::new(batches, self.schema.clone());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, STREAM_NAME)
    }

    /// Exports the schema as an `ArrowSchema` capsule.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref())
            .map_err(|e| PyValueError::new_err(format!("exporting the schema: {e}")))?;
        PyCapsule::new_with_value(py, schema, SCHEMA_NAME)
    }

    /// Number of bars.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    /// Column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema.fields().iter().map(|f| f.name().clone()).collect()
    }

    /// The run's parameters (`barsmith.symbol`, `barsmith.threshold_dbps`, …).
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        let mut entries: Vec<_> = self.schema.metadata().iter().collect();
        entries.sort();
        for (key, value) in entries {
            dict.set_item(key, value)?;
        }
        Ok(dict)
    }

    /// Bytes held by the bars' buffers.
    #[getter]
    fn nbytes(&self) -> usize {
        self.batches.iter().map(|b| b.columns().iter().map(|c| c.get_array_memory_size()).sum::<usize>()).sum()
    }

    fn __repr__(&self) -> String {
        let meta = self.schema.metadata();
        let get = |key: &str| meta.get(key).map(String::as_str).unwrap_or("?");
        format!(
            "ArrowTable({} rows × {} columns, symbol={}, threshold_dbps={})",
            self.num_rows(),
            self.schema.fields().len(),
            get("barsmith.symbol"),
            get("barsmith.threshold_dbps")
        )
    }
}

/// `schema` with `metadata` attached.
pub fn with_metadata(schema: &SchemaRef, metadata: Vec<(String, String)>) -> SchemaRef {
    Arc::new(schema.as_ref().clone().with_metadata(metadata.into_iter().collect::<std::collections::HashMap<_, _>>()))
}
