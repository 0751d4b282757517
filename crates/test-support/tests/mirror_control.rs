//! The mirror's control commands (what the `vision-stand-in` binary answers on standard input), in process and
//! through the binary, against plain HTTP/1.0 requests on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use barsmith_test_support::mirror::{Mirror, control};

const REMOTE: &str = "/data/spot/daily/aggTrades/AUSDT/AUSDT-aggTrades-2024-03-01.zip";

/// (status code, body) of `method path` on `base_url`, with a bounded wait.
fn http(base_url: &str, method: &str, path: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(base_url.strip_prefix("http://").unwrap()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "{method} {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block") + 4;
    let status = std::str::from_utf8(&answer[9..12]).unwrap().parse().unwrap();
    (status, answer[end..].to_vec())
}

fn csv_file() -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"1,10.0,1.0,1,1,1709251200000000,true,true\n").unwrap();
    file
}

#[test]
fn commands_serve_archives_inject_faults_and_read_the_request_log() {
    let mirror = Mirror::start();
    let csv = csv_file();
    let served = control::command(&mirror, &format!("archive {REMOTE} {}", csv.path().display())).unwrap();
    let [sha, length, listed] = served.split(' ').collect::<Vec<_>>()[..] else { panic!("{served}") };
    assert_eq!(sha, listed, "the checksum file lists the archive's hash");
    let (status, body) = http(&mirror.base_url, "GET", REMOTE);
    assert_eq!((status, body.len().to_string()), (200, length.to_owned()));
    assert_eq!(barsmith_test_support::mirror::sha256_hex(&body), sha);
    let (_, checksum) = http(&mirror.base_url, "GET", &format!("{REMOTE}.CHECKSUM"));
    assert!(checksum.starts_with(sha.as_bytes()), "{}", String::from_utf8_lossy(&checksum));

    assert_eq!(control::command(&mirror, &format!("fault {REMOTE} status 403")), Ok(String::new()));
    assert_eq!(http(&mirror.base_url, "GET", REMOTE).0, 403);
    assert_eq!(http(&mirror.base_url, "HEAD", REMOTE).0, 403, "a status fault with no TIMES lasts");
    control::command(&mirror, &format!("clear {REMOTE}")).unwrap();
    assert_eq!(http(&mirror.base_url, "GET", REMOTE).0, 200);

    control::command(&mirror, &format!("fault {REMOTE} trickle 16 40 1")).unwrap();
    let started = Instant::now();
    let (status, trickled) = http(&mirror.base_url, "GET", REMOTE);
    let pauses = body.len().div_ceil(16) as u32;
    assert!(started.elapsed() >= Duration::from_millis(40) * (pauses - 1), "{:?}", started.elapsed());
    assert_eq!((status, trickled), (200, body.clone()), "the trickled body is the whole body");

    let log = control::command(&mirror, "requests").unwrap();
    let entries: Vec<&str> = log.split('\t').collect();
    assert_eq!(entries.len(), 6, "{log}");
    assert_eq!(entries[0], format!("GET {REMOTE} -"));
    assert_eq!(entries[3], format!("HEAD {REMOTE} -"));
}

#[test]
fn bad_commands_are_answered_with_an_error_and_change_nothing() {
    let mirror = Mirror::start();
    for line in [
        "fetch everything",
        "fault /x status 99",
        "fault /x status",
        "fault /x trickle 10",
        "fault /x sulk 1",
        "fault /x delay soon",
        "archive /x /no/such/file.csv",
        "archive /x /no/such/file.csv right-checksum",
    ] {
        let error = control::command(&mirror, line).unwrap_err();
        assert!(!error.is_empty(), "{line}");
    }
    assert_eq!(control::command(&mirror, "requests"), Ok(String::new()));
    assert_eq!(http(&mirror.base_url, "GET", "/x").0, 404);
}

#[test]
fn the_binary_prints_its_url_answers_a_line_per_command_and_ends_with_its_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vision-stand-in"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let base_url = line.trim().to_owned();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    let csv = csv_file();
    let mut ask = |command: &str| {
        writeln!(stdin, "{command}").unwrap();
        let mut answer = String::new();
        stdout.read_line(&mut answer).unwrap();
        answer.trim_end().to_owned()
    };
    let served = ask(&format!("archive {REMOTE} {} wrong-checksum", csv.path().display()));
    let [ok, sha, _, listed] = served.split(' ').collect::<Vec<_>>()[..] else { panic!("{served}") };
    assert_eq!(ok, "ok");
    assert_ne!(sha, listed, "wrong-checksum lists another hash");
    assert_eq!(http(&base_url, "GET", REMOTE).0, 200);
    assert_eq!(ask("requests"), format!("ok GET {REMOTE} -"));
    assert!(ask("nonsense").starts_with("error: unknown command"));
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
