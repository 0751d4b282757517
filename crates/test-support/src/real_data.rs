//! The real Binance sample, kept outside the repository in `<repo root>/../shared/data` (third-party data,
//! never committed).
//!
//! Absent folder: the test says loudly that it did not run that part ([`crate::not_run`]) and goes on.
//! Present folder whose sample is missing or unreadable: the test fails.

use std::path::{Path, PathBuf};

/// The first 5 000 records of BTCUSDT spot aggTrades of 2026-01-01 (no header, 8 columns).
pub const SAMPLE: &str = "BTCUSDT-aggTrades-2026-01-01.head5000.csv";

/// `<repo root>/../shared/data`.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// The path of the real sample, or `None` (said loudly, naming `what` is not run) when the shared data folder
/// is absent. Panics when the folder exists but the sample cannot be read.
pub fn sample(what: &str) -> Option<PathBuf> {
    file(SAMPLE, what)
}

/// The path of `name` in the shared data folder; see [`sample`].
pub fn file(name: &str, what: &str) -> Option<PathBuf> {
    file_in(&dir(), name, what)
}

fn file_in(dir: &Path, name: &str, what: &str) -> Option<PathBuf> {
    match std::fs::metadata(dir) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            crate::not_run(what, &format!("the real-data folder {} is absent", dir.display()));
            return None;
        }
        Err(error) => panic!("real-data folder {} exists but cannot be read: {error}", dir.display()),
        Ok(_) => {}
    }
    let path = dir.join(name);
    if let Err(error) = std::fs::File::open(&path) {
        panic!("{} is present but {} cannot be read: {error}", dir.display(), path.display());
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("barsmith-test-support-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn an_absent_folder_is_not_run() {
        assert_eq!(file_in(&scratch("absent"), SAMPLE, "this check"), None);
    }

    #[test]
    #[should_panic(expected = "cannot be read")]
    fn a_present_folder_without_the_sample_fails() {
        let dir = scratch("empty");
        std::fs::create_dir_all(&dir).unwrap();
        file_in(&dir, SAMPLE, "this check");
    }

    #[test]
    fn a_present_sample_is_returned() {
        let dir = scratch("present");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(SAMPLE), "1,2\n").unwrap();
        assert_eq!(file_in(&dir, SAMPLE, "this check"), Some(dir.join(SAMPLE)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
