//! Timestamp normalisation.

/// Raw timestamps below this value are milliseconds; at or above it, microseconds.
pub const MILLISECOND_CUTOFF: i64 = 10_000_000_000_000;

/// Converts a raw Binance timestamp to microseconds: values below 10^13 are milliseconds (× 1000).
pub fn normalize_timestamp_us(raw: i64) -> i64 {
    if raw < MILLISECOND_CUTOFF { raw.saturating_mul(1000) } else { raw }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_become_microseconds() {
        assert_eq!(normalize_timestamp_us(1_767_225_600_039), 1_767_225_600_039_000);
        assert_eq!(normalize_timestamp_us(9_999_999_999_999), 9_999_999_999_999_000);
        assert_eq!(normalize_timestamp_us(10_000_000_000_000), 10_000_000_000_000);
        assert_eq!(normalize_timestamp_us(1_767_225_600_039_409), 1_767_225_600_039_409);
    }
}
