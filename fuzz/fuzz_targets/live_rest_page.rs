//! The live REST aggTrades page parser: never panics; its hand-written scanner and serde_json give the same
//! answer (rows or error) for every input; and every row it accepts is a valid trade.
#![no_main]

use barsmith_binance::live::message::{parse_rest_page, parse_rest_page_reference};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = parse_rest_page(data);
    assert_eq!(parsed, parse_rest_page_reference(data));
    if let Ok(trades) = parsed {
        for trade in trades {
            assert!(trade.price.0 > 0 && trade.last_trade_id >= trade.first_trade_id && trade.agg_trade_id >= 0);
        }
    }
});
