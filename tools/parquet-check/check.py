"""Reads a `barsmith bars` Parquet file with pyarrow and with polars and checks it against the CSV of the same run.

Usage: check.py BARS.parquet BARS.csv

* every column has the type docs/OUTPUT.md gives it, in pyarrow and in polars;
* every value equals the CSV's: exact columns through Python's Decimal/int, the `*_f64` companions as
  float(Decimal(csv text)) (correctly rounded), feature floats as float(csv text), nulls as empty fields;
* polars reads the same values as pyarrow;
* every column chunk is zstd-compressed, row groups hold at most 65 536 rows, and the barsmith.* metadata is there.
"""

import csv
import json
import sys
from decimal import Decimal

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

PRICES_AND_VOLUMES = {"open", "high", "low", "close", "vwap", "volume", "buy_volume", "sell_volume"}
TURNOVERS = {"turnover", "buy_turnover", "sell_turnover"}
BAR_INTEGERS = {
    "agg_record_count",
    "individual_trade_count",
    "buy_trade_count",
    "sell_trade_count",
    "first_agg_trade_id",
    "last_agg_trade_id",
    "first_trade_id",
    "last_trade_id",
}
TIMESTAMPS = {"open_time", "close_time"}
INTEGER_FEATURES = {"duration_us", "intra_record_count", "intra_duration_us", "lookback_record_count",
                    "lookback_duration_us"}
METADATA_KEYS = ["version", "symbol", "threshold_dbps", "same_timestamp_gate", "lookback", "backend", "inputs"]
ROW_GROUP_ROWS = 65_536


def expected_types(name):
    """(pyarrow type, nullable, polars dtype) that docs/OUTPUT.md gives column `name`."""
    if name in TIMESTAMPS:
        return pa.timestamp("us", tz="UTC"), False, pl.Datetime("us", "UTC")
    if name in PRICES_AND_VOLUMES:
        return pa.decimal128(38, 8), False, pl.Decimal(38, 8)
    if name in TURNOVERS:
        return pa.decimal128(38, 16), False, pl.Decimal(38, 16)
    if name in BAR_INTEGERS:
        return pa.int64(), False, pl.Int64
    if name == "is_complete":
        return pa.bool_(), False, pl.Boolean
    if name.endswith("_f64"):
        return pa.float64(), False, pl.Float64
    if name in INTEGER_FEATURES:
        return pa.int64(), True, pl.Int64
    return pa.float64(), True, pl.Float64


def check_types(table, frame):
    for field in table.schema:
        arrow_type, nullable, polars_type = expected_types(field.name)
        assert field.type == arrow_type, f"{field.name}: pyarrow {field.type}, expected {arrow_type}"
        assert field.nullable == nullable, f"{field.name}: nullable {field.nullable}"
        assert frame.schema[field.name] == polars_type, f"{field.name}: polars {frame.schema[field.name]}"


def exact_text(name, value):
    """The CSV text of an exact value read by pyarrow."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        digits = 16 if name in TURNOVERS else 8
        return f"{value:.{digits}f}"
    return str(value)


def check_values(table, header, rows):
    for index, name in enumerate(header):
        column = table.column(name)
        if name in TIMESTAMPS:
            column = column.cast(pa.int64())
        values = column.to_pylist()
        texts = [row[index] for row in rows]
        assert len(values) == len(texts), f"{name}: {len(values)} values, {len(texts)} CSV rows"
        if pa.types.is_floating(column.type):
            for row, (value, text) in enumerate(zip(values, texts)):
                expected = None if text == "" else float(text)
                assert value == expected, f"{name} row {row}: {value!r} vs CSV {text!r}"
        else:
            for row, (value, text) in enumerate(zip(values, texts)):
                assert exact_text(name, value) == text, f"{name} row {row}: {value!r} vs CSV {text!r}"
            if pa.types.is_decimal(column.type):
                floats = table.column(f"{name}_f64").to_pylist()
                for row, (value, text) in enumerate(zip(floats, texts)):
                    assert value == float(Decimal(text)), f"{name}_f64 row {row}: {value!r} vs CSV {text!r}"
                    assert Decimal(text) == values[row]


def check_polars_matches_pyarrow(table, frame):
    for name in table.column_names:
        ours = frame.get_column(name)
        theirs = table.column(name)
        if name in TIMESTAMPS:
            ours, theirs = ours.cast(pl.Int64), theirs.cast(pa.int64())
        assert ours.to_list() == theirs.to_pylist(), f"{name}: polars and pyarrow disagree"


def check_file_metadata(path):
    metadata = pq.ParquetFile(path).metadata
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        assert row_group.num_rows <= ROW_GROUP_ROWS
        for column in range(row_group.num_columns):
            assert row_group.column(column).compression == "ZSTD", row_group.column(column)
    pairs = {key.decode(): value.decode() for key, value in metadata.metadata.items()}
    run = {key: pairs[f"barsmith.{key}"] for key in METADATA_KEYS}
    assert isinstance(json.loads(run["inputs"]), list)
    return metadata, run


def main(parquet_path, csv_path):
    with open(csv_path, newline="") as file:
        reader = csv.reader(file)
        header = next(reader)
        rows = list(reader)
    table = pq.read_table(parquet_path)
    frame = pl.read_parquet(parquet_path)
    check_types(table, frame)
    companions = [name for name in table.column_names if name.endswith("_f64")]
    assert [name for name in table.column_names if not name.endswith("_f64")] == header, "column order"
    check_values(table, header, rows)
    check_polars_matches_pyarrow(table, frame)
    metadata, run = check_file_metadata(parquet_path)
    nulls = sum(table.column(name).null_count for name in table.column_names)
    print(f"  pyarrow {pa.__version__}, polars {pl.__version__}: {table.num_rows} rows in "
          f"{metadata.num_row_groups} row group(s), {table.num_columns} columns "
          f"({len(header)} as in the CSV + {len(companions)} float companions), {nulls} nulls; values match the CSV")
    kinds = {}
    for field in table.schema:
        kinds.setdefault(f"{field.type} / {frame.schema[field.name]}", []).append(field.name)
    for kind, names in kinds.items():
        print(f"  {kind}: {len(names)} ({', '.join(names[:4])}{', ...' if len(names) > 4 else ''})")
    print("  metadata: " + ", ".join(f"{key}={value}" for key, value in run.items()))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
