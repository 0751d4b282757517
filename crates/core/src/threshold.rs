//! The range-bar threshold in decimal basis points: the distance from a bar's open to each of its two levels.

use crate::error::{Error, ErrorKind};

/// Denominator of a decimal basis point: 1 dbps = 1 / 100 000.
const DBPS_PER_UNIT: i128 = 100_000;

/// A range-bar threshold in decimal basis points (1 dbps = 10^-5; 250 dbps = 0.25 %).
///
/// Valid values are `1..=100_000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Threshold(u32);

impl Threshold {
    /// Smallest valid threshold.
    pub const MIN_DBPS: u32 = 1;
    /// Largest valid threshold (100 %).
    pub const MAX_DBPS: u32 = 100_000;

    /// A threshold of `dbps` decimal basis points, or an error outside `1..=100_000`.
    pub fn from_dbps(dbps: u32) -> Result<Threshold, Error> {
        if (Self::MIN_DBPS..=Self::MAX_DBPS).contains(&dbps) {
            Ok(Threshold(dbps))
        } else {
            Err(Error::new(ErrorKind::InvalidThreshold { dbps }))
        }
    }

    /// The threshold in decimal basis points.
    pub fn dbps(self) -> u32 {
        self.0
    }

    /// The distance from the open to each level of a bar opened at raw price `open`: `open * dbps / 100 000`,
    /// truncated toward zero (high − low can reach twice it).
    pub fn delta(self, open: i64) -> i64 {
        // |open| * 100_000 / 100_000 <= |open|, so the quotient always fits i64.
        ((i128::from(open) * i128::from(self.0)) / DBPS_PER_UNIT) as i64
    }

    /// `(upper, lower)` breach levels for a bar opened at raw price `open`.
    pub fn levels(self, open: i64) -> (i64, i64) {
        let delta = self.delta(open);
        (open.saturating_add(delta), open.saturating_sub(delta))
    }
}

impl TryFrom<u32> for Threshold {
    type Error = Error;
    fn try_from(dbps: u32) -> Result<Self, Error> {
        Threshold::from_dbps(dbps)
    }
}

impl From<Threshold> for u32 {
    fn from(t: Threshold) -> u32 {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_range() {
        assert!(Threshold::from_dbps(0).is_err());
        assert!(Threshold::from_dbps(1).is_ok());
        assert!(Threshold::from_dbps(100_000).is_ok());
        assert!(Threshold::from_dbps(100_001).is_err());
    }

    #[test]
    fn delta_truncates_toward_zero() {
        let t = Threshold::from_dbps(250).unwrap();
        // 87648.21 * 0.0025 = 219.120525 -> raw 21912052500 exactly
        assert_eq!(t.delta(8_764_821_000_000), 21_912_052_500);
        // 0.00000003 * 250 / 100000 truncates to 0.
        assert_eq!(t.delta(3), 0);
        assert_eq!(Threshold::from_dbps(3).unwrap().delta(99_999), 2);
        assert_eq!(Threshold::from_dbps(100_000).unwrap().levels(7), (14, 0));
    }
}
