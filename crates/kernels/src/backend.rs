//! Backends, runtime detection and the dispatch table.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::dispatch::Table;

/// A kernel implementation. Every variant exists on every target; [`Backend::is_available`] tells whether
/// this build on this CPU can run it, and [`crate::Kernels::new`] refuses the ones that cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Plain Rust, the reference definition; always available.
    Scalar,
    /// x86_64 AVX2 + FMA with `std::arch` (4 × f64 lanes).
    Avx2,
    /// x86_64 AVX-512 F + DQ + VL with `std::arch` (8 × f64 lanes).
    Avx512,
    /// aarch64 NEON with `std::arch` (2 × f64 lanes).
    Neon,
    /// The `pulp` crate (cargo feature `pulp`): runtime dispatch to its best instruction set (AVX-512 via
    /// `x86-v4`, AVX2 via `x86-v3`, NEON on aarch64).
    Pulp,
    /// The `wide` crate (cargo feature `wide`): 4 × f64 lanes whose instructions are fixed at compile time by
    /// `-Ctarget-cpu` / `-Ctarget-feature` (plain SSE2 on a default x86_64 build).
    Wide,
}

impl Backend {
    /// Every backend, compiled in or not.
    pub const ALL: [Backend; 6] =
        [Backend::Scalar, Backend::Avx2, Backend::Avx512, Backend::Neon, Backend::Pulp, Backend::Wide];

    /// Lower-case name used on the command line and in `BARSMITH_BACKEND`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
            Backend::Neon => "neon",
            Backend::Pulp => "pulp",
            Backend::Wide => "wide",
        }
    }

    /// Whether this build contains the backend (target architecture and cargo features).
    pub fn is_compiled(self) -> bool {
        crate::dispatch::table(self).is_some()
    }

    /// Whether the backend is compiled in and the running CPU supports it.
    pub fn is_available(self) -> bool {
        self.is_compiled() && crate::dispatch::cpu_supports(self)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = Error;

    /// Parses a name from [`Backend::name`] (case-insensitive).
    fn from_str(s: &str) -> Result<Backend, Error> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error { kind: ErrorKind::UnknownBackend(s.to_owned()) })
    }
}

/// Why a backend cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The backend is not part of this build (other target architecture, or its cargo feature is off).
    NotCompiled(Backend),
    /// The backend is compiled in but the running CPU lacks the instructions it needs.
    UnsupportedCpu(Backend),
    /// A name that no backend has.
    UnknownBackend(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::NotCompiled(b) => write!(f, "backend `{b}` is not compiled into this build"),
            ErrorKind::UnsupportedCpu(b) => write!(f, "backend `{b}` is not supported by this CPU"),
            ErrorKind::UnknownBackend(name) => {
                let names: Vec<&str> = Backend::ALL.iter().map(|b| b.name()).collect();
                write!(f, "unknown backend `{name}` (expected one of: {})", names.join(", "))
            }
        }
    }
}

impl std::error::Error for Error {}

/// Picks the best available backend once per process.
pub(crate) fn detected() -> Backend {
    static BEST: OnceLock<Backend> = OnceLock::new();
    *BEST.get_or_init(|| {
        [Backend::Avx512, Backend::Avx2, Backend::Neon]
            .into_iter()
            .find(|b| b.is_available())
            .unwrap_or(Backend::Scalar)
    })
}

/// What this build and this CPU offer, for `barsmith cpu`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuReport {
    /// Target architecture of the build (`std::env::consts::ARCH`).
    pub arch: &'static str,
    /// Backends compiled into this build.
    pub compiled: Vec<Backend>,
    /// Compiled backends the running CPU supports.
    pub available: Vec<Backend>,
    /// CPU features relevant to the backends, with whether they were detected.
    pub features: Vec<(&'static str, bool)>,
    /// What [`crate::Kernels::detect`] chooses.
    pub automatic: Backend,
}

/// Collects a [`CpuReport`].
pub fn cpu_report() -> CpuReport {
    CpuReport {
        arch: std::env::consts::ARCH,
        compiled: Backend::ALL.into_iter().filter(|b| b.is_compiled()).collect(),
        available: Backend::ALL.into_iter().filter(|b| b.is_available()).collect(),
        features: crate::dispatch::cpu_features(),
        automatic: detected(),
    }
}

/// The dispatch table of a backend that is compiled and supported, else the reason it is not.
pub(crate) fn checked_table(backend: Backend) -> Result<&'static Table, Error> {
    let table = crate::dispatch::table(backend).ok_or(Error { kind: ErrorKind::NotCompiled(backend) })?;
    if crate::dispatch::cpu_supports(backend) {
        Ok(table)
    } else {
        Err(Error { kind: ErrorKind::UnsupportedCpu(backend) })
    }
}
