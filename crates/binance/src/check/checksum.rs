//! `.CHECKSUM` files (`sha256sum` format) and SHA-256 of files.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Suffix of the checksum file beside an archive: `X.zip` → `X.zip.CHECKSUM`.
pub const CHECKSUM_SUFFIX: &str = ".CHECKSUM";

/// The checksum file of `archive`.
pub fn checksum_path(archive: &Path) -> PathBuf {
    let mut name = archive.as_os_str().to_owned();
    name.push(CHECKSUM_SUFFIX);
    PathBuf::from(name)
}

/// The one line of a `.CHECKSUM` file: `<64 hex digits>  <file name>` (`sha256sum` output; a `*` before the
/// name, `sha256sum`'s binary-mode mark, is accepted too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecksumLine {
    /// The SHA-256 as 64 lower-case hex digits.
    pub sha256: String,
    /// The file name it is for.
    pub file_name: String,
}

/// Parses the text of a `.CHECKSUM` file; the error says what is wrong with it.
pub fn parse_checksum(text: &str) -> Result<ChecksumLine, String> {
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let line = lines.next().ok_or("the checksum file is empty")?;
    if lines.next().is_some() {
        return Err("the checksum file has more than one line".into());
    }
    let (hash, rest) = line.split_once(char::is_whitespace).ok_or("expected `<sha256>  <file name>`")?;
    let file_name = rest.trim_start().trim_start_matches('*').trim_end();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("\"{}\" is not a SHA-256 (64 hex digits)", barsmith_ingest::excerpt(hash.as_bytes())));
    }
    if file_name.is_empty() {
        return Err("no file name after the hash".into());
    }
    Ok(ChecksumLine { sha256: hash.to_ascii_lowercase(), file_name: file_name.to_owned() })
}

/// Formats a checksum line exactly as `sha256sum` (and Binance) write it.
pub fn format_checksum(sha256: &str, file_name: &str) -> String {
    format!("{sha256}  {file_name}\n")
}

/// Reads and parses the checksum file of `archive` and checks that it names the archive.
pub fn read_checksum_of(archive: &Path) -> Result<ChecksumLine, String> {
    let path = checksum_path(archive);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let line = parse_checksum(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let expected_name = archive.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if line.file_name != expected_name {
        return Err(format!("{}: names {:?}, not {expected_name:?}", path.display(), line.file_name));
    }
    Ok(line)
}

/// Lower-case hex digits of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 15)] as char);
    }
    text
}

/// SHA-256 of everything `reader` yields, as hex, streaming in 256 KiB pieces.
pub fn sha256_reader(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    hash_into(&mut reader, &mut hasher)?;
    Ok(to_hex(&hasher.finalize()))
}

/// Feeds everything `reader` yields to `hasher`; the number of bytes.
pub(crate) fn hash_into(reader: &mut impl Read, hasher: &mut Sha256) -> io::Result<u64> {
    let mut buffer = vec![0u8; 256 * 1024];
    let mut total = 0;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..read]);
        total += read as u64;
    }
}

/// SHA-256 of a file, as hex.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    sha256_reader(File::open(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_upstream_format_and_hashes() {
        let empty_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(sha256_reader(&b""[..]).unwrap(), empty_sha);
        let line = format_checksum(empty_sha, "BTCUSDT-aggTrades-2024-03-01.zip");
        let parsed = parse_checksum(&line).unwrap();
        assert_eq!(parsed.sha256, empty_sha);
        assert_eq!(parsed.file_name, "BTCUSDT-aggTrades-2024-03-01.zip");
        let upper = parse_checksum(&format!("{}  *x.zip\r\n", empty_sha.to_uppercase())).unwrap();
        assert_eq!((upper.sha256.as_str(), upper.file_name.as_str()), (empty_sha, "x.zip"));
        for bad in ["", "abc  x.zip", empty_sha, &format!("{empty_sha}  a\n{empty_sha}  b")] {
            assert!(parse_checksum(bad).is_err(), "{bad:?}");
        }
    }
}
