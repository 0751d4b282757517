//! The column layout of a file: which field holds what, found from the header or the field count.

use crate::error::ErrorKind;

/// One aggTrades column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// `agg_trade_id` (`a`).
    AggTradeId,
    /// `price` (`p`).
    Price,
    /// `quantity` (`q`).
    Quantity,
    /// `first_trade_id` (`f`).
    FirstTradeId,
    /// `last_trade_id` (`l`).
    LastTradeId,
    /// `transact_time` (`timestamp`, `T`).
    TransactTime,
    /// `is_buyer_maker` (`buyer_is_market_maker`, `m`).
    IsBuyerMaker,
    /// `is_best_match` (`best_price_match`, `M`): spot files only; checked, not kept.
    IsBestMatch,
}

impl Column {
    /// The canonical header name.
    pub fn name(self) -> &'static str {
        match self {
            Column::AggTradeId => "agg_trade_id",
            Column::Price => "price",
            Column::Quantity => "quantity",
            Column::FirstTradeId => "first_trade_id",
            Column::LastTradeId => "last_trade_id",
            Column::TransactTime => "transact_time",
            Column::IsBuyerMaker => "is_buyer_maker",
            Column::IsBestMatch => "is_best_match",
        }
    }

    /// The column a header name stands for (exact, case-sensitive: `T` and `m` differ from `t` and `M`).
    pub fn from_header_name(name: &str) -> Option<Column> {
        Some(match name {
            "agg_trade_id" | "a" => Column::AggTradeId,
            "price" | "p" => Column::Price,
            "quantity" | "q" => Column::Quantity,
            "first_trade_id" | "f" => Column::FirstTradeId,
            "last_trade_id" | "l" => Column::LastTradeId,
            "transact_time" | "timestamp" | "T" => Column::TransactTime,
            "is_buyer_maker" | "buyer_is_market_maker" | "m" => Column::IsBuyerMaker,
            "is_best_match" | "best_price_match" | "M" => Column::IsBestMatch,
            _ => return None,
        })
    }
}

impl Column {
    /// The columns a trade is made of, in `TradeBatch` order (also the USD-M futures file order).
    pub const TRADE: [Column; 7] = [
        Column::AggTradeId,
        Column::Price,
        Column::Quantity,
        Column::FirstTradeId,
        Column::LastTradeId,
        Column::TransactTime,
        Column::IsBuyerMaker,
    ];
}

/// USD-M futures order (7 columns).
const FUTURES_COLUMNS: [Column; 7] = Column::TRADE;

/// Spot order (8 columns): the trade's columns, then `is_best_match`.
const SPOT_COLUMNS: [Column; 8] = {
    let mut columns = [Column::IsBestMatch; 8];
    let mut i = 0;
    while i < Column::TRADE.len() {
        columns[i] = Column::TRADE[i];
        i += 1;
    }
    columns
};

/// A layout in one of Binance's two column orders, which the record parser reads straight-line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Standard {
    Spot,
    Futures,
}

/// The columns of a file, in file order, with the names to use in messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    columns: Vec<Column>,
    standard: Option<Standard>,
    names: Vec<String>,
    has_header: bool,
}

impl Layout {
    /// The standard headerless layout for `field_count` fields: 7 (USD-M futures) or 8 (spot).
    pub fn headerless(field_count: usize) -> Option<Layout> {
        let columns: &[Column] = match field_count {
            7 => &FUTURES_COLUMNS,
            8 => &SPOT_COLUMNS,
            _ => return None,
        };
        Some(Layout {
            columns: columns.to_vec(),
            standard: Layout::find_standard(columns),
            names: columns.iter().map(|c| c.name().to_owned()).collect(),
            has_header: false,
        })
    }

    /// The layout named by a header line (without its line terminator).
    ///
    /// Every name must be known, none repeated, and the seven trade columns present.
    pub fn from_header(line: &[u8]) -> Result<Layout, ErrorKind> {
        let text = std::str::from_utf8(line).map_err(|_| ErrorKind::InvalidUtf8)?;
        let mut columns = Vec::new();
        let mut names = Vec::new();
        for name in text.split(',') {
            let column = Column::from_header_name(name)
                .ok_or_else(|| ErrorKind::Header { problem: format!("unknown column name {name:?}") })?;
            if columns.contains(&column) {
                return Err(ErrorKind::Header { problem: format!("column {name:?} repeats `{}`", column.name()) });
            }
            columns.push(column);
            names.push(name.to_owned());
        }
        if let Some(missing) = FUTURES_COLUMNS.iter().find(|c| !columns.contains(c)) {
            return Err(ErrorKind::Header { problem: format!("no `{}` column", missing.name()) });
        }
        Ok(Layout { standard: Layout::find_standard(&columns), columns, names, has_header: true })
    }

    /// Detects the layout from the first line of a file: a header when it starts with anything but a digit,
    /// otherwise the headerless layout for its field count.
    pub fn detect(first_line: &[u8]) -> Result<Layout, ErrorKind> {
        match first_line.first() {
            Some(byte) if byte.is_ascii_digit() => {
                let found = first_line.split(|&b| b == b',').count();
                Layout::headerless(found)
                    .ok_or(ErrorKind::FieldCount { expected: if found > 8 { 8 } else { 7 }, found })
            }
            _ => Layout::from_header(first_line),
        }
    }

    /// Which Binance column order this is, if any.
    #[inline(always)]
    pub(crate) fn standard(&self) -> Option<Standard> {
        self.standard
    }

    fn find_standard(columns: &[Column]) -> Option<Standard> {
        if columns == SPOT_COLUMNS {
            Some(Standard::Spot)
        } else if columns == FUTURES_COLUMNS {
            Some(Standard::Futures)
        } else {
            None
        }
    }

    /// The columns in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The name of the field at `index` (the header's spelling when there is a header).
    pub fn name(&self, index: usize) -> &str {
        &self.names[index]
    }

    /// Number of fields per record.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// `true` for a layout without columns (never produced by the constructors).
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// `true` when the layout came from a header line.
    pub fn has_header(&self) -> bool {
        self.has_header
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_headerless_by_field_count() {
        let spot = Layout::detect(b"1,2.0,3.0,4,5,1767225600039409,True,True").unwrap();
        assert_eq!(spot.columns(), &SPOT_COLUMNS);
        assert!(!spot.has_header());
        let futures = Layout::detect(b"1,2.0,3.0,4,5,1767225600039,true").unwrap();
        assert_eq!(futures.columns(), &FUTURES_COLUMNS);
        assert_eq!(Layout::detect(b"1,2,3"), Err(ErrorKind::FieldCount { expected: 7, found: 3 }));
    }

    #[test]
    fn header_names_and_alternatives() {
        let long =
            Layout::detect(b"agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker");
        assert_eq!(long.unwrap().columns(), &FUTURES_COLUMNS);
        let short = Layout::detect(b"a,p,q,f,l,T,m").unwrap();
        assert_eq!(short.columns(), &FUTURES_COLUMNS);
        assert_eq!(short.name(5), "T");
        let alternative = Layout::detect(
            b"agg_trade_id,price,quantity,first_trade_id,last_trade_id,timestamp,buyer_is_market_maker,best_price_match",
        )
        .unwrap();
        assert_eq!(alternative.columns(), &SPOT_COLUMNS);
        let reordered = Layout::detect(b"T,a,p,q,f,l,m").unwrap();
        assert_eq!(reordered.columns()[0], Column::TransactTime);
    }

    #[test]
    fn bad_headers() {
        assert!(matches!(Layout::detect(b"a,p,q,f,l,T,x"), Err(ErrorKind::Header { .. })));
        assert!(matches!(Layout::detect(b"a,p,q,f,l,T,m,a"), Err(ErrorKind::Header { .. })));
        assert!(matches!(Layout::detect(b"a,p,q,f,l,T"), Err(ErrorKind::Header { .. })));
        assert!(matches!(Layout::detect(b"a,p,q,f,l,t,m"), Err(ErrorKind::Header { .. })));
        assert_eq!(Layout::detect(b"a,\xff"), Err(ErrorKind::InvalidUtf8));
    }
}
