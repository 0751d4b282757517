//! The reference record parser: plain, slow, and the definition of what a valid record is.
//!
//! It splits the line on `,`, parses decimals with [`FixedPoint::parse`] and integers with `str::parse`,
//! and checks fields left to right, so the first bad field is the one reported. The fast parser in
//! [`record`](crate::record) hands every line it does not accept to this one, and tests and the `record`
//! fuzz target check that both give the same trade whenever the fast one accepts.

use std::ops::Range;

use barsmith_core::{FixedPoint, ParseFixedPointError, Trade, normalize_timestamp_us};

use crate::error::ErrorKind;
use crate::layout::{Column, Layout};

/// First accepted timestamp: 2009-01-01T00:00:00Z in microseconds.
pub const MIN_TIMESTAMP_US: i64 = 1_230_768_000_000_000;

/// First rejected timestamp: 2100-01-01T00:00:00Z in microseconds.
pub const END_TIMESTAMP_US: i64 = 4_102_444_800_000_000;

/// Why one record does not parse: the kind, the field (index into the layout) and the offending bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    /// What is wrong.
    pub kind: ErrorKind,
    /// The index of the offending field in the layout, when one field is to blame.
    pub field: Option<usize>,
    /// The offending bytes within the line.
    pub span: Range<usize>,
}

/// Parses one record (a line without its terminator) of the given layout.
pub fn parse_record(line: &[u8], layout: &Layout) -> Result<Trade, Box<RecordError>> {
    let mut spans = Vec::with_capacity(layout.len());
    let mut start = 0;
    for (index, &byte) in line.iter().enumerate() {
        if byte == b',' {
            spans.push(start..index);
            start = index + 1;
        }
    }
    spans.push(start..line.len());
    if spans.len() != layout.len() {
        // Blame the first missing column, or the first extra field.
        let field = (spans.len() < layout.len()).then_some(spans.len());
        return Err(Box::new(RecordError {
            kind: ErrorKind::FieldCount { expected: layout.len(), found: spans.len() },
            field,
            span: 0..line.len(),
        }));
    }
    let mut trade = Trade {
        agg_trade_id: 0,
        price: FixedPoint::ZERO,
        quantity: FixedPoint::ZERO,
        first_trade_id: 0,
        last_trade_id: 0,
        timestamp_us: 0,
        is_buyer_maker: false,
    };
    for (index, (&column, span)) in layout.columns().iter().zip(&spans).enumerate() {
        let text = &line[span.clone()];
        let fail = |kind| Box::new(RecordError { kind, field: Some(index), span: span.clone() });
        parse_field(column, text, &mut trade).map_err(fail)?;
    }
    if trade.last_trade_id < trade.first_trade_id {
        let index = layout.columns().iter().position(|&c| c == Column::LastTradeId).expect("layout has every column");
        return Err(Box::new(RecordError {
            kind: ErrorKind::TradeIdsReversed {
                first_trade_id: trade.first_trade_id,
                last_trade_id: trade.last_trade_id,
            },
            field: Some(index),
            span: spans[index].clone(),
        }));
    }
    Ok(trade)
}

/// Parses one field into its place in `trade`.
fn parse_field(column: Column, text: &[u8], trade: &mut Trade) -> Result<(), ErrorKind> {
    if std::str::from_utf8(text).is_err() {
        return Err(ErrorKind::InvalidUtf8);
    }
    if text.is_empty() {
        return Err(ErrorKind::EmptyField);
    }
    match column {
        Column::AggTradeId => trade.agg_trade_id = parse_integer(text)?,
        Column::FirstTradeId => trade.first_trade_id = parse_integer(text)?,
        Column::LastTradeId => trade.last_trade_id = parse_integer(text)?,
        Column::Price => {
            trade.price = parse_decimal(text, ErrorKind::NonPositivePrice)?;
            if trade.price.0 == 0 {
                return Err(ErrorKind::NonPositivePrice);
            }
        }
        Column::Quantity => trade.quantity = parse_decimal(text, ErrorKind::NegativeQuantity)?,
        Column::TransactTime => {
            let timestamp_us = normalize_timestamp_us(parse_integer(text)?);
            if !(MIN_TIMESTAMP_US..END_TIMESTAMP_US).contains(&timestamp_us) {
                return Err(ErrorKind::TimestampOutOfRange { timestamp_us });
            }
            trade.timestamp_us = timestamp_us;
        }
        Column::IsBuyerMaker => trade.is_buyer_maker = parse_boolean(text)?,
        Column::IsBestMatch => {
            parse_boolean(text)?;
        }
    }
    Ok(())
}

/// An unsigned integer (ASCII digits only) that fits an `i64`.
fn parse_integer(text: &[u8]) -> Result<i64, ErrorKind> {
    if !text.iter().all(u8::is_ascii_digit) {
        return Err(ErrorKind::InvalidNumber);
    }
    let text = std::str::from_utf8(text).map_err(|_| ErrorKind::InvalidNumber)?;
    text.parse::<i64>().map_err(|_| ErrorKind::NumberTooLarge)
}

/// An unsigned decimal; a leading `-` in front of an otherwise valid decimal gives `negative`.
fn parse_decimal(text: &[u8], negative: ErrorKind) -> Result<FixedPoint, ErrorKind> {
    if let Some(magnitude) = text.strip_prefix(b"-")
        && FixedPoint::parse(magnitude).is_ok()
    {
        return Err(negative);
    }
    FixedPoint::parse(text).map_err(|error| match error {
        ParseFixedPointError::TooManyDecimals => ErrorKind::TooManyDecimals,
        ParseFixedPointError::Overflow => ErrorKind::NumberTooLarge,
        ParseFixedPointError::Empty => ErrorKind::EmptyField,
        _ => ErrorKind::InvalidNumber,
    })
}

/// `True`, `true`, `False` or `false`.
fn parse_boolean(text: &[u8]) -> Result<bool, ErrorKind> {
    match text {
        b"True" | b"true" => Ok(true),
        b"False" | b"false" => Ok(false),
        _ => Err(ErrorKind::InvalidBoolean),
    }
}
