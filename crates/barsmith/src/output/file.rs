//! Output files that appear whole or not at all, and the commit of a whole run.
//!
//! * A regular file (or a path that does not exist yet) is written to a temporary file and renamed over its
//!   target when committed ([`AtomicFile`]). The temporary file lives in the nearest existing directory above
//!   the target, so a run that fails creates no directory; the missing directories are made at commit time.
//! * A symlink is followed: the temporary file goes beside the link's final target, which is replaced; the link
//!   stays.
//! * A device, a FIFO or a socket (`/dev/null`, a named pipe) is written straight through, never replaced, and
//!   `/dev/stdout` (also `/dev/fd/1`, `/proc/self/fd/1`) is the process's standard output.
//! * A [`Transaction`] holds committed files back until the whole run succeeded; then every rename happens in
//!   one step that a signal handler ([`abandon_uncommitted`]) cannot interleave with.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Temporary files not yet committed, process-wide, for [`abandon_uncommitted`].
#[derive(Debug, Default)]
struct Registry {
    temps: BTreeSet<PathBuf>,
    abandoned: bool,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry { temps: BTreeSet::new(), abandoned: false });

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes every temporary output file of this process and refuses every later commit.
///
/// For a signal handler's thread before it exits: a commit in progress finishes first (the renames of a
/// [`Transaction`] are one step), so the outputs are either all in place or none is.
pub fn abandon_uncommitted() {
    let mut registry = registry();
    registry.abandoned = true;
    for temp in std::mem::take(&mut registry.temps) {
        let _ = std::fs::remove_file(temp);
    }
}

/// The I/O error without the temporary file's name that `tempfile` attaches (errors name the user's path).
fn without_temp_name(error: io::Error) -> io::Error {
    if let Some(code) = error.raw_os_error() {
        return io::Error::from_raw_os_error(code);
    }
    let inner = error.get_ref().and_then(|e| e.source()).and_then(|s| s.downcast_ref::<io::Error>());
    match inner.and_then(io::Error::raw_os_error) {
        Some(code) => io::Error::from_raw_os_error(code),
        None => error,
    }
}

/// Follows symlinks at `path` to the final target (which may not exist yet).
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// The directory that holds `target`, or `.`.
fn parent_dir(target: &Path) -> PathBuf {
    match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The nearest existing directory at or above `dir`; an existing non-directory on the way is an error.
fn nearest_existing_dir(dir: &Path) -> io::Result<PathBuf> {
    let mut current = dir.to_path_buf();
    loop {
        match std::fs::metadata(&current) {
            Ok(meta) if meta.is_dir() => return Ok(current),
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    format!("{} is not a directory", current.display()),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => match current.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => current = parent.to_path_buf(),
                _ => return Ok(PathBuf::from(".")),
            },
            Err(e) => return Err(e),
        }
    }
}

/// An output file that appears at its path only when committed.
///
/// Bytes go to a temporary file (`.NAME.XXXXXX.partial`) in the nearest existing directory above the target,
/// renamed over the target by [`AtomicFile::commit`] (or, inside a [`Transaction`], when the transaction
/// commits). A failed or interrupted run leaves no partial output: the temporary file is removed when
/// dropped, and by [`abandon_uncommitted`].
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: Option<tempfile::NamedTempFile>,
    transaction: Option<Arc<Transaction>>,
}

impl AtomicFile {
    /// Creates the temporary file for `target`, committed on its own by [`AtomicFile::commit`].
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        AtomicFile::open(target, None)
    }

    /// Creates the temporary file for `target`, committed with every other file of `transaction`.
    pub fn create_in(target: &Path, transaction: &Arc<Transaction>) -> io::Result<AtomicFile> {
        AtomicFile::open(target, Some(Arc::clone(transaction)))
    }

    fn open(target: &Path, transaction: Option<Arc<Transaction>>) -> io::Result<AtomicFile> {
        let target = resolve_links(target)?;
        if std::fs::metadata(&target).is_ok_and(|m| m.is_dir()) {
            return Err(io::Error::new(io::ErrorKind::IsADirectory, "is a directory"));
        }
        let dir = nearest_existing_dir(&parent_dir(&target))?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut registry = registry();
        if registry.abandoned {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "the run was interrupted"));
        }
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempfile_in(dir)
            .map_err(without_temp_name)?;
        registry.temps.insert(temp.path().to_path_buf());
        Ok(AtomicFile { target, temp: Some(temp), transaction })
    }

    /// The path the file will have once committed (symlinks followed).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// A buffered writer into the temporary file.
    pub fn writer(&self) -> io::Result<BufWriter<File>> {
        Ok(BufWriter::with_capacity(1 << 20, self.temp_file().as_file().try_clone()?))
    }

    fn temp_file(&self) -> &tempfile::NamedTempFile {
        self.temp.as_ref().expect("present until committed")
    }

    /// Flushes to disk and renames the temporary file over the target — at once, or inside a transaction when
    /// the transaction commits.
    pub fn commit(mut self) -> io::Result<()> {
        let temp = self.temp_file();
        // Temporary files are created private (0600); an output file gets the usual 0644.
        #[cfg(unix)]
        std::fs::set_permissions(temp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .map_err(without_temp_name)?;
        temp.as_file().sync_all()?;
        match self.transaction.take() {
            // The staged file no longer points at its transaction: no reference cycle keeps either alive.
            Some(transaction) => {
                transaction.staged.lock().unwrap_or_else(PoisonError::into_inner).push(self);
                Ok(())
            }
            None => {
                let mut registry = registry();
                persist(self, &mut registry)
            }
        }
    }
}

/// Renames the temporary file over the target, creating missing directories first.
fn persist(mut file: AtomicFile, registry: &mut Registry) -> io::Result<()> {
    if registry.abandoned {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "the run was interrupted"));
    }
    let temp = file.temp.take().expect("present until committed");
    registry.temps.remove(temp.path());
    std::fs::create_dir_all(parent_dir(&file.target))?;
    temp.persist(&file.target).map_err(|e| without_temp_name(e.error))?;
    Ok(())
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            registry().temps.remove(temp.path());
            drop(temp); // removes the file
        }
    }
}

/// The outputs of one run, committed together: each [`AtomicFile::commit`] inside it only stages the file,
/// and [`Transaction::commit`] renames them all. Dropping an uncommitted transaction removes every staged file.
#[derive(Debug, Default)]
pub struct Transaction {
    staged: Mutex<Vec<AtomicFile>>,
}

impl Transaction {
    /// An empty transaction.
    pub fn new() -> Arc<Transaction> {
        Arc::new(Transaction::default())
    }

    /// Renames every staged file into place (in the order staged); the first failure stops and is returned
    /// with the target it was for.
    ///
    /// The renames hold the process-wide registry, so [`abandon_uncommitted`] runs before or after them all.
    pub fn commit(&self) -> Result<(), (PathBuf, io::Error)> {
        let files = std::mem::take(&mut *self.staged.lock().unwrap_or_else(PoisonError::into_inner));
        let mut registry = registry();
        for file in files {
            let target = file.target.clone();
            persist(file, &mut registry).map_err(|e| (target, e))?;
        }
        Ok(())
    }
}

/// Where an output's bytes go.
#[derive(Debug)]
enum Destination {
    /// A regular file, replaced atomically.
    Atomic(AtomicFile),
    /// A device, FIFO or socket, written straight through.
    Direct(File),
    /// Standard output.
    Stdout,
}

/// An opened output path: `-` and `/dev/stdout` are standard output, a device or FIFO is written straight
/// through, anything else is an [`AtomicFile`].
#[derive(Debug)]
pub struct OutputFile {
    destination: Destination,
}

impl OutputFile {
    /// Opens `path` for writing; regular files are committed on their own by [`OutputFile::finish`].
    pub fn create(path: &Path) -> io::Result<OutputFile> {
        OutputFile::open(path, None)
    }

    /// Opens `path` for writing; a regular file is committed with `transaction`.
    pub fn create_in(path: &Path, transaction: &Arc<Transaction>) -> io::Result<OutputFile> {
        OutputFile::open(path, Some(transaction))
    }

    fn open(path: &Path, transaction: Option<&Arc<Transaction>>) -> io::Result<OutputFile> {
        if is_stdout(path) {
            return Ok(OutputFile { destination: Destination::Stdout });
        }
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
            && !meta.is_dir()
        {
            let file = OpenOptions::new().write(true).open(path)?;
            return Ok(OutputFile { destination: Destination::Direct(file) });
        }
        let file = match transaction {
            Some(transaction) => AtomicFile::create_in(path, transaction)?,
            None => AtomicFile::create(path)?,
        };
        Ok(OutputFile { destination: Destination::Atomic(file) })
    }

    /// `true` when the bytes go to standard output.
    pub fn is_stdout(&self) -> bool {
        matches!(self.destination, Destination::Stdout)
    }

    /// A writer for the bytes (buffered for files; wrap standard output in your own buffer).
    pub fn writer(&self) -> io::Result<Box<dyn Write + Send>> {
        Ok(match &self.destination {
            Destination::Atomic(file) => Box::new(file.writer()?),
            Destination::Direct(file) => Box::new(BufWriter::with_capacity(1 << 16, file.try_clone()?)),
            Destination::Stdout => Box::new(io::stdout()),
        })
    }

    /// Commits an atomic file (or stages it in its transaction); nothing to do for the others. Flush the
    /// writer first.
    pub fn finish(self) -> io::Result<()> {
        match self.destination {
            Destination::Atomic(file) => file.commit(),
            Destination::Direct(_) | Destination::Stdout => Ok(()),
        }
    }
}

/// `-`, `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`: the process's standard output (never reopened, so a
/// shell's `>>` keeps appending).
pub fn is_stdout(path: &Path) -> bool {
    ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"].iter().any(|name| path.as_os_str() == *name)
}

/// `true` when `a` and `b` are the same existing file (after symlinks; not just the same spelling).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        #[cfg(unix)]
        (Ok(a), Ok(b)) => {
            use std::os::unix::fs::MetadataExt;
            a.dev() == b.dev() && a.ino() == b.ino()
        }
        #[cfg(not(unix))]
        (Ok(_), Ok(_)) => std::fs::canonicalize(a).ok().is_some_and(|a| std::fs::canonicalize(b).ok() == Some(a)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_commits_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("new/a.csv"), dir.path().join("new/deeper/b.csv"));
        {
            let transaction = Transaction::new();
            for path in [&a, &b] {
                let file = AtomicFile::create_in(path, &transaction).unwrap();
                file.writer().unwrap().write_all(b"x").unwrap();
                file.commit().unwrap();
            }
            assert!(!dir.path().join("new").exists(), "no directory before the commit");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "dropped: nothing left");
        let transaction = Transaction::new();
        for path in [&a, &b] {
            let file = AtomicFile::create_in(path, &transaction).unwrap();
            file.writer().unwrap().write_all(b"x").unwrap();
            file.commit().unwrap();
        }
        transaction.commit().unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"x");
        assert_eq!(std::fs::read(&b).unwrap(), b"x");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_kept_and_its_target_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.csv");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        let file = OutputFile::create(&link).unwrap();
        let mut writer = file.writer().unwrap();
        writer.write_all(b"new").unwrap();
        writer.flush().unwrap();
        drop(writer);
        file.finish().unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }
}
