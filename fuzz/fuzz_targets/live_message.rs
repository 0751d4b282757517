//! The live WebSocket message parser: never panics; its hand-written scanner and serde_json give the same answer
//! (value or error) for every input; and a trade it accepts is valid (positive price, trade ids in order) and
//! exact (its price and quantity print back to a decimal that parses the same).
#![no_main]

use barsmith_binance::live::message::{Message, parse_message, parse_message_reference};
use barsmith_core::{FixedPoint, SCALE, format_scaled_i128};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = parse_message(data);
    assert_eq!(parsed, parse_message_reference(data));
    if let Ok(Message::Trade { trade, .. }) = parsed {
        assert!(trade.price.0 > 0 && trade.last_trade_id >= trade.first_trade_id && trade.agg_trade_id >= 0);
        for value in [trade.price, trade.quantity] {
            let text = format_scaled_i128(value.0.into(), SCALE.into(), 8);
            assert_eq!(FixedPoint::parse(text.as_bytes()), Ok(value));
        }
    }
});
