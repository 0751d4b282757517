//! One Arrow column to exact values: integers, fixed-point decimals (from strings, decimals, floats or whole
//! numbers), microsecond timestamps and booleans.
//!
//! Floats are converted by exact rounding: a float `x` becomes the decimal with at most 8 places that reads
//! back as exactly `x` (its shortest decimal text); a float that no such decimal gives (e.g. `0.123456789`)
//! is refused with `too_many_decimals`, never rounded.
//!
//! The common layouts go through a column kernel of `barsmith-kernels` first (on the chosen backend), which
//! converts a whole chunk and says whether every value took its fast route; when one did not, the chunk is
//! redone value by value on the exact path, which also names the offending value. The results are the exact
//! path's, bit for bit (python/tests/test_fast_paths.py compares both).

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType};
use arrow_schema::{DataType, TimeUnit};
use barsmith::Kernels;
use barsmith::core::{FixedPoint, MILLISECOND_CUTOFF, ParseFixedPointError, SCALE, normalize_timestamp_us};
use barsmith::ingest::reference::{END_TIMESTAMP_US, MIN_TIMESTAMP_US};
use barsmith::kernels::FLOAT_TO_SCALED_LIMIT;

use super::{Place, first_null};
use crate::errors::Failure;

/// Which signs a fixed-point column admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sign {
    /// Prices: strictly positive.
    Positive,
    /// Quantities: zero or more.
    NonNegative,
}

fn unsupported(array: &dyn Array, place: Place<'_>, wanted: &str) -> Failure {
    Failure::Value(format!("column `{}` has type {}; expected {wanted}", place.column, array.data_type()))
}

fn check_nulls(array: &dyn Array, place: Place<'_>) -> Result<(), Failure> {
    match first_null(array) {
        Some(i) => Err(place.problem(i, "empty_field", "null value", "null".into())),
        None => Ok(()),
    }
}

/// Makes `out` `len` values long and lets `convert` (a column kernel, which writes every slot or panics) write
/// them; returns what `convert` returns. The converter reuses its batch, so `out` usually has the previous
/// chunk's length already and nothing is zero-filled.
fn fill(out: &mut Vec<i64>, len: usize, convert: impl FnOnce(&mut [i64]) -> bool) -> bool {
    out.resize(len, 0);
    convert(out)
}

/// Sets `out` to the values of an integer column (ids); negative values are refused.
pub(crate) fn integers(k: Kernels, array: &dyn Array, out: &mut Vec<i64>, place: Place<'_>) -> Result<(), Failure> {
    check_nulls(array, place)?;
    match array.data_type() {
        DataType::Int64 => {
            let values = array.as_primitive::<Int64Type>().values();
            if fill(out, values.len(), |slots| k.non_negative(values, slots)) {
                return Ok(());
            }
        }
        DataType::Int32 => widen::<Int32Type>(array, out),
        DataType::Int16 => widen::<Int16Type>(array, out),
        DataType::Int8 => widen::<Int8Type>(array, out),
        DataType::UInt32 => widen::<UInt32Type>(array, out),
        DataType::UInt16 => widen::<UInt16Type>(array, out),
        DataType::UInt8 => widen::<UInt8Type>(array, out),
        DataType::UInt64 => {
            let values = array.as_primitive::<UInt64Type>().values();
            if fill(out, values.len(), |slots| k.u64_to_i64(values, slots)) {
                return Ok(());
            }
            out.clear();
            for (i, &v) in values.iter().enumerate() {
                let v = i64::try_from(v)
                    .map_err(|_| place.problem(i, "number_too_large", "number too large", v.to_string()))?;
                out.push(v);
            }
        }
        _ => return Err(unsupported(array, place, "an integer type")),
    }
    if let Some(i) = out.iter().position(|&v| v < 0) {
        return Err(place.problem(i, "invalid_number", "negative id", out[i].to_string()));
    }
    Ok(())
}

fn widen<T: ArrowPrimitiveType>(array: &dyn Array, out: &mut Vec<i64>)
where
    T::Native: Into<i64>,
{
    out.clear();
    out.extend(array.as_primitive::<T>().values().iter().map(|&v| v.into()));
}

/// Sets `out` to microsecond timestamps: integers by the file rule (below 10^13 = milliseconds), Arrow
/// timestamps by their unit (nanoseconds must be whole microseconds).
pub(crate) fn timestamps(k: Kernels, array: &dyn Array, out: &mut Vec<i64>, place: Place<'_>) -> Result<(), Failure> {
    check_nulls(array, place)?;
    let scaled = |out: &mut Vec<i64>, values: &[i64], factor: i64| -> Result<(), Failure> {
        out.clear();
        for (i, &v) in values.iter().enumerate() {
            let us = v
                .checked_mul(factor)
                .ok_or_else(|| place.problem(i, "timestamp_out_of_range", "timestamp too large", v.to_string()))?;
            out.push(us);
        }
        Ok(())
    };
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            out.clear();
            out.extend_from_slice(array.as_primitive::<TimestampMicrosecondType>().values())
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            scaled(out, array.as_primitive::<TimestampMillisecondType>().values(), 1_000)?
        }
        DataType::Timestamp(TimeUnit::Second, _) => {
            scaled(out, array.as_primitive::<TimestampSecondType>().values(), 1_000_000)?
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            out.clear();
            for (i, &v) in array.as_primitive::<TimestampNanosecondType>().values().iter().enumerate() {
                if v % 1_000 != 0 {
                    let message = "timestamp with sub-microsecond precision";
                    return Err(place.problem(i, "invalid_number", message, format!("{v} ns")));
                }
                out.push(v / 1_000);
            }
        }
        DataType::Int64 => {
            let values = array.as_primitive::<Int64Type>().values();
            let range = MIN_TIMESTAMP_US..END_TIMESTAMP_US;
            if fill(out, values.len(), |slots| k.millis_to_micros(values, slots, MILLISECOND_CUTOFF, range)) {
                return Ok(());
            }
            integers(k, array, out, place)?;
            out.iter_mut().for_each(|t| *t = normalize_timestamp_us(*t));
        }
        _ => {
            integers(k, array, out, place)?;
            out.iter_mut().for_each(|t| *t = normalize_timestamp_us(*t));
        }
    }
    Ok(())
}

/// Sets `out` to `is_buyer_maker`: a boolean column, or text `True`/`true`/`False`/`false`.
pub(crate) fn booleans(array: &dyn Array, out: &mut Vec<bool>, place: Place<'_>) -> Result<(), Failure> {
    check_nulls(array, place)?;
    out.clear();
    match array.data_type() {
        DataType::Boolean => unpack_bits(array.as_boolean(), out),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            for (i, text) in strings(array).enumerate() {
                out.push(match text {
                    "True" | "true" => true,
                    "False" | "false" => false,
                    _ => return Err(place.problem(i, "invalid_boolean", "invalid boolean", text.into())),
                });
            }
        }
        DataType::Dictionary(_, _) => dictionary_booleans(array, out, place)?,
        _ => return Err(unsupported(array, place, "bool or text True/False")),
    }
    Ok(())
}

/// A categorical column (polars `Categorical`, pandas `category`): each row's dictionary value read as a bool.
fn dictionary_booleans(array: &dyn Array, out: &mut Vec<bool>, place: Place<'_>) -> Result<(), Failure> {
    let dictionary = array.as_any_dictionary();
    let values = dictionary.values();
    let texts: Vec<Option<String>> = match values.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            strings(values.as_ref()).enumerate().map(|(i, t)| values.is_valid(i).then(|| t.to_string())).collect()
        }
        DataType::Boolean => values.as_boolean().iter().map(|v| v.map(|v| v.to_string())).collect(),
        _ => return Err(unsupported(array, place, "bool or text True/False")),
    };
    for (i, key) in dictionary.normalized_keys().into_iter().enumerate() {
        let text = texts.get(key).cloned().flatten().unwrap_or_default();
        out.push(match text.as_str() {
            "True" | "true" => true,
            "False" | "false" => false,
            _ => return Err(place.problem(i, "invalid_boolean", "invalid boolean", text)),
        });
    }
    Ok(())
}

/// The values of a string column (any of the three string layouts), nulls checked before.
fn strings(array: &dyn Array) -> Box<dyn Iterator<Item = &str> + '_> {
    match array.data_type() {
        DataType::Utf8 => Box::new(array.as_string::<i32>().iter().map(Option::unwrap_or_default)),
        DataType::LargeUtf8 => Box::new(array.as_string::<i64>().iter().map(Option::unwrap_or_default)),
        _ => Box::new(array.as_string_view().iter().map(Option::unwrap_or_default)),
    }
}

/// Sets `out` to fixed-point values (scale 10^8) from text, decimals, floats or whole numbers.
pub(crate) fn fixed_points(
    k: Kernels,
    array: &dyn Array,
    out: &mut Vec<i64>,
    place: Place<'_>,
    sign: Sign,
) -> Result<(), Failure> {
    check_nulls(array, place)?;
    let least = match sign {
        Sign::Positive => 1,
        Sign::NonNegative => 0,
    };
    match array.data_type() {
        DataType::Float64 => {
            let values = array.as_primitive::<Float64Type>().values();
            if fill(out, values.len(), |slots| k.float_to_scaled(values, slots, least)) {
                return Ok(());
            }
            out.clear();
            floats(values, out, place)?
        }
        DataType::Float32 => {
            out.clear();
            for (i, &v) in array.as_primitive::<Float32Type>().values().iter().enumerate() {
                // The f32's own shortest text: 0.1f32 is "0.1", not the f64 0.10000000149011612.
                out.push(parse_text(&v.to_string()).map_err(|kind| text_problem(place, i, kind, v.to_string()))?);
            }
        }
        DataType::Decimal128(_, scale) => {
            let values = array.as_primitive::<Decimal128Type>().values();
            // The i128s as i64 halves: a safe view of the same buffer (arrow checks the alignment).
            let halves = values.inner().typed_data::<i64>();
            if *scale == 8 && fill(out, values.len(), |slots| k.i128_to_i64(halves, slots, least)) {
                return Ok(());
            }
            out.clear();
            decimals(values, *scale, out, place)?
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            out.clear();
            for (i, text) in strings(array).enumerate() {
                out.push(parse_text(text).map_err(|kind| text_problem(place, i, kind, text.into()))?);
            }
        }
        DataType::Int64
        | DataType::Int32
        | DataType::Int16
        | DataType::Int8
        | DataType::UInt64
        | DataType::UInt32
        | DataType::UInt16
        | DataType::UInt8 => {
            let mut whole = Vec::with_capacity(array.len());
            integers(k, array, &mut whole, place)?;
            out.clear();
            for (i, v) in whole.into_iter().enumerate() {
                let raw = v
                    .checked_mul(SCALE)
                    .ok_or_else(|| place.problem(i, "number_too_large", "number too large", v.to_string()))?;
                out.push(raw);
            }
        }
        _ => return Err(unsupported(array, place, "text, decimal, float or integer")),
    }
    check_sign(out, place, sign)
}

fn check_sign(values: &[i64], place: Place<'_>, sign: Sign) -> Result<(), Failure> {
    let least = values.iter().fold(i64::MAX, |least, &v| least.min(v));
    if least > 0 || (least == 0 && sign == Sign::NonNegative) {
        return Ok(());
    }
    let bad = match sign {
        Sign::Positive => values.iter().position(|&v| v <= 0),
        Sign::NonNegative => values.iter().position(|&v| v < 0),
    };
    match (bad, sign) {
        (None, _) => Ok(()),
        (Some(i), Sign::Positive) => {
            Err(place.problem(i, "non_positive_price", "price is not positive", FixedPoint(values[i]).to_string()))
        }
        (Some(i), Sign::NonNegative) => {
            Err(place.problem(i, "negative_quantity", "negative quantity", FixedPoint(values[i]).to_string()))
        }
    }
}

/// The exact path, value by value (after the kernel `float_to_scaled` found a value it cannot take).
fn floats(values: &[f64], out: &mut Vec<i64>, place: Place<'_>) -> Result<(), Failure> {
    for (i, &x) in values.iter().enumerate() {
        // Fast path: the candidate r = round(x·10^8); r·10^-8 is the decimal when dividing back gives x exactly
        // (one correctly rounded division). |x| < 1.1e7 keeps the error of x·10^8 far below 0.5.
        let scaled = (x * SCALE as f64).round();
        if x.abs() < FLOAT_TO_SCALED_LIMIT && scaled / SCALE as f64 == x {
            out.push(scaled as i64);
            continue;
        }
        out.push(slow_float(x).map_err(|kind| float_problem(place, i, kind, x))?);
    }
    Ok(())
}

/// Exact conversion through the shortest decimal text of `x`.
fn slow_float(x: f64) -> Result<i64, ParseFixedPointError> {
    if !x.is_finite() {
        return Err(ParseFixedPointError::InvalidCharacter);
    }
    parse_text(&format!("{x}"))
}

#[cold]
fn float_problem(place: Place<'_>, i: usize, kind: ParseFixedPointError, x: f64) -> Failure {
    if !x.is_finite() {
        // A float column: the CSV wording ("expected digits") would not fit.
        return place.problem(
            i,
            "invalid_number",
            "not a finite number (a price or quantity is a number)",
            format!("{x}"),
        );
    }
    if kind == ParseFixedPointError::TooManyDecimals {
        let message = "more than 8 decimal places (this float is no decimal with at most 8 places; \
                       pass the prices as text or decimals)";
        return place.problem(i, "too_many_decimals", message, format!("{x}"));
    }
    text_problem(place, i, kind, format!("{x}"))
}

/// Parses decimal text exactly; a leading `-` is kept as a negative value (the sign check names it).
fn parse_text(text: &str) -> Result<i64, ParseFixedPointError> {
    match text.strip_prefix('-') {
        Some(magnitude) => FixedPoint::parse(magnitude.as_bytes()).map(|v| -v.0),
        None => FixedPoint::parse(text.as_bytes()).map(|v| v.0),
    }
}

#[cold]
fn text_problem(place: Place<'_>, i: usize, kind: ParseFixedPointError, text: String) -> Failure {
    let (name, message) = match kind {
        ParseFixedPointError::TooManyDecimals => ("too_many_decimals", "more than 8 decimal places"),
        ParseFixedPointError::Overflow => ("number_too_large", "number too large"),
        ParseFixedPointError::Empty => ("empty_field", "empty field"),
        _ => ("invalid_number", "invalid number (expected digits with at most one '.')"),
    };
    place.problem(i, name, message, text)
}

/// Rescales `Decimal128(_, scale)` values to scale 8, exactly.
fn decimals(values: &[i128], scale: i8, out: &mut Vec<i64>, place: Place<'_>) -> Result<(), Failure> {
    let shift = 8 - i32::from(scale);
    let text = |v: i128| {
        let s = i32::from(scale).max(0) as usize;
        barsmith::core::format_scaled_i128(v, 10i128.pow(s as u32), s)
    };
    for (i, &v) in values.iter().enumerate() {
        let raw = if shift >= 0 {
            v.checked_mul(10i128.pow(shift as u32))
        } else {
            let divisor = 10i128.checked_pow((-shift) as u32).unwrap_or(i128::MAX);
            if v % divisor != 0 {
                let message = "more than 8 decimal places";
                return Err(place.problem(i, "too_many_decimals", message, text(v)));
            }
            Some(v / divisor)
        };
        let raw = raw
            .and_then(|r| i64::try_from(r).ok())
            .ok_or_else(|| place.problem(i, "number_too_large", "number too large", text(v)))?;
        out.push(raw);
    }
    Ok(())
}

/// Appends the values of a boolean array (nulls checked before) as `bool`s, a byte of bits at a time.
fn unpack_bits(array: &arrow_array::BooleanArray, out: &mut Vec<bool>) {
    let buffer = array.values();
    if !buffer.offset().is_multiple_of(8) {
        out.extend(buffer.iter());
        return;
    }
    let bytes = &buffer.values()[buffer.offset() / 8..];
    let start = out.len();
    out.resize(start + buffer.len(), false);
    for (chunk, &byte) in out[start..].chunks_mut(8).zip(bytes) {
        for (j, bit) in chunk.iter_mut().enumerate() {
            *bit = (byte >> j) & 1 != 0;
        }
    }
}
