"""``bs.live``: closed bars from Binance's live aggTrade streams (the library's live run, docs/LIVE.md)."""

from __future__ import annotations

import datetime as _dt
import os
import re
import warnings
from typing import Any, Callable, Dict, Generator, List, Optional, Sequence, Union

from . import _barsmith
from ._options import settings as _settings
from ._options import takes_settings as _takes_settings
from .errors import BarsmithWarning

PathLike = Union[str, "os.PathLike[str]"]
Duration = Union[float, int, str, _dt.timedelta]
LIVE_OUTPUTS = ("pyarrow", "polars")
MARKETS = ("spot", "um", "cm")

_UNITS = {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds(name: str, value: Optional[Duration]) -> Optional[float]:
    """A duration keyword as seconds: a number of seconds, a ``timedelta``, or text (``"200ms"``, ``"1s"``,
    ``"5m"``)."""
    if value is None:
        return None
    if isinstance(value, _dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (m := re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*", value)):
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    else:
        raise ValueError(f"{name}: expected seconds, a timedelta or text such as '200ms', '1s', '5m'; got {value!r}")
    if seconds <= 0:
        raise ValueError(f"{name}: {value!r} is not a positive duration")
    return seconds


def _micros(value: Union[None, int, str, _dt.datetime, _dt.date]) -> Optional[int]:
    """``until`` as µs since 1970 (exchange time): an int (µs), a datetime (naive = UTC), a date, or ISO text."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"until: expected µs, a datetime, a date or ISO text; got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"until: {value!r} is no ISO date or time (2026-01-02, 2026-01-02T06:00:00Z)") from None
    if not isinstance(value, _dt.datetime) and isinstance(value, _dt.date):
        value = _dt.datetime(value.year, value.month, value.day)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        delta = value - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    raise ValueError(f"until: expected µs, a datetime, a date or ISO text; got {value!r}")


def _batch(tables: List[Any], output: str) -> Any:
    """One record batch of the tables the run handed over (each one symbol and threshold)."""
    import pyarrow as pa

    table = pa.concat_tables([pa.table(t) for t in tables]) if len(tables) > 1 else pa.table(tables[0])
    batches = table.combine_chunks().to_batches()
    batch = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)
    if output == "polars":
        import polars as pl

        return pl.from_arrow(batch)
    return batch


def _iterate(run: Any, output: str) -> Generator[Any, None, None]:
    try:
        while True:
            tables = run.next()
            for message in run.take_events():
                warnings.warn(BarsmithWarning(message), stacklevel=2)
            if tables is None:
                return
            yield _batch(tables, output)
    finally:
        # A break (generator closed), an exception or the end: the run stops with its checkpoint saved.
        run.close()


@_takes_settings(exclude=("sort", "dedupe", "threads", "identity_columns", "sharding", "include_incomplete"))
def live(
    symbols: Union[str, Sequence[str]],
    threshold_dbps: Union[int, Sequence[int]],
    *,
    market: str = "spot",
    output: str = "pyarrow",
    checkpoint_in: Optional[PathLike] = None,
    checkpoint_out: Optional[PathLike] = None,
    checkpoint_every: Duration = 1.0,
    ws_url: Optional[str] = None,
    rest_url: Optional[str] = None,
    from_id: Optional[int] = None,
    until: Union[None, int, str, _dt.datetime, _dt.date] = None,
    until_id: Optional[int] = None,
    stall_timeout: Optional[Duration] = None,
    max_reconnect_attempts: Optional[int] = None,
    on_bars: Optional[Callable[[Any], Any]] = None,
    **settings: Any,
) -> Any:
    """Closed bars from Binance's live aggTrade streams, continuing a historical run exactly (docs/LIVE.md).

    Yields one batch per delivery of trades that closed bars: a ``pyarrow.RecordBatch`` (``output="polars"``:
    a polars DataFrame) with the columns of :func:`bars` preceded by the identity columns ``symbol`` and
    ``threshold_dbps`` (a batch may hold several symbols' and thresholds' bars; each in order). The run works
    on a Rust thread; the GIL is released while waiting for trades. The run takes trades in only while the
    iterator waits for its next batch, so a slow loop body pushes back on the socket and nothing is dropped.

    ``symbols``: one symbol or a list (one combined stream). ``threshold_dbps``: one or a list. ``market``:
    ``"spot"``, ``"um"`` or ``"cm"``. ``checkpoint_in``: continue exactly where this checkpoint file ends (one
    written by ``barsmith bars --checkpoint-out``, ``barsmith live`` or ``bs.live``). ``checkpoint_out``: save
    the state there every ``checkpoint_every`` (seconds, a ``timedelta`` or ``"200ms"``/``"1s"``/``"5m"``) and
    at the end; it holds exactly the bars yielded so far. ``from_id``: without a checkpoint, the first
    ``agg_trade_id``. ``until`` (exchange time: µs, a datetime — naive is UTC —, a date or ISO text) and
    ``until_id`` end the iteration cleanly. ``stall_timeout``: a connection silent this long is replaced.
    ``max_reconnect_attempts``: give up (raising, checkpoint saved) after this many failed connection attempts
    in a row; by default the run retries without end.
    ``ws_url``/``rest_url``: other bases (mirrors, tests). The bar settings are those of :func:`bars`.

    Ending early — ``break`` (the generator closes), an exception in the loop, or Ctrl-C — stops the run with
    its checkpoint saved; Ctrl-C raises ``KeyboardInterrupt`` once the run has stopped (after yielding the
    bars that had already closed, if any). An exception in the loop body closes the generator when Python
    collects it: ``with contextlib.closing(bs.live(…)) as batches:`` stops the run at once. Exchange gaps are
    reported as :class:`BarsmithWarning`.

    ``on_bars``: the callback form — ``on_bars(batch)`` for every batch, returning when the run ends (run it in
    a thread for an event loop: ``await asyncio.to_thread(bs.live, …, on_bars=queue_put)``); returning
    ``False`` from the callback stops the run (checkpoint saved).
    """
    if output not in LIVE_OUTPUTS:
        raise ValueError(f"output: expected one of {', '.join(LIVE_OUTPUTS)}, got {output!r}")
    if market not in MARKETS:
        raise ValueError(f"market: expected one of {', '.join(MARKETS)}, got {market!r}")
    names = [symbols] if isinstance(symbols, str) else list(symbols)
    if not names:
        raise ValueError("symbols: give at least one symbol")
    options: Dict[str, Any] = {
        "symbols": names,
        "market": market,
        "ws_url": ws_url,
        "rest_url": rest_url,
        "checkpoint_in": None if checkpoint_in is None else os.fspath(checkpoint_in),
        "checkpoint_out": None if checkpoint_out is None else os.fspath(checkpoint_out),
        "checkpoint_every": _seconds("checkpoint_every", checkpoint_every),
        "stall_timeout": _seconds("stall_timeout", stall_timeout),
        "from_id": from_id,
        "until_us": _micros(until),
        "until_id": until_id,
        "max_reconnect_attempts": max_reconnect_attempts,
    }
    run = _barsmith.LiveIter(_settings(threshold_dbps, settings), options)
    batches = _iterate(run, output)
    if on_bars is None:
        return batches
    try:
        for batch in batches:
            if on_bars(batch) is False:
                break
    finally:
        batches.close()
    return None
