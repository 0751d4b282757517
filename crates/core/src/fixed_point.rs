//! Fixed-point decimal numbers at scale 10^8.

use std::fmt;

/// The fixed-point scale: a [`FixedPoint`] holds `value * SCALE` as an `i64`.
pub const SCALE: i64 = 100_000_000;

/// The scale of a turnover (price × quantity): `SCALE * SCALE`.
pub const TURNOVER_SCALE: i128 = (SCALE as i128) * (SCALE as i128);

/// Number of decimal places represented exactly.
const DECIMALS: usize = 8;

/// A non-negative-or-negative decimal with exactly eight fractional digits, stored as `value × 10^8`.
///
/// Parsing is exact (no floating-point round trip); see [`FixedPoint::parse`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct FixedPoint(pub i64);

/// Why a decimal field could not be parsed into a [`FixedPoint`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseFixedPointError {
    /// The field is empty.
    #[error("empty number")]
    Empty,
    /// A byte other than an ASCII digit or a single `.` (signs and exponents are rejected).
    #[error("invalid character in number")]
    InvalidCharacter,
    /// `.` with no digit before or after it.
    #[error("missing digits around the decimal point")]
    MissingDigits,
    /// More than eight digits after the decimal point.
    #[error("more than 8 decimal places")]
    TooManyDecimals,
    /// The value does not fit an `i64` at scale 10^8.
    #[error("number too large")]
    Overflow,
}

impl FixedPoint {
    /// Zero.
    pub const ZERO: FixedPoint = FixedPoint(0);

    /// Parses an unsigned decimal such as `87648.21000000` exactly.
    ///
    /// Accepted: one or more digits, optionally followed by `.` and one to eight digits.
    /// Rejected: empty text, signs, exponents, whitespace, more than eight decimals, overflow.
    pub fn parse(text: &[u8]) -> Result<FixedPoint, ParseFixedPointError> {
        if text.is_empty() {
            return Err(ParseFixedPointError::Empty);
        }
        let (int_part, frac_part) = match text.iter().position(|&b| b == b'.') {
            Some(dot) => (&text[..dot], Some(&text[dot + 1..])),
            None => (text, None),
        };
        let mut value: i64 = parse_digits(int_part)?;
        value = value.checked_mul(SCALE).ok_or(ParseFixedPointError::Overflow)?;
        if let Some(frac) = frac_part {
            if int_part.is_empty() || frac.is_empty() {
                return Err(ParseFixedPointError::MissingDigits);
            }
            if frac.len() > DECIMALS {
                if frac.iter().any(|b| !b.is_ascii_digit()) {
                    return Err(ParseFixedPointError::InvalidCharacter);
                }
                return Err(ParseFixedPointError::TooManyDecimals);
            }
            let digits = parse_digits(frac)?;
            let frac_scaled = digits * 10_i64.pow((DECIMALS - frac.len()) as u32);
            value = value.checked_add(frac_scaled).ok_or(ParseFixedPointError::Overflow)?;
        } else if int_part.is_empty() {
            return Err(ParseFixedPointError::Empty);
        }
        Ok(FixedPoint(value))
    }

    /// The value as `f64` (`raw / 10^8`), for float features and display only.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }
}

/// Parses a run of ASCII digits (possibly empty, which gives 0) into an `i64`.
fn parse_digits(digits: &[u8]) -> Result<i64, ParseFixedPointError> {
    let mut value: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return Err(ParseFixedPointError::InvalidCharacter);
        }
        value =
            value.checked_mul(10).and_then(|v| v.checked_add(i64::from(d))).ok_or(ParseFixedPointError::Overflow)?;
    }
    Ok(value)
}

impl std::str::FromStr for FixedPoint {
    type Err = ParseFixedPointError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FixedPoint::parse(s.as_bytes())
    }
}

impl fmt::Display for FixedPoint {
    /// Exact decimal with eight fractional digits, e.g. `87648.21000000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scaled(f, i128::from(self.0), SCALE as u128, DECIMALS)
    }
}

/// Writes `value / scale` exactly with `decimals` fractional digits.
pub(crate) fn write_scaled(f: &mut impl fmt::Write, value: i128, scale: u128, decimals: usize) -> fmt::Result {
    let sign = if value < 0 { "-" } else { "" };
    let magnitude = value.unsigned_abs();
    write!(f, "{sign}{}.{:0decimals$}", magnitude / scale, magnitude % scale)
}

/// Formats an `i128` quantity at scale 10^8 (volumes) exactly.
pub fn format_scaled_i128(value: i128, scale: i128, decimals: usize) -> String {
    let mut out = String::new();
    // Writing to a String never fails.
    let _ = write_scaled(&mut out, value, scale.unsigned_abs(), decimals);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(FixedPoint::parse(b"87648.21000000"), Ok(FixedPoint(8_764_821_000_000)));
        assert_eq!(FixedPoint::parse(b"0.00000001"), Ok(FixedPoint(1)));
        assert_eq!(FixedPoint::parse(b"12"), Ok(FixedPoint(1_200_000_000)));
        assert_eq!(FixedPoint::parse(b"0.1"), Ok(FixedPoint(10_000_000)));
        assert_eq!(FixedPoint::parse(b"0.30000000"), Ok(FixedPoint(30_000_000)));
    }

    #[test]
    fn rejects_malformed_text() {
        use ParseFixedPointError::*;
        assert_eq!(FixedPoint::parse(b""), Err(Empty));
        assert_eq!(FixedPoint::parse(b"-1.0"), Err(InvalidCharacter));
        assert_eq!(FixedPoint::parse(b"+1.0"), Err(InvalidCharacter));
        assert_eq!(FixedPoint::parse(b"1e5"), Err(InvalidCharacter));
        assert_eq!(FixedPoint::parse(b"1.000000001"), Err(TooManyDecimals));
        assert_eq!(FixedPoint::parse(b".5"), Err(MissingDigits));
        assert_eq!(FixedPoint::parse(b"5."), Err(MissingDigits));
        assert_eq!(FixedPoint::parse(b"1.2.3"), Err(InvalidCharacter));
        assert_eq!(FixedPoint::parse(b" 1"), Err(InvalidCharacter));
        assert_eq!(FixedPoint::parse(b"99999999999999999999"), Err(Overflow));
        assert_eq!(FixedPoint::parse(b"92233720368.54775808"), Err(Overflow));
        assert_eq!(FixedPoint::parse(b"92233720368.54775807"), Ok(FixedPoint(i64::MAX)));
    }

    #[test]
    fn displays_exactly() {
        assert_eq!(FixedPoint(8_764_821_000_000).to_string(), "87648.21000000");
        assert_eq!(FixedPoint(1).to_string(), "0.00000001");
        assert_eq!(FixedPoint(-150_000_000).to_string(), "-1.50000000");
        assert_eq!(format_scaled_i128(-5, 100, 2), "-0.05");
    }
}
