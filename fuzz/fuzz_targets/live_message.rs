//! The live WebSocket message parser: never panics, and a trade it accepts is valid (positive price, trade ids
//! in order, a µs timestamp) and exact (its price and quantity print back to a decimal that parses the same).
#![no_main]

use barsmith_binance::live::message::{Message, parse_message};
use barsmith_core::{FixedPoint, SCALE, format_scaled_i128};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Message::Trade { trade, .. }) = parse_message(data) {
        assert!(trade.price.0 > 0 && trade.last_trade_id >= trade.first_trade_id && trade.agg_trade_id >= 0);
        for value in [trade.price, trade.quantity] {
            let text = format_scaled_i128(value.0.into(), SCALE.into(), 8);
            assert_eq!(FixedPoint::parse(text.as_bytes()), Ok(value));
        }
    }
});
