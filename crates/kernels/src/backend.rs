//! The backends: names, availability (compiled in, supported by this CPU) and the automatic choice.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::{Error, ErrorKind};

/// A kernel implementation. Every variant exists on every target; [`Backend::is_available`] tells whether
/// this build on this CPU can run it, and [`crate::Kernels::new`] refuses the ones that cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Plain Rust, the reference definition; always available.
    Scalar,
    /// x86_64 AVX2 + FMA with `std::arch` (4 × f64 lanes).
    Avx2,
    /// x86_64 AVX-512 F + DQ (and POPCNT) with `std::arch` (8 × f64 lanes).
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
        match crate::dispatch::checked_table(self) {
            Ok(_) => true,
            Err(e) => !matches!(e.kind(), ErrorKind::NotCompiled(_)),
        }
    }

    /// Whether the backend is compiled in and the running CPU supports it.
    pub fn is_available(self) -> bool {
        crate::dispatch::checked_table(self).is_ok()
    }

    /// The CPU features the backend requires and checks at run time (for example `avx512f`, `avx512dq`,
    /// `popcnt`); empty for backends that need nothing beyond the target's baseline or choose their
    /// instructions themselves (scalar, pulp, wide), and for backends not compiled into this build.
    pub fn cpu_features(self) -> &'static [&'static str] {
        crate::dispatch::cpu_features(self)
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
            .ok_or_else(|| Error::unknown_backend(s))
    }
}

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
        features: detected_features(),
        automatic: detected(),
    }
}

/// CPU features the backends care about, with their detection result.
fn detected_features() -> Vec<(&'static str, bool)> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        vec![
            ("sse2", has!("sse2")),
            ("avx", has!("avx")),
            ("avx2", has!("avx2")),
            ("fma", has!("fma")),
            ("bmi2", has!("bmi2")),
            ("popcnt", has!("popcnt")),
            ("avx512f", has!("avx512f")),
            ("avx512dq", has!("avx512dq")),
            ("avx512vl", has!("avx512vl")),
            ("avx512bw", has!("avx512bw")),
            ("avx512cd", has!("avx512cd")),
            ("avx512vpopcntdq", has!("avx512vpopcntdq")),
        ]
    }
    #[cfg(target_arch = "aarch64")]
    {
        use std::arch::is_aarch64_feature_detected as has;
        vec![("neon", has!("neon")), ("sve", has!("sve")), ("sve2", has!("sve2"))]
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        Vec::new()
    }
}
