"""Every error class is raised with its fields; bad arguments are ValueErrors; nothing panics."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

import barsmith as bs
from conftest import FIXTURES, SPOT_FIXTURE

INGEST = FIXTURES / "ingest"


@pytest.mark.parametrize(
    "name,kind,line,column,text",
    [
        ("error_non_numeric", "invalid_number", 2, "price", "1e5"),
        ("error_too_many_decimals", "too_many_decimals", 2, "price", "42000.123456789"),
        ("error_out_of_order", "out_of_order", 2, "agg_trade_id", "1000000"),
        ("error_negative_price", "non_positive_price", 2, "price", "-42000.5"),
        ("error_bad_boolean", "invalid_boolean", 2, "is_buyer_maker", "yes"),
        ("error_field_count", "field_count", 2, "is_best_match", None),
        ("error_empty", "empty_file", None, None, None),
        # Corrupt compressed data has no line: the error names the byte offset in the compressed file instead.
        ("error_truncated.csv.zst", "decompress", None, None, None),
    ],
)
def test_input_errors_from_files(name, kind, line, column, text):
    path = INGEST / (name if "." in name else f"{name}.csv")
    with pytest.raises(bs.InputError) as raised:
        bs.bars(path, threshold_dbps=10, symbol="X")
    error = raised.value
    assert isinstance(error, ValueError) and isinstance(error, bs.BarsmithError)
    assert (error.kind, error.path, error.line, error.column) == (kind, str(path), line, column)
    if text is not None:
        assert error.text == text and text in str(error)
    assert error.row is None


def _trades(**columns) -> pa.Table:
    base = dict(a=[1, 2, 3], p=["100.5", "100.6", "100.7"], q=["1", "2", "3"], f=[1, 2, 3], l=[1, 2, 3],
                T=[1767225600000, 1767225600001, 1767225600002], m=[True, False, True])
    base.update(columns)
    return pa.table(base)


@pytest.mark.parametrize(
    "columns,kind,row,column,text",
    [
        (dict(p=["100.5", "1.2.3", "1"]), "invalid_number", 1, "p", "1.2.3"),
        (dict(p=pa.array([100.5, 0.123456789, 1.0])), "too_many_decimals", 1, "p", "0.123456789"),
        (dict(p=pa.array([100.5, 1e-9, 1.0])), "too_many_decimals", 1, "p", "0.000000001"),
        (dict(p=pa.array([100.5, float("nan"), 1.0])), "invalid_number", 1, "p", "NaN"),
        (dict(p=pa.array([Decimal("1.123456789")] * 3, pa.decimal128(12, 9))), "too_many_decimals", 0, "p",
         "1.123456789"),
        (dict(p=["100.5", "0", "1"]), "non_positive_price", 1, "p", "0.00000000"),
        (dict(q=pa.array([1.0, -2.0, 3.0])), "negative_quantity", 1, "q", "-2.00000000"),
        (dict(p=["100.5", None, "1"]), "empty_field", 1, "p", "null"),
        (dict(m=["True", "maybe", "False"]), "invalid_boolean", 1, "m", "maybe"),
        (dict(a=[1, 3, 2]), "out_of_order", 2, "a", "2"),
        (dict(a=[1, 2, 2]), "duplicate", 2, "a", "2"),
        (dict(T=[1767225600002, 1767225600001, 1767225600003]), "out_of_order", 1, "T", "1767225600001000"),
        (dict(T=[5, 6, 7]), "timestamp_out_of_range", 0, "T", "5"),  # the value given (trial finding 36)
        (dict(l=[1, 1, 2]), "trade_ids_reversed", 1, "l", "1"),
        (dict(f=[1, -2, 3]), "invalid_number", 1, "f", "-2"),
    ],
)
def test_input_errors_from_arrow(columns, kind, row, column, text):
    with pytest.raises(bs.InputError) as raised:
        bs.bars(_trades(**columns), threshold_dbps=10)
    error = raised.value
    assert (error.kind, error.row, error.column, error.text) == (kind, row, column, text), str(error)
    assert error.path is None and error.line is None
    assert f"row {row}" in str(error) and f"`{column}`" in str(error)


def test_float_prices_convert_exactly():
    floats = _trades(p=pa.array([0.1, 87648.21, 123456789.12345678]), q=pa.array([0.3, 1e-8, 2.0]))
    text = _trades(p=["0.1", "87648.21", "123456789.12345678"], q=["0.3", "0.00000001", "2"])
    assert bs.bars(floats, threshold_dbps=10, include_incomplete=True).equals(
        bs.bars(text, threshold_dbps=10, include_incomplete=True))


def test_timestamps_in_any_unit():
    ms = _trades()
    expected = bs.bars(ms, threshold_dbps=10, include_incomplete=True)
    us = _trades(T=[1767225600000000, 1767225600001000, 1767225600002000])
    typed = _trades(T=pa.array([1767225600000000000, 1767225600001000000, 1767225600002000000], pa.timestamp("ns")))
    for other in (us, typed):
        assert bs.bars(other, threshold_dbps=10, include_incomplete=True).equals(expected)
    with pytest.raises(bs.InputError, match="sub-microsecond"):
        bs.bars(_trades(T=pa.array([1, 2, 3], pa.timestamp("ns"))), threshold_dbps=10)


def test_bad_arguments_are_value_errors():
    trades = _trades()
    for kwargs, match in [
        (dict(threshold_dbps=0), "outside"),
        (dict(threshold_dbps=[10, 10]), "twice"),
        (dict(threshold_dbps=10, features=["bar", "oops"]), "unknown group"),
        (dict(threshold_dbps=10, lookback="count:0"), "lookback"),
        (dict(threshold_dbps=10, pe_order=9), "pe_order"),
        (dict(threshold_dbps=10, backend="neon"), "backend"),
        (dict(threshold_dbps=10, output="excel"), "output"),
    ]:
        with pytest.raises(ValueError, match=match):
            bs.bars(trades, **kwargs)
    with pytest.raises(ValueError, match="lack column"):
        bs.bars(pa.table({"price": ["1"]}), threshold_dbps=10)
    with pytest.raises(ValueError, match="no such file"):
        bs.bars("does/not/exist.csv", threshold_dbps=10)
    with pytest.raises(ValueError, match="matches no file"):
        bs.bars("does/not/*.csv", threshold_dbps=10)
    with pytest.raises(TypeError, match="Arrow"):
        bs.bars(42, threshold_dbps=10)
    with pytest.raises(TypeError):
        bs.bars(trades, threshold_dbps=True)


def test_output_error_for_a_value_beyond_38_digits():
    huge = "92233720368.54775807"
    trades = _trades(p=[huge] * 3, q=[huge] * 3)
    with pytest.raises(bs.OutputError, match="turnover") as raised:
        bs.bars(trades, threshold_dbps=10, include_incomplete=True)
    assert isinstance(raised.value, OSError) and raised.value.kind == "output"


def test_checkpoint_error_fields():
    with pytest.raises(bs.CheckpointError) as raised:
        bs.BarBuilder.from_checkpoint(b"{}")
    assert raised.value.kind == "checkpoint" and raised.value.path == "<bytes>"


def test_a_blank_line_has_its_own_kind(tmp_path) -> None:
    """Trial finding 34: a blank line is kind "blank_line", not "other"."""
    path = tmp_path / "blank.csv"
    path.write_bytes(open(SPOT_FIXTURE, "rb").read() + b"\n")
    with pytest.raises(bs.InputError) as caught:
        bs.bars(str(path), threshold_dbps=10)
    assert caught.value.kind == "blank_line", caught.value
