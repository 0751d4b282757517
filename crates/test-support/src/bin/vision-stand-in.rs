//! The Binance Vision mirror as a process, for tests in other languages (python/tests/test_get_bars.py):
//!
//! ```text
//! vision-stand-in
//! ```
//!
//! starts an empty mirror on 127.0.0.1 (port chosen by the OS), prints its base URL (`http://127.0.0.1:PORT`)
//! on one line, then answers the commands of standard input, one a line (`archive`, `fault`, `clear`,
//! `requests`: see `barsmith_test_support::mirror::control`), until standard input closes.

use barsmith_test_support::mirror::{Mirror, control};

fn main() {
    if std::env::args().len() > 1 {
        eprintln!("vision-stand-in: takes no arguments; commands come on standard input");
        std::process::exit(2);
    }
    let mirror = Mirror::start();
    println!("{}", mirror.base_url);
    if let Err(error) = control::run(&mirror, std::io::stdin().lock(), std::io::stdout().lock()) {
        eprintln!("vision-stand-in: {error}");
        std::process::exit(1);
    }
}
