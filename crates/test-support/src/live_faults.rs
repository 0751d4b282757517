//! Fault schedules for the stand-in Binance (cargo feature `live-server`), written once for the live tests of
//! the source (`crates/binance/tests/live.rs`) and of the CLI (`crates/cli/tests/live.rs`).

use std::time::Duration;

use crate::live_server::Fault;

/// Every kind of stream fault once (a swap twice, early and late), spread over the first `trades` trades of a
/// script in the order a run meets them: a duplicate, a swap, a dropped connection, a hole only REST can fill,
/// a stall, a rate-limited REST request (`Retry-After: retry_after_s`), a server shutdown, a swap. An exchange
/// gap and 503s from REST are left out: a gap changes what "every trade once" means, and a 503 is a rate limit's
/// wait without its header.
pub fn every_fault(trades: usize, retry_after_s: u64) -> Vec<Fault> {
    let at = |fortieths: usize| trades * fortieths / 40;
    let faults = vec![
        Fault::Duplicate { at: at(2) },
        Fault::Swap { at: at(5) },
        Fault::Drop { after: at(8) },
        Fault::Hole { from: at(12), len: (trades / 100).max(1) },
        Fault::Stall { after: at(18) },
        Fault::RateLimit { requests: 1, retry_after_s },
        Fault::ServerShutdown { after: at(26), close_after: Duration::from_millis(50) },
        Fault::Swap { at: at(34) },
    ];
    for fault in &faults {
        // A new kind of fault must be added above or said to be left out: this match has no catch-all.
        match fault {
            Fault::Drop { .. }
            | Fault::Stall { .. }
            | Fault::Duplicate { .. }
            | Fault::Swap { .. }
            | Fault::Hole { .. }
            | Fault::RateLimit { .. }
            | Fault::ServerShutdown { .. } => {}
            Fault::ServerError { .. } | Fault::ExchangeGap { .. } => unreachable!("left out on purpose"),
        }
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_falls_inside_the_script_in_order() {
        let faults = every_fault(2_000, 0);
        let positions: Vec<usize> = faults
            .iter()
            .filter_map(|f| match *f {
                Fault::Duplicate { at } | Fault::Swap { at } => Some(at),
                Fault::Drop { after } | Fault::Stall { after } | Fault::ServerShutdown { after, .. } => Some(after),
                Fault::Hole { from, .. } => Some(from),
                _ => None,
            })
            .collect();
        assert_eq!(positions, [100, 250, 400, 600, 900, 1_300, 1_700]);
    }
}
