//! The mirror driven by text commands, one a line, each answered by one line: how the `vision-stand-in` binary
//! lets tests in other languages (python/tests/test_get_bars.py) serve archives, inject faults and read the
//! request log while the mirror runs.
//!
//! ```text
//! archive REMOTE_PATH CSV_FILE [wrong-checksum]   → ok SHA256 LENGTH LISTED   (the archive's; its .CHECKSUM's)
//! fault PATH status CODE [TIMES]                  → ok                 (TIMES: unlimited when absent)
//! fault PATH delay MILLISECONDS [TIMES]           → ok
//! fault PATH trickle BYTES MILLISECONDS [TIMES]   → ok                 (BYTES, then a pause, and so on)
//! fault PATH break BYTES [TIMES]                  → ok
//! clear PATH                                      → ok
//! requests                                        → ok METHOD PATH RANGE<TAB>…   (RANGE `-` when none)
//! ```
//!
//! A command that cannot be done is answered `error: WHAT` and changes nothing.

use std::io::{BufRead, Write};
use std::time::Duration;

use super::{Fault, Mirror, sha256_hex};

/// Answers the commands of `input` on `output` until `input` ends.
pub fn run(mirror: &Mirror, input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    for line in input.lines() {
        let answer = match command(mirror, &line?) {
            Ok(answer) if answer.is_empty() => "ok".to_owned(),
            Ok(answer) => format!("ok {answer}"),
            Err(error) => format!("error: {error}"),
        };
        writeln!(output, "{answer}")?;
        output.flush()?;
    }
    Ok(())
}

/// Does one command; its answer without the leading `ok`.
pub fn command(mirror: &Mirror, line: &str) -> Result<String, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["archive", remote, csv, rest @ ..] if rest.is_empty() || rest == ["wrong-checksum"] => {
            let csv = std::fs::read(csv).map_err(|e| format!("{csv}: {e}"))?;
            let remote = remote.strip_prefix('/').unwrap_or(remote);
            let archive = mirror.put_archive(remote, &csv, rest.is_empty());
            let listed = mirror.file(&format!("/{remote}.CHECKSUM")).unwrap_or_default();
            let listed = String::from_utf8_lossy(&listed).split_whitespace().next().unwrap_or("").to_owned();
            Ok(format!("{} {} {listed}", sha256_hex(&archive), archive.len()))
        }
        ["fault", path, kind, numbers @ ..] => {
            mirror.fault(path, fault(kind, numbers)?);
            Ok(String::new())
        }
        ["clear", path] => {
            mirror.clear_fault(path);
            Ok(String::new())
        }
        ["requests"] => {
            let entries: Vec<String> = mirror
                .requests()
                .into_iter()
                .map(|(method, path, range)| format!("{method} {path} {}", range.as_deref().unwrap_or("-")))
                .collect();
            Ok(entries.join("\t"))
        }
        _ => Err(format!("unknown command {line:?} (see crates/test-support/src/mirror/control.rs)")),
    }
}

/// The fault `kind` with its numbers (the last one optional: how many requests it answers).
fn fault(kind: &str, numbers: &[&str]) -> Result<Fault, String> {
    let numbers: Vec<u64> = numbers
        .iter()
        .map(|n| n.parse().map_err(|_| format!("{n:?} is not a whole number")))
        .collect::<Result<_, _>>()?;
    let needed = match kind {
        "status" | "delay" | "break" => 1,
        "trickle" => 2,
        _ => return Err(format!("unknown fault {kind:?} (status, delay, trickle or break)")),
    };
    if numbers.len() != needed && numbers.len() != needed + 1 {
        return Err(format!("fault {kind} takes {needed} numbers and optionally TIMES, not {}", numbers.len()));
    }
    let times = numbers.get(needed).map_or(u32::MAX, |&t| t.min(u64::from(u32::MAX)) as u32);
    let millis = |n: u64| Duration::from_millis(n);
    Ok(match kind {
        "status" => {
            let code = u16::try_from(numbers[0]).ok().filter(|c| (100..600).contains(c));
            Fault::Status { code: code.ok_or(format!("{} is not an HTTP status code", numbers[0]))?, times }
        }
        "delay" => Fault::Delay { delay: millis(numbers[0]), times },
        "break" => Fault::BreakAfter { bytes: numbers[0] as usize, times },
        _ => Fault::Trickle { chunk: numbers[0] as usize, pause: millis(numbers[1]), times },
    })
}
