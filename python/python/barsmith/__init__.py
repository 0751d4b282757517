"""barsmith: exact range bars with microstructure features from Binance aggTrades.

>>> import barsmith as bs
>>> t = bs.bars("fixtures/SYNTHUSDT-aggTrades-2026-01-01.csv", threshold_dbps=10)   # doctest: +SKIP
>>> t.column_names[:4]                                                              # doctest: +SKIP
['open_time', 'close_time', 'open', 'high']

* :func:`bars` — bars from files, directories or glob patterns (``.csv``, ``.csv.zst``, ``.zip``, exactly as
  the ``barsmith`` command takes them) or from any Arrow object (polars, pandas, pyarrow, DuckDB) with
  Binance's column names; the output is a pyarrow table, a polars or pandas frame, or an :class:`ArrowTable`.
* :func:`get_bars` — bars of a symbol and date range straight from Binance Vision: the archives are fetched
  into a local cache (``~/.cache/barsmith``), verified against their checksums, and read from there next time.
* :func:`live` — closed bars from Binance's live aggTrade streams, continuing a historical run exactly
  (``for batch in bs.live("BTCUSDT", threshold_dbps=250, checkpoint_in=…, checkpoint_out=…)``).
* :class:`BarBuilder` — the streaming builder: push trades in batches of any size, get the completed bars,
  save and resume its state as bytes.
* :mod:`barsmith.kernels` — permutation entropy, DFA, R/S Hurst and Kyle lambda on numpy arrays.
* :func:`cpu` — the SIMD backends compiled in, available on this CPU, and the automatic choice.
* :mod:`barsmith.errors` — :class:`InputError` (``.path``, ``.line``, ``.column``, ``.row``, ``.text``),
  :class:`CheckpointError`, :class:`OutputError`, :class:`FetchError`, :class:`ChecksumError` (``.expected``,
  ``.actual``, ``.path``).

The output columns, types and units are those of the Parquet output (``docs/OUTPUT.md``): exact
``Decimal128`` prices, volumes and turnovers with ``*_f64`` float companions, UTC microsecond timestamps,
then the feature columns. The GIL is released while Rust works and Ctrl-C stops a run between batches.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _barsmith, errors, kernels
from ._barsmith import ArrowTable, __version__
from ._options import DEFAULTS as SETTINGS
from ._options import backend as _backend
from ._options import paths as _paths
from ._options import settings as _settings
from ._options import takes_settings as _takes_settings
from ._options import BarSpecs
from ._options import result_keys as _result_keys
from ._live import live
from ._remote import fetch_archives, get_bars
from .errors import (BarsmithError, BarsmithWarning, CheckpointError, ChecksumError, FetchError, IdGapWarning,
                     InputError, OutputError)

__all__ = [
    "ArrowTable",
    "BarBuilder",
    "BarsmithError",
    "BarsmithWarning",
    "CheckpointError",
    "ChecksumError",
    "FetchError",
    "IdGapWarning",
    "InputError",
    "OutputError",
    "SETTINGS",
    "__version__",
    "bars",
    "cpu",
    "errors",
    "fetch_archives",
    "generate_trades",
    "get_bars",
    "kernels",
    "live",
]

#: The feature groups, all on by default.
FEATURE_GROUPS = ("bar", "intra", "lookback")
assert tuple(SETTINGS["features"]) == FEATURE_GROUPS
#: The output kinds: a pyarrow Table, a polars DataFrame, a pandas DataFrame, or an :class:`ArrowTable`.
OUTPUTS = ("pyarrow", "polars", "pandas", "arrow")

PathLike = Union[str, "os.PathLike[str]"]
Thresholds = Union[int, Sequence[int]]


def _convert(table: ArrowTable, output: str) -> Any:
    if output == "arrow":
        return table
    if output == "pyarrow":
        import pyarrow as pa

        return pa.table(table)
    if output == "polars":
        import polars as pl

        return pl.DataFrame(table)
    if output == "pandas":
        import pyarrow as pa

        return pa.table(table).to_pandas()
    raise ValueError(f"output: expected one of {', '.join(OUTPUTS)}, got {output!r}")


def _shape(tables: List[ArrowTable], keys: Any, output: str) -> Any:
    """One table for one key (an int threshold or a specification's text); a dict {key: table} for a list."""
    if isinstance(keys, (int, str)):
        return _convert(tables[0], output)
    return {key: _convert(t, output) for key, t in zip(keys, tables)}


def _is_arrow(source: Any) -> bool:
    return hasattr(source, "__arrow_c_stream__") or hasattr(source, "__arrow_c_array__")


def _arrow_source(source: Any) -> Any:
    """``source`` if it speaks the Arrow PyCapsule interface; a pandas frame through pyarrow, a polars LazyFrame
    collected, otherwise."""
    if _is_arrow(source):
        return source
    module = type(source).__module__ or ""
    if module.startswith("polars") and type(source).__name__ == "LazyFrame":
        return source.collect()
    if module.startswith("pandas"):
        import pyarrow as pa

        return pa.Table.from_pandas(source, preserve_index=False)
    raise TypeError(
        "expected a path, a list of paths, or an Arrow object (pyarrow, polars, pandas, DuckDB) with the trades, "
        f"got {type(source).__name__}"
    )


@_takes_settings()
def bars(
    source: Any,
    threshold_dbps: Optional[Thresholds] = None,
    *,
    bars: Optional[BarSpecs] = None,
    output: str = "pyarrow",
    symbol: Optional[str] = None,
    by_symbol: bool = False,
    strict: bool = False,
    **settings: Any,
) -> Any:
    """Range bars with features, from files or from an Arrow object.

    ``source``: a path, a directory (its Binance aggTrades files), a glob pattern, or a list of them — exactly as
    the ``barsmith bars`` command takes them (``.csv``, ``.csv.zst``, ``.zip``; one symbol's files form one
    stream in date order); or any object with the Arrow PyCapsule interface (a polars or pandas frame, a
    pyarrow table or record batch reader, a DuckDB relation) with Binance's column names (``agg_trade_id,
    price, quantity, first_trade_id, last_trade_id, transact_time, is_buyer_maker`` or ``a, p, q, f, l, T,
    m``), in stream order. Prices and quantities may be text or decimals (exact) or floats (converted exactly;
    a float that is no decimal with at most 8 places is refused); integer times below 10^13 are
    milliseconds, others microseconds.

    ``threshold_dbps``: the bar width in decimal basis points (250 = 0.25 %), or a list of them built in one
    pass. An int gives one table; a list gives ``{dbps: table}``. ``bars``: other bar specifications built in
    the same pass (docs/BARS.md): ``"tick:1000"``, ``"volume:50.5"``, ``"dollar:1e7"``, ``"time:5m"``,
    ``"tick-imbalance:ewma"``, ``"volume-run:100"``, ``"range:250"``…; one text alone gives one table, a list
    (or with ``threshold_dbps``) gives ``{key: table}`` keyed by dbps and by the canonical specification
    (``"dollar:10000000"``). ``min_duration``: range bars close only once they have lasted this long
    (``"2s"``). With ``by_symbol=True`` the result is ``{symbol: …}`` (inputs holding several symbols need it).

    The settings are those of the ``barsmith bars`` command, with its defaults (:data:`barsmith.SETTINGS`):
    ``features``: any of ``"bar"``, ``"intra"``, ``"lookback"`` (a list or a comma-separated string), or
    ``"none"``; ``lookback``: ``"count:N"``, ``"time:30s"`` or ``"bars:K"``; ``pe``/``hurst``: compute
    permutation entropy / the Hurst exponents; ``pe_order``: 2..7; ``pe_min_records``/``hurst_min_records``:
    the fewest records a window needs for them (null below); ``max_window_records``: the most records one
    window may hold (a longer one gets null window features and a warning); ``gate``: the same-timestamp
    gate; ``include_incomplete``: add the forming bar at the end and an ``is_complete`` column.

    ``output``: ``"pyarrow"`` (a ``pyarrow.Table``), ``"polars"``, ``"pandas"``, or ``"arrow"`` (an
    :class:`ArrowTable`, read by anything that takes Arrow PyCapsules, without a copy). ``backend``: the SIMD
    kernels (``"scalar"``, ``"avx2"``, ``"avx512"``, ``"neon"``, ``"pulp"``, ``"wide"``, ``"auto"``); default
    ``BARSMITH_BACKEND``, else automatic. ``symbol``: the symbol of files whose names are not Binance names
    (all inputs then form one stream, in the order given), or of an Arrow input. ``sort``/``dedupe``: as the
    command's ``--sort``/``--dedupe``, on files and frames alike (a frame is sorted by ``transact_time,
    agg_trade_id`` keeping its order of equal keys; exact duplicates next to each other are dropped and
    counted in ``barsmith.dropped_duplicates``). ``threads``: as the command's ``--threads`` (default: all
    cores): symbols in parallel, and a symbol's files cut into shards joined exactly when there are more
    threads than symbols. ``sharding``: as the command's ``--sharding`` (``"auto"``: shards parsed in
    parallel, the bar boundaries found first, the features between them in parallel; ``"probe"``: speculative
    shards when a probe of the first file measures that they pay, else one pass; ``"always"``).

    Gaps in ``agg_trade_id`` between files are reported as the command reports them: an
    :class:`IdGapWarning` (``warnings``), or with ``strict=True`` an :class:`InputError` (``kind="id_gaps"``).
    The tables' schema metadata holds the keys of the command's Parquet files (``barsmith.*``: the settings,
    the inputs, and ``id_gaps``, ``missing_ids``, ``dropped_duplicates``).

    Raises :class:`InputError` for bad records (with ``.path``, ``.line``, ``.column`` or ``.row``),
    ``ValueError`` for bad arguments.

    >>> import barsmith as bs, pyarrow as pa
    >>> trades = bs.generate_trades(20_000, seed=7)
    >>> t = bs.bars(trades, threshold_dbps=10, features="none")
    >>> t.num_rows > 0, t.schema.field("close").type
    (True, Decimal128Type(decimal128(38, 8)))
    """
    if output not in OUTPUTS:
        raise ValueError(f"output: expected one of {', '.join(OUTPUTS)}, got {output!r}")
    paths = _paths(source)
    checked = _settings(threshold_dbps, settings, bars)
    keys = _result_keys(threshold_dbps, bars, checked)
    if paths is None:
        tables, found = _barsmith.bars_from_arrow(checked, _arrow_source(source), symbol or "")
        _report(found, strict)
        result = _shape(tables, keys, output)
        return {symbol or "": result} if by_symbol else result
    streams, found = _barsmith.bars_from_paths(checked, paths, {"symbol": symbol})
    if not by_symbol and len(streams) != 1:
        names = ", ".join(name for name, _ in streams)
        raise ValueError(f"the inputs hold {len(streams)} symbols ({names}): pass by_symbol=True for a dict per symbol")
    _report(found, strict)
    if by_symbol:
        return {name: _shape(tables, keys, output) for name, tables in streams}
    return _shape(streams[0][1], keys, output)


def _report(found: List[Tuple[str, str]], strict: bool) -> None:
    """The run's warnings (``(kind, message)``) as Python warnings, attributed to the caller of ``bars`` (through
    the settings wrapper); with ``strict``, id gaps raise."""
    if strict:
        for kind, message in found:
            if kind == "id_gaps":
                raise InputError(message + " (strict=True refuses them)", kind="id_gaps")
    for kind, message in found:
        warnings.warn(IdGapWarning(message) if kind == "id_gaps" else BarsmithWarning(message), stacklevel=4)


class BarBuilder:
    """The streaming builder: push trades in batches of any size; each push returns the bars it completed.

    Trades are Arrow objects as for :func:`bars` (polars, pandas, pyarrow…), pushed in stream order; the
    order check and row numbers in errors continue across pushes. A push that fails leaves the builder as it
    was. :meth:`checkpoint` gives the complete state as bytes; :meth:`from_checkpoint` continues from them
    exactly (the bars equal those of one pass over the whole stream).

    >>> import barsmith as bs, pyarrow as pa
    >>> trades = pa.table(bs.generate_trades(30_000, seed=3))
    >>> b = bs.BarBuilder(threshold_dbps=10, features="bar")
    >>> first = b.push(trades.slice(0, 10_000))
    >>> saved = b.checkpoint()
    >>> rest = bs.BarBuilder.from_checkpoint(saved).push(trades.slice(10_000))
    >>> first.num_rows + rest.num_rows == bs.bars(trades, threshold_dbps=10, features="bar").num_rows
    True
    """

    @_takes_settings(exclude=("sort", "dedupe", "threads", "identity_columns", "sharding"))
    def __init__(
        self,
        threshold_dbps: Optional[Thresholds] = None,
        *,
        bars: Optional[BarSpecs] = None,
        output: str = "pyarrow",
        symbol: str = "",
        **settings: Any,
    ) -> None:
        if output not in OUTPUTS:
            raise ValueError(f"output: expected one of {', '.join(OUTPUTS)}, got {output!r}")
        checked = _settings(threshold_dbps, settings, bars)
        self._builder = _barsmith.Builder(checked, symbol)
        self._thresholds: Any = _result_keys(threshold_dbps, bars, checked)
        self._output = output

    @classmethod
    def from_checkpoint(
        cls,
        data: Union[bytes, str],
        *,
        output: str = "pyarrow",
        backend: Optional[str] = None,
        symbol: Optional[str] = None,
        include_incomplete: bool = False,
    ) -> "BarBuilder":
        """A builder that continues exactly where the one that wrote ``data`` stopped.

        ``data``: a checkpoint as bytes or text: what :meth:`checkpoint` returned, or the file
        ``barsmith bars --checkpoint-out`` wrote (one format: a CLI daily chain continues here, and
        :meth:`checkpoint` continues with ``--checkpoint-in``). ``symbol`` chooses the symbol of a file that
        holds several. The settings come from the checkpoint; ``backend`` chooses the kernels (results agree
        across backends to rounding). One threshold gives tables, several give ``{dbps: table}`` dicts.
        ``include_incomplete``: as for a new builder (the checkpoint does not record it).
        """
        if output not in OUTPUTS:
            raise ValueError(f"output: expected one of {', '.join(OUTPUTS)}, got {output!r}")
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self = cls.__new__(cls)
        self._builder = _barsmith.Builder.from_checkpoint(raw, _backend(backend), symbol, include_incomplete)
        built = self._builder.settings
        keys: List[Any] = built.thresholds if len(built.thresholds) == len(built.bars) else built.bars
        self._thresholds = keys[0] if len(keys) == 1 else keys
        self._output = output
        return self

    def push(self, trades: Any) -> Any:
        """Adds trades (an Arrow object with Binance's column names) and returns the bars they completed."""
        return _shape(self._builder.push(_arrow_source(trades)), self._thresholds, self._output)

    def incomplete(self) -> Any:
        """The bar still forming (a table of 0 or 1 row per threshold); the builder is unchanged. With
        ``include_incomplete=True`` it has ``is_complete`` (false) and :meth:`push`'s tables have it (true), so
        that done and forming bars concatenate as ``bars(include_incomplete=True)`` gives them."""
        return _shape(self._builder.incomplete(), self._thresholds, self._output)

    def checkpoint(self) -> bytes:
        """The complete state as bytes: the checkpoint file of ``barsmith bars --checkpoint-out`` (JSON), for
        :meth:`from_checkpoint` or, saved to a file, for ``barsmith bars --checkpoint-in``."""
        return bytes(self._builder.checkpoint())

    @property
    def rows(self) -> int:
        """Trades pushed so far."""
        return int(self._builder.rows)

    @property
    def thresholds(self) -> List[int]:
        """The thresholds in decimal basis points."""
        return list(self._builder.settings.thresholds)

    @property
    def backend(self) -> str:
        """The kernels backend computing the features."""
        return str(self._builder.settings.backend)

    def __repr__(self) -> str:
        return f"BarBuilder(threshold_dbps={self._thresholds!r}, rows={self.rows}, backend={self.backend!r})"

    def __reduce__(self) -> Tuple[Any, Tuple[bytes, str, bool]]:
        """Pickles through :meth:`checkpoint` (multiprocessing, joblib, Dask): the copy continues exactly where
        this builder is, with the kernels a builder gets where it is unpickled (``BARSMITH_BACKEND``, else the
        best of that CPU; results agree across backends to rounding)."""
        complete = self._builder.settings.values()["include_incomplete"] == "true"
        return (_builder_from_pickle, (self.checkpoint(), self._output, complete))


def _builder_from_pickle(data: bytes, output: str, include_incomplete: bool = False) -> BarBuilder:
    return BarBuilder.from_checkpoint(data, output=output, include_incomplete=include_incomplete)


def cpu() -> Dict[str, Any]:
    """What this build and this CPU offer.

    ``arch``; ``compiled`` and ``available`` backends; the CPU ``features`` the backends need; ``automatic``
    (the best available); ``selected``: what a call without ``backend=`` uses (``BARSMITH_BACKEND``, else
    automatic), or the error that choice raises.

    >>> import barsmith as bs
    >>> "scalar" in bs.cpu()["available"]
    True
    """
    report: Dict[str, Any] = dict(_barsmith.cpu())
    choice = _backend(None)
    if choice is None or choice == "auto":
        report["selected"] = report["automatic"]
    elif choice in report["available"]:
        report["selected"] = choice
    else:
        report["selected"] = f"error: BARSMITH_BACKEND={choice!r} is not available here"
    return report


def generate_trades(trades: int, seed: int = 42) -> ArrowTable:
    """Deterministic synthetic aggTrades (``barsmith gen``'s model) as an Arrow table with Binance's spot
    column names: exact ``Decimal128(38, 8)`` prices and quantities, microsecond ``transact_time``.

    >>> import barsmith as bs, pyarrow as pa
    >>> pa.table(bs.generate_trades(3)).column_names[:3]
    ['agg_trade_id', 'price', 'quantity']
    """
    return _barsmith.generate_trades(int(trades), int(seed))
