//! Numeric kernels over slices. Filled by the kernels work.
