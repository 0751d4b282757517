//! Running a command under test, in ripgrep's `TestCommand`/`Dir` style: a [`Dir`] is a temporary directory
//! to write inputs into, a [`TestCommand`] a command built argument by argument (paths taken as they are,
//! no `to_str().unwrap()`), run with an assertion on how it ended that shows its standard error when it fails.
//!
//! ```
//! use barsmith_test_support::command::{Dir, TestCommand};
//!
//! let dir = Dir::new();
//! let input = dir.create("in.txt", "hello\n");
//! let output = TestCommand::new("cat").arg(&input).assert_ok();
//! assert_eq!(output.stdout_text(), "hello\n");
//! let failed = TestCommand::new("cat").arg(dir.join("missing")).assert_exit(1);
//! assert!(failed.stderr_text().contains("missing"));
//! ```

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary directory, removed when dropped.
#[derive(Debug)]
pub struct Dir {
    dir: tempfile::TempDir,
}

impl Default for Dir {
    fn default() -> Dir {
        Dir::new()
    }
}

impl Dir {
    /// A new empty directory.
    pub fn new() -> Dir {
        Dir { dir: tempfile::tempdir().expect("create a temporary directory") }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `name` inside it (nothing is created).
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `contents` to `name` inside it (creating its parent directories) and gives the path.
    pub fn create(&self, name: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create the parent directory");
        }
        std::fs::write(&path, contents).expect("write a test file");
        path
    }

    /// Creates the directory `name` inside it and gives the path.
    pub fn create_dir(&self, name: impl AsRef<Path>) -> PathBuf {
        let path = self.join(name);
        std::fs::create_dir_all(&path).expect("create a test directory");
        path
    }
}

/// A command under test, built with [`TestCommand::arg`] and [`TestCommand::args`].
#[derive(Debug)]
pub struct TestCommand {
    command: Command,
    shown: Vec<String>,
}

impl TestCommand {
    /// The command `program`, with no argument yet.
    pub fn new(program: impl AsRef<OsStr>) -> TestCommand {
        TestCommand { command: Command::new(program), shown: Vec::new() }
    }

    /// Adds one argument (a `&str`, a `String`, a `Path`…).
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> TestCommand {
        self.shown.push(arg.as_ref().to_string_lossy().into_owned());
        self.command.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(self, args: I) -> TestCommand {
        args.into_iter().fold(self, TestCommand::arg)
    }

    /// Sets an environment variable of the command.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> TestCommand {
        self.command.env(key, value);
        self
    }

    /// The arguments so far, for messages.
    pub fn shown(&self) -> String {
        self.shown.join(" ")
    }

    /// Runs it to completion, however it ends.
    pub fn output(mut self) -> Ran {
        let output = self.command.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", self.shown()));
        Ran { output, shown: self.shown.join(" ") }
    }

    /// Runs it to completion with `input` on its standard input, however it ends.
    pub fn output_with_stdin(mut self, input: &[u8]) -> Ran {
        let shown = self.shown();
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
        child.stdin.take().expect("piped stdin").write_all(input).expect("write the input");
        let output = child.wait_with_output().unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
        Ran { output, shown }
    }

    /// Runs it and asserts that it succeeded.
    #[track_caller]
    pub fn assert_ok(self) -> Ran {
        let ran = self.output();
        assert!(ran.output.status.success(), "{} failed: {}", ran.shown, ran.stderr_text());
        ran
    }

    /// Runs it and asserts that it exited with `code`.
    #[track_caller]
    pub fn assert_exit(self, code: i32) -> Ran {
        let ran = self.output();
        assert_eq!(ran.output.status.code(), Some(code), "{}: {}", ran.shown, ran.stderr_text());
        ran
    }
}

/// A command that ran: its [`Output`] and the arguments it ran with.
#[derive(Debug)]
pub struct Ran {
    /// What it wrote and how it ended.
    pub output: Output,
    shown: String,
}

impl Ran {
    /// Standard output as text (lossy).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// Standard error as text (lossy).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// The arguments it ran with, for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}
