//! A hand-written scanner for the shapes Binance sends (an aggTrade message, a REST page of aggTrade rows): flat
//! objects of ASCII strings without escapes, integers, booleans, and at most a combined stream's `data` object.
//! It reads exactly the [`Fields`] that serde_json reads from the same text, or gives up (`None`) on anything
//! else — an escape, a non-ASCII or control byte in a string, a fraction or exponent where an integer is
//! expected, an array or object where a scalar is, a repeated key, an integer beyond `i64`, trailing text —
//! and the caller then reads the text with serde_json, whose answer (value or error) stands. The fuzz target
//! `live_message` checks that both readings agree on every input.

use super::message::Fields;

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// The fields of a message: the combined stream's `data` object when there is one, else the object itself.
pub(super) fn message(bytes: &[u8]) -> Option<Fields<'_>> {
    let mut cursor = Cursor { bytes, at: 0 };
    let (outer, data) = cursor.object(true)?;
    cursor.end()?;
    Some(data.unwrap_or(outer))
}

/// The rows of a REST page.
pub(super) fn page(bytes: &[u8]) -> Option<Vec<Fields<'_>>> {
    let mut cursor = Cursor { bytes, at: 0 };
    cursor.eat(b'[')?;
    let mut rows = Vec::with_capacity(bytes.len() / 96 + 1);
    if cursor.peek()? == b']' {
        cursor.at += 1;
    } else {
        loop {
            rows.push(cursor.object(false)?.0);
            match cursor.next()? {
                b',' => continue,
                b']' => break,
                _ => return None,
            }
        }
    }
    cursor.end()?;
    Some(rows)
}

impl<'a> Cursor<'a> {
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    fn end(&mut self) -> Option<()> {
        self.space();
        (self.at == self.bytes.len()).then_some(())
    }

    /// A string of printable ASCII without escapes.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let length = self.bytes[start..].iter().position(|&b| b == b'"')?;
        let text = &self.bytes[start..start + length];
        if text.iter().any(|&b| !(0x20..0x7f).contains(&b) || b == b'\\') {
            return None;
        }
        self.at = start + length + 1;
        std::str::from_utf8(text).ok()
    }

    /// An integer as JSON writes it (no leading zeros, no fraction or exponent, not `-0`) that fits `i64`.
    fn integer(&mut self) -> Option<i64> {
        self.space();
        let negative = self.bytes.get(self.at) == Some(&b'-');
        self.at += usize::from(negative);
        let start = self.at;
        let mut value: i64 = 0;
        while let Some(&digit) = self.bytes.get(self.at).filter(|b| b.is_ascii_digit()) {
            value = value.checked_mul(10)?.checked_add(i64::from(digit - b'0'))?;
            self.at += 1;
        }
        let digits = self.at - start;
        if digits == 0 || (digits > 1 && self.bytes[start] == b'0') {
            return None;
        }
        // serde_json reads `-0` as a float.
        if matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E')) || (negative && value == 0) {
            return None;
        }
        Some(if negative { -value } else { value })
    }

    fn literal(&mut self, text: &[u8]) -> bool {
        self.space();
        let found = self.bytes[self.at..].starts_with(text);
        if found {
            self.at += text.len();
        }
        found
    }

    fn boolean(&mut self) -> Option<bool> {
        if self.literal(b"true") {
            Some(true)
        } else if self.literal(b"false") {
            Some(false)
        } else {
            None
        }
    }

    /// A value nothing reads: a string, a number (fraction and exponent allowed), a boolean or null.
    fn scalar(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b't' | b'f' => self.boolean().map(drop),
            b'n' => self.literal(b"null").then_some(()),
            _ => self.number(),
        }
    }

    /// A JSON number: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)?.
    fn number(&mut self) -> Option<()> {
        let digits = |cursor: &mut Cursor<'_>| {
            let start = cursor.at;
            while cursor.bytes.get(cursor.at).is_some_and(u8::is_ascii_digit) {
                cursor.at += 1;
            }
            cursor.at - start
        };
        self.at += usize::from(self.bytes.get(self.at) == Some(&b'-'));
        let start = self.at;
        let whole = digits(self);
        if whole == 0 || (whole > 1 && self.bytes[start] == b'0') {
            return None;
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            (digits(self) > 0).then_some(())?;
        }
        if matches!(self.bytes.get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            self.at += usize::from(matches!(self.bytes.get(self.at), Some(b'+' | b'-')));
            (digits(self) > 0).then_some(())?;
        }
        Some(())
    }

    /// An object's fields, and (with `nested`) the fields of its `data` object.
    fn object(&mut self, nested: bool) -> Option<(Fields<'a>, Option<Fields<'a>>)> {
        self.eat(b'{')?;
        let (mut fields, mut data) = (Fields::default(), None);
        if self.peek()? == b'}' {
            self.at += 1;
            return Some((fields, data));
        }
        let mut seen = 0u16;
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            let bit = match key {
                "e" => 0,
                "s" => 1,
                "a" => 2,
                "p" => 3,
                "q" => 4,
                "f" => 5,
                "l" => 6,
                "T" => 7,
                "m" => 8,
                "data" => 9,
                "event" => 10,
                _ => 15,
            };
            if bit < 15 {
                if seen & (1 << bit) != 0 {
                    return None;
                }
                seen |= 1 << bit;
            }
            match key {
                "e" => fields.event = Some(self.string()?),
                "s" => fields.symbol = Some(self.string()?),
                "a" => fields.a = Some(self.integer()?),
                "p" => fields.p = Some(self.string()?),
                "q" => fields.q = Some(self.string()?),
                "f" => fields.f = Some(self.integer()?),
                "l" => fields.l = Some(self.integer()?),
                "T" => fields.time = Some(self.integer()?),
                "m" => fields.m = Some(self.boolean()?),
                "data" if nested => data = Some(self.object(false)?.0),
                "data" | "event" => return None,
                _ => self.scalar()?,
            }
            match self.next()? {
                b',' => continue,
                b'}' => return Some((fields, data)),
                _ => return None,
            }
        }
    }
}
