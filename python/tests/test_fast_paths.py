"""The vectorized conversions of Arrow columns (the column kernels of barsmith-kernels, `src/scalar/convert.rs`,
called from python/src/trades_in/values.rs) give exactly what the value-by-value path gives, on every backend: float, decimal and text prices, integer times in ms and µs, booleans at any bit offset, over many
16 Ki-row chunks, some of which hold values only the exact path takes."""

from __future__ import annotations

import random
from decimal import Decimal

import pyarrow as pa
import pytest

import barsmith as bs

ROWS = 70_000  # more than four chunks of 16 Ki rows


def _prices(rng: random.Random):
    """Text prices that jump by a third or more every trade (so nearly every trade opens or closes a bar), with 8
    decimals; in the third chunk some values beyond 1.1e7 with 4 decimals (the fast float test refuses those)."""
    prices = []
    for i in range(ROWS):
        level = 100 if i % 2 else 150
        if 2 * 16_384 <= i < 3 * 16_384 and i % 7 == 0:
            prices.append(f"{rng.randrange(11_000_000, 90_000_000)}.{rng.randrange(10_000):04d}")
        elif 16_384 <= i < 2 * 16_384:
            # Every magnitude the fast test takes, powers of two (a halved spacing below) and their neighbours.
            if i % 3 == 0:
                power = Decimal(2) ** rng.randrange(-8, 23)
                prices.append(format(power + Decimal(rng.choice([-1, 0, 0, 1])) / 10**8, "f"))
            else:
                digits = rng.randrange(1, 16)
                prices.append(format(Decimal(rng.randrange(1, 10**digits)) / 10**8, "f"))
        else:
            prices.append(f"{level + rng.randrange(50)}.{rng.randrange(10**8):08d}")
    return prices


@pytest.fixture(scope="module")
def columns():
    rng = random.Random(11)
    prices = _prices(rng)
    quantities = [f"{rng.randrange(1000)}.{rng.randrange(10**8):08d}" for _ in range(ROWS)]
    start_ms = 1_767_225_600_000
    times_ms = [start_ms + i // 3 for i in range(ROWS)]
    makers = [rng.random() < 0.5 for _ in range(ROWS + 5)]
    return prices, quantities, times_ms, makers


def _table(prices, quantities, times, makers):
    ids = list(range(1, ROWS + 1))
    return pa.table({"a": ids, "p": prices, "q": quantities, "f": ids, "l": ids, "T": times, "m": makers})


def test_every_layout_gives_the_bars_of_the_text(columns):
    prices, quantities, times_ms, makers = columns
    bools = pa.array(makers)
    text = _table(prices, quantities, times_ms, [str(m) for m in makers[:ROWS]])
    expected = bs.bars(text, threshold_dbps=10, features="bar", include_incomplete=True)
    assert expected.num_rows > ROWS // 4  # a bar per millisecond (the same-timestamp gate)
    times_us = [t * 1000 for t in times_ms]
    variants = {
        "float64": _table(pa.array([float(p) for p in prices]), pa.array([float(q) for q in quantities]),
                          times_ms, bools.slice(0, ROWS)),
        "decimal(38, 8)": _table(pa.array([Decimal(p) for p in prices], pa.decimal128(38, 8)),
                                 pa.array([Decimal(q) for q in quantities], pa.decimal128(38, 8)), times_us,
                                 bools.slice(0, ROWS)),
        "decimal(30, 10)": _table(pa.array([Decimal(p) for p in prices], pa.decimal128(30, 10)),
                                  pa.array([Decimal(q) for q in quantities], pa.decimal128(30, 10)),
                                  pa.array(times_us, pa.timestamp("us")), bools.slice(0, ROWS)),
        "booleans at bit offset 3": _table(prices, quantities, times_ms, bools.slice(3, ROWS)),
    }
    shifted = _table(prices, quantities, times_ms, [str(m) for m in makers[3:ROWS + 3]])
    # Every backend runs the column kernels (the text path does not use them, so it is the oracle on each).
    for backend in bs.cpu()["available"]:
        options = dict(threshold_dbps=10, features="bar", include_incomplete=True, backend=backend)
        expected, expected_shifted = bs.bars(text, **options), bs.bars(shifted, **options)
        for name, table in variants.items():
            got = bs.bars(table, **options)
            assert got.equals(expected_shifted if name == "booleans at bit offset 3" else expected), (name, backend)


@pytest.mark.parametrize("chunk", [0, 3])
def test_a_bad_value_in_any_chunk_is_named(columns, chunk):
    prices, quantities, times_ms, makers = columns
    row = chunk * 16_384 + 123
    floats = [float(p) for p in prices]
    floats[row] = 0.123456789
    with pytest.raises(bs.InputError) as raised:
        bs.bars(_table(pa.array(floats), quantities, times_ms, makers[:ROWS]), threshold_dbps=10)
    assert (raised.value.kind, raised.value.row, raised.value.text) == ("too_many_decimals", row, "0.123456789")
    for kind, column, change in [("non_positive_price", "p", -1.0), ("out_of_order", "T", None)]:
        values = list(floats) if column == "p" else list(times_ms)
        values[row] = change if change is not None else values[row - 1] - 1
        table = _table(pa.array(values), quantities, times_ms, makers[:ROWS]) if column == "p" else \
            _table(prices, quantities, values, makers[:ROWS])
        with pytest.raises(bs.InputError) as raised:
            bs.bars(table, threshold_dbps=10)
        assert (raised.value.kind, raised.value.row) == (kind, row), str(raised.value)
