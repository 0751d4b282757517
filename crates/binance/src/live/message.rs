//! The two parsers of the live path: an aggTrade WebSocket message (raw or wrapped by a combined stream) and a
//! REST `aggTrades` page. Prices and quantities go straight from their decimal text to fixed point
//! ([`FixedPoint::parse`], the exact parser of the batch path); timestamps are normalised as the batch path
//! does ([`normalize_timestamp_us`]: spot µs stay µs, futures ms become µs). A missing key is an error, never 0.

use barsmith_core::{FixedPoint, Trade, normalize_timestamp_us};
use serde::Deserialize;

/// One WebSocket message, as far as the live path cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// An aggTrade of `symbol` (as the message spells it, upper case on Binance).
    Trade {
        /// The `s` field.
        symbol: &'a str,
        /// The trade, timestamp in µs.
        trade: Trade,
    },
    /// A `serverShutdown` event: the server will close this connection soon.
    ServerShutdown,
    /// Anything else (subscription answers, other events): ignored.
    Other,
}

/// A message or page that could not be read: why, and the start of the offending text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong.
    pub reason: String,
    /// The first bytes of the text (at most 200), lossily decoded.
    pub excerpt: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} in {:?}", self.reason, self.excerpt)
    }
}

impl std::error::Error for ParseError {}

fn error(bytes: &[u8], reason: impl Into<String>) -> ParseError {
    let end = bytes.len().min(200);
    ParseError { reason: reason.into(), excerpt: String::from_utf8_lossy(&bytes[..end]).into_owned() }
}

/// The fields of an aggTrade (both the stream payload and a REST row), every one optional so that a missing
/// key is named in the error rather than read as 0.
#[derive(Default, Deserialize)]
pub(super) struct Fields<'a> {
    #[serde(rename = "e", borrow, default)]
    pub(super) event: Option<&'a str>,
    #[serde(rename = "s", borrow, default)]
    pub(super) symbol: Option<&'a str>,
    #[serde(default)]
    pub(super) a: Option<i64>,
    #[serde(borrow, default)]
    pub(super) p: Option<&'a str>,
    #[serde(borrow, default)]
    pub(super) q: Option<&'a str>,
    #[serde(default)]
    pub(super) f: Option<i64>,
    #[serde(default)]
    pub(super) l: Option<i64>,
    #[serde(rename = "T", default)]
    pub(super) time: Option<i64>,
    #[serde(default)]
    pub(super) m: Option<bool>,
    /// A combined stream's payload.
    #[serde(borrow, default)]
    data: Option<Box<Fields<'a>>>,
    /// Some Binance events arrive wrapped as `{"event": {...}}`.
    #[serde(rename = "event", borrow, default)]
    wrapped_event: Option<Box<Fields<'a>>>,
}

impl Fields<'_> {
    /// The trade these fields describe; an error names the first missing or invalid key.
    fn trade(&self) -> Result<Trade, String> {
        fn need<T: Copy>(value: Option<T>, key: &str) -> Result<T, String> {
            value.ok_or_else(|| format!("the aggTrade has no \"{key}\" field"))
        }
        let decimal = |text: Option<&str>, key: &str| -> Result<FixedPoint, String> {
            let text = need(text, key)?;
            FixedPoint::parse(text.as_bytes()).map_err(|e| format!("\"{key}\": {text:?} is not a decimal ({e})"))
        };
        let trade = Trade {
            agg_trade_id: need(self.a, "a")?,
            price: decimal(self.p, "p")?,
            quantity: decimal(self.q, "q")?,
            first_trade_id: need(self.f, "f")?,
            last_trade_id: need(self.l, "l")?,
            timestamp_us: normalize_timestamp_us(need(self.time, "T")?),
            is_buyer_maker: need(self.m, "m")?,
        };
        if trade.price.0 <= 0 {
            return Err("\"p\": the price is not positive".into());
        }
        if trade.last_trade_id < trade.first_trade_id {
            return Err("\"l\" is below \"f\"".into());
        }
        if trade.agg_trade_id < 0 {
            return Err("\"a\" is negative".into());
        }
        Ok(trade)
    }
}

/// Reads one WebSocket message: an aggTrade (raw `{"e":"aggTrade",…}` or combined `{"stream":…,"data":{…}}`),
/// a `serverShutdown` event, or something else. An aggTrade with a missing or invalid field is an error.
///
/// The text is read by a hand-written scanner of the shapes Binance sends, and by serde_json when the scanner
/// gives up (anything unusual): the answer is [`parse_message_reference`]'s for every input.
pub fn parse_message(bytes: &[u8]) -> Result<Message<'_>, ParseError> {
    match super::scan::message(bytes) {
        Some(fields) => interpret(bytes, &fields),
        None => parse_message_reference(bytes),
    }
}

/// [`parse_message`] by serde_json alone: the reference the scanner is checked against (fuzz target
/// `live_message`) and measured beside (bench `live_parse`).
pub fn parse_message_reference(bytes: &[u8]) -> Result<Message<'_>, ParseError> {
    let fields: Fields<'_> =
        serde_json::from_slice(bytes).map_err(|e| error(bytes, format!("not a JSON object ({e})")))?;
    let fields = match (&fields.data, &fields.wrapped_event) {
        (Some(data), _) => data,
        (None, Some(event)) => event,
        (None, None) => &fields,
    };
    interpret(bytes, fields)
}

fn interpret<'a>(bytes: &[u8], fields: &Fields<'a>) -> Result<Message<'a>, ParseError> {
    match fields.event {
        Some("aggTrade") => {
            let trade = fields.trade().map_err(|reason| error(bytes, reason))?;
            let symbol = fields.symbol.ok_or_else(|| error(bytes, "the aggTrade has no \"s\" field"))?;
            Ok(Message::Trade { symbol, trade })
        }
        Some("serverShutdown") => Ok(Message::ServerShutdown),
        _ => Ok(Message::Other),
    }
}

/// Reads a REST `aggTrades` page (a JSON array of `{"a","p","q","f","l","T","m"}` rows) into trades, in the
/// page's order. Any missing or invalid field is an error naming the row. Read as [`parse_message`] is: the
/// scanner, else serde_json ([`parse_rest_page_reference`]).
pub fn parse_rest_page(bytes: &[u8]) -> Result<Vec<Trade>, ParseError> {
    match super::scan::page(bytes) {
        Some(rows) => trades(bytes, &rows),
        None => parse_rest_page_reference(bytes),
    }
}

/// [`parse_rest_page`] by serde_json alone (the reference of fuzz target `live_rest_page`).
pub fn parse_rest_page_reference(bytes: &[u8]) -> Result<Vec<Trade>, ParseError> {
    let rows: Vec<Fields<'_>> =
        serde_json::from_slice(bytes).map_err(|e| error(bytes, format!("not a JSON array of aggTrades ({e})")))?;
    trades(bytes, &rows)
}

fn trades(bytes: &[u8], rows: &[Fields<'_>]) -> Result<Vec<Trade>, ParseError> {
    rows.iter()
        .enumerate()
        .map(|(index, row)| row.trade().map_err(|reason| error(bytes, format!("row {index}: {reason}"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPOT: &str = r#"{"e":"aggTrade","E":1767225600123,"s":"BTCUSDT","a":5723703861,"p":"87648.21000000","q":"0.00100000","f":100,"l":102,"T":1767225600123456,"m":true,"M":true}"#;

    #[test]
    fn a_spot_message_in_microseconds_reads_exactly() {
        let Message::Trade { symbol, trade } = parse_message(SPOT.as_bytes()).unwrap() else { panic!() };
        assert_eq!(symbol, "BTCUSDT");
        assert_eq!(trade.agg_trade_id, 5723703861);
        assert_eq!(trade.price, FixedPoint(8_764_821_000_000));
        assert_eq!(trade.quantity, FixedPoint(100_000));
        assert_eq!((trade.first_trade_id, trade.last_trade_id), (100, 102));
        assert_eq!(trade.timestamp_us, 1767225600123456);
        assert!(trade.is_buyer_maker);
    }

    #[test]
    fn a_combined_futures_message_in_milliseconds_becomes_microseconds() {
        let text = r#"{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":7,"p":"1.5","q":"2","f":1,"l":1,"T":1767225600123,"m":false,"extra":[1,2]}}"#;
        let Message::Trade { trade, .. } = parse_message(text.as_bytes()).unwrap() else { panic!() };
        assert_eq!(trade.timestamp_us, 1767225600123000);
        assert_eq!(trade.price, FixedPoint(150_000_000));
    }

    #[test]
    fn a_missing_key_is_an_error_naming_it_not_a_zero() {
        let text = SPOT.replace(r#""a":5723703861,"#, "");
        let e = parse_message(text.as_bytes()).unwrap_err();
        assert!(e.reason.contains("\"a\""), "{e}");
        let text = SPOT.replace(r#""p":"87648.21000000""#, r#""p":"8e4""#);
        assert!(parse_message(text.as_bytes()).unwrap_err().reason.contains("not a decimal"));
    }

    #[test]
    fn events_and_answers() {
        assert_eq!(parse_message(br#"{"e":"serverShutdown","E":1}"#).unwrap(), Message::ServerShutdown);
        assert_eq!(parse_message(br#"{"event":{"e":"serverShutdown","E":1}}"#).unwrap(), Message::ServerShutdown);
        assert_eq!(parse_message(br#"{"result":null,"id":1}"#).unwrap(), Message::Other);
        assert!(parse_message(b"[1,2").is_err());
    }

    #[test]
    fn a_rest_page_reads_in_order_and_names_a_bad_row() {
        let page = br#"[{"a":1,"p":"10.0","q":"1","f":1,"l":1,"T":1767225600000000,"m":true,"M":true},{"a":2,"p":"10.5","q":"0.5","f":2,"l":3,"T":1767225600000001,"m":false,"M":true}]"#;
        let trades = parse_rest_page(page).unwrap();
        assert_eq!(trades.iter().map(|t| t.agg_trade_id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(parse_rest_page(b"[]").unwrap(), []);
        let bad = br#"[{"a":1,"p":"10.0","q":"1","f":1,"l":1,"T":1,"m":true},{"a":2,"p":"10.5","q":"0.5","f":2,"l":3,"m":false}]"#;
        let e = parse_rest_page(bad).unwrap_err();
        assert!(e.reason.contains("row 1") && e.reason.contains("\"T\""), "{e}");
    }

    #[test]
    fn the_scanner_and_serde_json_agree_on_unusual_texts() {
        let trade = |body: &str| format!(r#"{{"stream":"btcusdt@aggTrade","data":{{{body}}}}}"#);
        let good =
            r#""e":"aggTrade","E":1,"s":"BTCUSDT","a":7,"p":"1.5","q":"2","f":1,"l":1,"T":1767225600123,"m":false"#;
        let texts = [
            trade(good),
            format!(" \n{} \t", trade(good)),
            trade(&format!("{good},\"x\":[1]")),
            trade(&format!("{good},\"x\":{{}}")),
            trade(&format!("{good},\"x\":-0.5e+3,\"y\":null,\"z\":true")),
            trade(&format!("{good},\"x\":01")),
            trade(&format!("{good},\"x\":1.")),
            trade(&good.replace(r#""a":7"#, r#""a":7.0"#)),
            trade(&good.replace(r#""a":7"#, r#""a":-0"#)),
            trade(&good.replace(r#""a":7"#, r#""a":9223372036854775808"#)),
            trade(&good.replace(r#""a":7"#, r#""a":07"#)),
            trade(&good.replace(r#""a":7"#, r#""a":7,"a":8"#)),
            trade(&good.replace(r#""s":"BTCUSDT""#, r#""s":"BTC\u0055SDT""#)),
            trade(&good.replace(r#""s":"BTCUSDT""#, "\"s\":\"BTC\u{e9}\"")),
            trade(&good.replace(r#""m":false"#, r#""m":falsey"#)),
            trade(&good.replace(r#""m":false"#, r#""m":null"#)),
            format!("{}x", trade(good)),
            r#"{"data":{"e":"aggTrade"},"data":{}}"#.to_string(),
            r#"{"event":{"e":"serverShutdown"}}"#.to_string(),
            r#"["aggTrade"]"#.to_string(),
            "{}".to_string(),
            "{".to_string(),
        ];
        for text in &texts {
            let bytes = text.as_bytes();
            assert_eq!(parse_message(bytes), parse_message_reference(bytes), "{text}");
            let page = format!("[{text}]");
            assert_eq!(parse_rest_page(page.as_bytes()), parse_rest_page_reference(page.as_bytes()), "{page}");
        }
        let row = r#"{"a":1,"p":"10.0","q":"1","f":1,"l":1,"T":1767225600000000,"m":true,"M":true}"#;
        for page in ["[]", " [ ] ", &format!("[{row},{row}]"), &format!("[{row},]"), &format!("[{row}"), "[1]"] {
            assert_eq!(parse_rest_page(page.as_bytes()), parse_rest_page_reference(page.as_bytes()), "{page}");
        }
    }
}
