//! The worst relative difference of a comparison against an oracle: each value within the oracle tolerance
//! (1e-9), and the worst one printed and held below 1e-11 as a regression guard.

/// The worst relative difference seen so far, with what it was.
#[derive(Debug)]
pub struct Worst {
    label: String,
    relative: f64,
    what: String,
}

impl Worst {
    /// Nothing seen yet, for the comparison named `label`.
    pub fn new(label: &str) -> Worst {
        Worst { label: label.to_owned(), relative: 0.0, what: String::new() }
    }

    /// Asserts that `relative` is within the oracle tolerance (1e-9) and keeps it if it is the worst so far.
    #[track_caller]
    pub fn record(&mut self, relative: f64, what: String) {
        assert!(relative <= 1e-9, "{}: {what}", self.label);
        if relative > self.relative {
            (self.relative, self.what) = (relative, what);
        }
    }

    /// Prints the worst case, asserts the regression guard (1e-11) and returns the worst difference.
    #[track_caller]
    pub fn finish(self) -> f64 {
        eprintln!("{}: worst relative difference {:.2e} ({})", self.label, self.relative, self.what);
        assert!(self.relative <= 1e-11, "{}: regression: {}", self.label, self.what);
        self.relative
    }
}
