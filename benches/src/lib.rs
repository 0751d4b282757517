//! Shared bench support.
