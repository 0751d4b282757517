"""Every bar kind against an independent reference written here from the published definitions (López de Prado,
*Advances in Financial Machine Learning*, ch. 2, and docs/BARS.md for the exact warm-up, rounding and sign
conventions), not from barsmith's Rust: tick, volume and dollar bars (with and without carry), UTC time bars,
range bars with a minimum duration, imbalance and run bars with fixed and expected (EWMA) thresholds, by
aggressor side and by the tick rule. Compared on generated trades and on the real sample; each test prints how
many bars it compared."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Callable, Iterator, List, NamedTuple, Optional, Tuple

import pyarrow as pa
import pytest

import barsmith as bs

from conftest import read_trades, real_sample

SCALE = 10**8


class Record(NamedTuple):
    id: int
    price: int  # raw, 10^-8
    qty: int  # raw, 10^-8
    time_us: int
    buy: bool  # the aggressor bought (is_buyer_maker false)


Span = Tuple[int, int]  # first and last agg_trade_id of a completed bar


def records_of(table: pa.Table) -> List[Record]:
    columns = [table.column(name).to_pylist() for name in
               ("agg_trade_id", "price", "quantity", "transact_time", "is_buyer_maker")]
    raw = lambda v: int(Decimal(str(v)) * SCALE)  # noqa: E731
    return [Record(i, raw(p), raw(q), int(t), not m) for i, p, q, t, m in zip(*columns)]


def amount(text: str, digits: int) -> int:
    """A decimal threshold (``50.5``, ``1e7``) in raw units of 10^-digits, exactly."""
    value = Decimal(text).scaleb(digits)
    assert value == value.to_integral_value(), text
    return int(value)


def flow(record: Record, measure: str) -> int:
    """A record's contribution: 1 record, its quantity (10^-8), or price × quantity (10^-16)."""
    return {"tick": 1, "volume": record.qty, "dollar": record.price * record.qty}[measure]


def cut(records: List[Record], closes: Callable[[List[Record]], bool]) -> List[Span]:
    """Bars grown record by record; ``closes`` sees the bar so far (its last record just added)."""
    spans, bar = [], []
    for record in records:
        bar.append(record)
        if closes(bar):
            spans.append((bar[0].id, bar[-1].id))
            bar = []
    return spans


# --- AFML 2.3.1: tick, volume, dollar bars ---------------------------------------------------------------------

def total_bars(records: List[Record], measure: str, threshold: int, carry: bool) -> List[Span]:
    spans, first, total = [], None, 0
    for record in records:
        first = record.id if first is None else first
        total += flow(record, measure)
        if total >= threshold:
            spans.append((first, record.id))
            first, total = None, (total - threshold if carry else 0)
    return spans


# --- time bars: one bar per UTC interval [k·I, (k+1)·I) holding records ----------------------------------------

def time_bars(records: List[Record], interval_us: int) -> List[Span]:
    spans: List[Span] = []
    key, first, last = None, None, None
    for record in records:
        k = record.time_us // interval_us
        if key is not None and k != key:
            spans.append((first, last))
            first = None
        key, last = k, record.id
        first = record.id if first is None else first
    return spans  # the last interval's bar is still forming


# --- range bars (docs/RANGE_BARS.md) with a minimum duration ---------------------------------------------------

def range_bars(records: List[Record], dbps: int, min_duration_us: int) -> List[Span]:
    def closes(bar: List[Record]) -> bool:
        if len(bar) < 2:
            return False
        open_, last = bar[0], bar[-1]
        delta = open_.price * dbps // 100_000
        beyond = last.price >= open_.price + delta or last.price <= open_.price - delta
        lasted = last.time_us - open_.time_us >= max(min_duration_us, 1)  # the gate: never at the open's time
        return beyond and lasted
    return cut(records, closes)


# --- AFML 2.3.2: imbalance and run bars ------------------------------------------------------------------------

def signs(records: List[Record], tick_rule: bool) -> Iterator[int]:
    """The aggressor side (+1 buy, −1 sell), or the tick rule: the sign of the price change, else the previous
    sign (0 before the first change)."""
    previous_price, previous_sign = None, 0
    for record in records:
        if not tick_rule:
            yield 1 if record.buy else -1
            continue
        if previous_price is not None and record.price != previous_price:
            previous_sign = 1 if record.price > previous_price else -1
        previous_price = record.price
        yield previous_sign


def signed_bars(records: List[Record], family: str, measure: str, fixed: Optional[int], init: int, span: int,
                tick_rule: bool) -> List[Span]:
    """θ_T = Σ b·v (imbalance: close when |θ_T| reaches the threshold) or max(Σ_{b=1} v, Σ_{b=−1} v) (run). The
    threshold is fixed, or E[T]·|E[θ/T]| (imbalance), E[T]·max(P·E[v⁺], (1−P)·E[v⁻]) (run), rounded up to
    an integer of the measure's unit; the expectations are EWMAs over completed bars with α = 2/(span+1), seeded
    by the first bar, which closes after ``init`` records."""
    alpha = 2 / (span + 1)
    expected: Optional[dict] = None
    spans: List[Span] = []
    first = None
    buy = sell = buys = sells = count = 0
    for record, b in zip(records, signs(records, tick_rule)):
        first = record.id if first is None else first
        v = flow(record, measure)
        count += 1
        if b > 0:
            buy, buys = buy + v, buys + 1
        elif b < 0:
            sell, sells = sell + v, sells + 1
        statistic = abs(buy - sell) if family == "imbalance" else max(buy, sell)
        if fixed is not None:
            done = statistic >= fixed
        elif expected is None:
            done = count >= init
        elif family == "imbalance":
            done = statistic >= math.ceil(expected["T"] * abs(expected["flow"]))
        else:
            p = expected["P"]
            done = statistic >= math.ceil(expected["T"] * max(p * expected["buy"], (1 - p) * expected["sell"]))
        if not done:
            continue
        spans.append((first, record.id))
        observed = {
            "T": float(count),
            "flow": float(buy - sell) / float(count),
            "P": float(buys) / float(count),
            "buy": float(buy) / float(buys) if buys else None,
            "sell": float(sell) / float(sells) if sells else None,
        }
        if expected is None:
            expected = {k: (0.0 if v is None else v) for k, v in observed.items()}
        else:
            for k, v in observed.items():
                if v is not None:
                    expected[k] = expected[k] + alpha * (v - expected[k])
        first, buy, sell, buys, sells, count = None, 0, 0, 0, 0, 0
    return spans


# --- the comparison --------------------------------------------------------------------------------------------

DURATIONS = {"us": 1, "ms": 1_000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000}


def duration_us(text: str) -> int:
    unit = text.lstrip("0123456789")
    return int(text[: len(text) - len(unit)]) * DURATIONS[unit]


def reference(records: List[Record], spec: str, min_duration: str = "0") -> List[Span]:
    kind, value, *options = spec.split(":")
    if kind == "range":
        return range_bars(records, int(value), 0 if min_duration == "0" else duration_us(min_duration))
    if kind == "time":
        return time_bars(records, duration_us(value))
    measure, _, family = kind.partition("-")
    digits = {"tick": 0, "volume": 8, "dollar": 16}[measure]
    if not family:
        return total_bars(records, measure, amount(value, digits), "carry" in options)
    settings = dict(option.split("=") for option in options if "=" in option)
    fixed = None if value == "ewma" else amount(value, digits)
    return signed_bars(records, family, measure, fixed, int(settings.get("init", 1000)), int(settings.get("span", 20)),
                       "tick-rule" in options)


def built(trades: pa.Table, specs: List[str], min_duration: str = "0") -> List[List[Span]]:
    """barsmith's completed bars of each specification, in the order given (one pass for all)."""
    tables = bs.bars(trades, bars=specs, features="none", min_duration=min_duration)
    assert len(tables) == len(specs)
    spans = lambda t: list(zip(t.column("first_agg_trade_id").to_pylist(),  # noqa: E731
                               t.column("last_agg_trade_id").to_pylist()))
    return [spans(table) for table in tables.values()]


SPECS = [
    "tick:100", "tick:7", "volume:2.5", "volume:0.75:carry", "dollar:50000", "dollar:1.5e5:carry",
    "time:1s", "time:10s", "time:1m",
    "tick-imbalance:15", "volume-imbalance:1.2", "dollar-imbalance:1e5", "tick-imbalance:10:tick-rule",
    "tick-run:20", "volume-run:3", "dollar-run:2e5:tick-rule",
    "tick-imbalance:ewma:init=100:span=10", "volume-imbalance:ewma:init=50:span=5",
    "dollar-imbalance:ewma:init=200:span=20:tick-rule", "tick-run:ewma:init=100:span=10",
    "volume-run:ewma:init=80:span=3", "dollar-run:ewma:init=150:span=8",
]


def compare(trades: pa.Table, label: str) -> None:
    records = records_of(trades)
    ours = built(trades, SPECS)
    compared = 0
    for spec, got in zip(SPECS, ours):
        expected = reference(records, spec)
        first = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        assert got == expected, f"{label} {spec}: {len(got)} bars, reference {len(expected)}; first differs at {first}"
        assert len(expected) > 1, f"{label} {spec}: too few bars to compare ({len(expected)})"
        compared += len(expected)
    for min_duration in ("0", "500ms", "5s"):
        for dbps in (2, 10):
            spec = f"range:{dbps}"
            ours_range = built(trades, [spec], min_duration)[0]
            expected = reference(records, spec, min_duration)
            assert ours_range == expected, f"{label} {spec} min_duration={min_duration}"
            compared += len(expected)
    print(f"{label}: {compared} bars of {len(SPECS) + 6} specifications equal the reference ({len(records)} records)")


def test_every_kind_equals_the_reference_on_generated_trades() -> None:
    compare(pa.table(bs.generate_trades(30_000, seed=11)), "generated")


def test_every_kind_equals_the_reference_on_the_real_sample() -> None:
    compare(read_trades(real_sample()), "real sample")


def test_results_are_keyed_by_the_canonical_specification() -> None:
    trades = pa.table(bs.generate_trades(2_000, seed=1))
    tables = bs.bars(trades, 10, bars=["dollar:1e5", "time:1m"], features="none")
    assert list(tables) == [10, "dollar:100000", "time:1m"]
    one = bs.bars(trades, bars="tick:100", features="none")
    assert one.num_rows == 20
    with pytest.raises(ValueError, match="bars.*tick:1.5"):
        bs.bars(trades, bars="tick:1.5")


def test_bar_builder_of_other_kinds_resumes_to_one_pass() -> None:
    trades = pa.table(bs.generate_trades(20_000, seed=5))
    specs = ["tick:100", "volume-run:ewma:init=50:span=4", "time:30s"]
    whole = bs.bars(trades, bars=specs, features="bar,intra")
    builder = bs.BarBuilder(bars=specs, features="bar,intra")
    first = builder.push(trades.slice(0, 7_777))
    resumed = bs.BarBuilder.from_checkpoint(builder.checkpoint())
    rest = resumed.push(trades.slice(7_777))
    assert list(first) == list(rest) == list(whole) == ["tick:100", "volume-run:ewma:init=50:span=4", "time:30s"]
    compared = 0
    for spec in whole:
        joined = pa.concat_tables([first[spec], rest[spec]])
        assert joined.to_pylist() == whole[spec].to_pylist(), spec
        compared += whole[spec].num_rows
    print(f"BarBuilder through a checkpoint: {compared} bars equal one pass")
