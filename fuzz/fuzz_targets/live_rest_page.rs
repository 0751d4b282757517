//! The live REST aggTrades page parser: never panics, and every row it accepts is a valid trade.
#![no_main]

use barsmith_binance::live::message::parse_rest_page;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(trades) = parse_rest_page(data) {
        for trade in trades {
            assert!(trade.price.0 > 0 && trade.last_trade_id >= trade.first_trade_id && trade.agg_trade_id >= 0);
        }
    }
});
