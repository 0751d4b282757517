//! Fast scanning of the numbers in a record: eight ASCII digits at a time (SWAR) where they are.
//!
//! These functions only recognise the common, well-formed shapes. Anything else returns `None` and the
//! record is handed to the [`reference`](crate::reference) parser, which decides (and words the error).
//! `tests` and the `record` fuzz target check that both agree on every input.

use barsmith_core::SCALE;

/// Powers of ten used to scale a fraction of `k` digits to eight: `FRACTION_SCALE[k] = 10^(8-k)`.
const FRACTION_SCALE: [i64; 9] = [100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/// Most integer digits accepted without overflow checks: 18 digits always fit an `i64`.
const MAX_FAST_INTEGER_DIGITS: usize = 18;

/// Most digits before the point accepted without overflow checks: 10^10 × 10^8 fits an `i64`.
const MAX_FAST_WHOLE_DIGITS: usize = 10;

/// Most digits after the point.
const MAX_DECIMALS: usize = 8;

/// `true` when all eight bytes of `word` are ASCII digits.
#[cfg(test)]
fn all_digits(word: u64) -> bool {
    non_digit_bytes(word) == 0
}

/// The value of eight ASCII digits loaded little-endian (first character in the lowest byte).
#[inline(always)]
pub(crate) fn eight_digits_value(word: u64) -> u64 {
    let digits = word.wrapping_sub(0x3030_3030_3030_3030);
    // Pairs: each even byte becomes 10 * d[i] + d[i + 1].
    let pairs = digits.wrapping_mul(10).wrapping_add(digits >> 8);
    // Quads then the whole: combine pairs with multipliers 100 and 10^4 / 10^6 in two lanes.
    let low = (pairs & 0x0000_00ff_0000_00ff).wrapping_mul(100 + (1_000_000 << 32));
    let high = ((pairs >> 16) & 0x0000_00ff_0000_00ff).wrapping_mul(1 + (10_000 << 32));
    low.wrapping_add(high) >> 32
}

/// Powers of ten up to 10^8.
const POWERS_OF_TEN: [u64; 9] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/// Per byte of `word`: zero where the byte is an ASCII digit, non-zero elsewhere. A byte >= 0xfa carries
/// into the next byte, which only matters after the first non-digit, where nobody looks.
#[inline(always)]
pub(crate) fn non_digit_bytes(word: u64) -> u64 {
    let high = word & 0xf0f0_f0f0_f0f0_f0f0;
    let shifted = (word.wrapping_add(0x0606_0606_0606_0606) & 0xf0f0_f0f0_f0f0_f0f0) >> 4;
    (high | shifted) ^ 0x3333_3333_3333_3333
}

/// Reads the run of ASCII digits at the start of `bytes`: `(value, digit count)`.
///
/// Eight bytes at a time: the digit count of a word is the position of its first non-digit byte, and a
/// partial run is shifted up and padded with `'0'` bytes so [`eight_digits_value`] reads it. The last
/// few bytes of `bytes` go one at a time. The value wraps when the run is longer than 19 digits; callers
/// reject long runs by their count.
#[inline(always)]
pub(crate) fn scan_digits(bytes: &[u8]) -> (u64, usize) {
    let mut value = 0u64;
    let mut count = 0usize;
    while let Some(chunk) = bytes.get(count..count + 8) {
        let word = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        let non_digits = non_digit_bytes(word);
        if non_digits == 0 {
            value = value.wrapping_mul(100_000_000).wrapping_add(eight_digits_value(word));
            count += 8;
            continue;
        }
        let digits = (non_digits.trailing_zeros() / 8) as usize;
        if digits > 0 {
            let shift = 8 * (8 - digits) as u32;
            let padded = (word << shift) | (0x3030_3030_3030_3030 >> (64 - shift));
            value = value.wrapping_mul(POWERS_OF_TEN[digits]).wrapping_add(eight_digits_value(padded));
        }
        return (value, count + digits);
    }
    while let Some(&byte) = bytes.get(count) {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
        count += 1;
    }
    (value, count)
}

/// An unsigned integer of 1 to 18 digits at the start of `bytes`: `(value, bytes used)`.
#[inline(always)]
pub(crate) fn fast_integer(bytes: &[u8]) -> Option<(i64, usize)> {
    let (value, count) = scan_digits(bytes);
    if count == 0 || count > MAX_FAST_INTEGER_DIGITS {
        return None;
    }
    Some((value as i64, count))
}

/// A decimal `D{1,10}(.D{1,8})?` at the start of `bytes`, scaled by 10^8: `(raw, bytes used)`.
#[inline(always)]
pub(crate) fn fast_decimal(bytes: &[u8]) -> Option<(i64, usize)> {
    let (whole, whole_digits) = scan_digits(bytes);
    if whole_digits == 0 || whole_digits > MAX_FAST_WHOLE_DIGITS {
        return None;
    }
    let whole_raw = whole as i64 * SCALE;
    if bytes.get(whole_digits) != Some(&b'.') {
        return Some((whole_raw, whole_digits));
    }
    let fraction_start = whole_digits + 1;
    let (fraction, decimals) = scan_digits(&bytes[fraction_start..]);
    if decimals == 0 || decimals > MAX_DECIMALS {
        return None;
    }
    Some((whole_raw + fraction as i64 * FRACTION_SCALE[decimals], fraction_start + decimals))
}

/// A boolean at the start of `bytes`: `(value, bytes used)`.
#[inline(always)]
pub(crate) fn fast_boolean(bytes: &[u8]) -> Option<(bool, usize)> {
    match bytes.first()? {
        b'T' | b't' if bytes.get(1..4) == Some(b"rue") => Some((true, 4)),
        b'F' | b'f' if bytes.get(1..5) == Some(b"alse") => Some((false, 5)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use barsmith_core::FixedPoint;
    use proptest::prelude::*;

    fn naive_digits(bytes: &[u8]) -> (u64, usize) {
        let count = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        let value = bytes[..count].iter().fold(0u64, |v, &b| v.wrapping_mul(10).wrapping_add(u64::from(b - b'0')));
        (value, count)
    }

    #[test]
    fn all_digits_checks_every_byte_value() {
        for position in 0..8 {
            for byte in 0..=255u8 {
                let mut word = *b"12345678";
                word[position] = byte;
                assert_eq!(all_digits(u64::from_le_bytes(word)), byte.is_ascii_digit(), "byte {byte:#x} at {position}");
            }
        }
    }

    #[test]
    fn eight_digits_match_naive() {
        for text in [b"00000000", b"12345678", b"99999999", b"10000001", b"87654321"] {
            let expected = naive_digits(text).0;
            assert_eq!(eight_digits_value(u64::from_le_bytes(*text)), expected);
        }
    }

    #[test]
    fn boolean_spellings() {
        assert_eq!(fast_boolean(b"True"), Some((true, 4)));
        assert_eq!(fast_boolean(b"true,"), Some((true, 4)));
        assert_eq!(fast_boolean(b"False"), Some((false, 5)));
        assert_eq!(fast_boolean(b"false"), Some((false, 5)));
        assert_eq!(fast_boolean(b"TRUE"), None);
        assert_eq!(fast_boolean(b"Fals"), None);
        assert_eq!(fast_boolean(b""), None);
    }

    proptest! {
        #[test]
        fn scan_digits_matches_naive(text in proptest::collection::vec(
            prop_oneof![8 => b'0'..=b'9', 1 => any::<u8>()], 0..40)) {
            prop_assert_eq!(scan_digits(&text), naive_digits(&text));
        }

        #[test]
        fn eight_digits_any(value in 0u64..100_000_000) {
            let text = format!("{value:08}");
            let word = u64::from_le_bytes(text.as_bytes().try_into().unwrap());
            prop_assert_eq!(eight_digits_value(word), value);
        }

        /// Whenever the fast decimal accepts a field, `FixedPoint::parse` gives the same value.
        #[test]
        fn fast_decimal_agrees_with_fixed_point(text in "[0-9]{0,12}(\\.[0-9]{0,10})?[,x.e]?") {
            let bytes = text.as_bytes();
            if let Some((raw, used)) = fast_decimal(bytes) {
                prop_assert_eq!(FixedPoint::parse(&bytes[..used]), Ok(FixedPoint(raw)));
                prop_assert!(used == bytes.len() || !bytes[used].is_ascii_digit());
            }
        }

        #[test]
        fn fast_integer_agrees_with_std(text in "[0-9]{0,20}[,x]?") {
            let bytes = text.as_bytes();
            if let Some((value, used)) = fast_integer(bytes) {
                prop_assert_eq!(text[..used].parse::<i64>(), Ok(value));
            }
        }
    }
}
