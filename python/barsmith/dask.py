"""Exact range bars on a Dask cluster: one symbol's history cut into shards that run on many workers.

>>> from dask.distributed import Client                                       # doctest: +SKIP
>>> import barsmith.dask as bsd                                               # doctest: +SKIP
>>> client = Client("tcp://scheduler:8786")                                   # doctest: +SKIP
>>> t = bsd.bars("data/spot/daily/aggTrades/BTCUSDT/", threshold_dbps=250, client=client)  # doctest: +SKIP

Every shard (a day's file, or a byte range of a large CSV file) runs on a worker from a fresh state (the
*speculation*); then, per symbol, a chain of small *join* tasks replays the head of each shard from the true
state after the one before it until the two runs meet (``docs/PARALLEL.md``). The result equals
:func:`barsmith.bars` on the same arguments, table for table. What moves over the network: the shard
descriptions and states (bytes: JSON checkpoints) and the bars (Arrow); never the trades — every worker reads
the files itself, so the paths must name the same files on every worker (shared storage, or the same
``barsmith fetch`` on each machine).

Needs ``dask[distributed]``, which the barsmith package does not install.
"""

from __future__ import annotations

import operator
import os
import uuid
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import barsmith

from . import _barsmith

__all__ = ["bars"]

PathLike = Union[str, "os.PathLike[str]"]


def bars(
    source: Union[PathLike, Sequence[PathLike]],
    threshold_dbps: Union[int, Sequence[int]],
    *,
    client: Any,
    features: Union[str, Iterable[str], None] = barsmith.FEATURE_GROUPS,
    lookback: str = "count:500",
    pe: bool = True,
    hurst: bool = True,
    pe_order: int = 3,
    gate: bool = True,
    include_incomplete: bool = False,
    backend: Optional[str] = None,
    symbol: Optional[str] = None,
    by_symbol: bool = False,
    sort: bool = False,
    dedupe: bool = False,
    shards: Optional[int] = None,
    min_shard_bytes: int = 16 << 20,
    output_dir: Optional[PathLike] = None,
    retries: int = 2,
) -> Any:
    """Range bars with features from files, computed on the Dask cluster of ``client``.

    ``source``, ``threshold_dbps`` and the feature options are those of :func:`barsmith.bars` (files only), and
    so is the result: pyarrow tables equal to ``barsmith.bars(source, threshold_dbps, ...)`` — one table for an
    int threshold, ``{dbps: table}`` for a list, ``{symbol: ...}`` with ``by_symbol=True``. The kernels backend
    is chosen here and used by every worker (which must offer it).

    ``shards``: shards per symbol (default: one per file; plain CSV files are cut at line ends into ranges of at
    least ``min_shard_bytes`` when there are fewer files). ``retries``: how often Dask runs a failed task again.

    ``output_dir``: the workers write each shard's bars as Parquet there (``{symbol}-{dbps}dbps-{shard}.parquet``,
    a directory every worker can write) and the result holds, in place of each table, the list of its files in
    stream order; reading them in that order and concatenating gives the table.

    Raises what :func:`barsmith.bars` raises (:class:`barsmith.InputError` for a bad record, …).
    """
    thresholds = barsmith._threshold_list(threshold_dbps)
    args = {
        "thresholds": thresholds,
        "features": barsmith._feature_list(features),
        "lookback": lookback,
        "pe": bool(pe),
        "hurst": bool(hurst),
        "pe_order": int(pe_order),
        "gate": bool(gate),
        "include_incomplete": bool(include_incomplete),
        "backend": barsmith._backend(backend),
    }
    # Checked here, and the backend fixed here: every worker computes with the same kernels.
    args["backend"] = _barsmith.Settings(args).backend
    paths = barsmith._paths(source)
    if paths is None:
        raise TypeError(f"expected a path or a list of paths, got {type(source).__name__}")
    if shards is not None and shards < 1:
        raise ValueError(f"shards: expected at least 1, got {shards}")
    options = {"symbol": symbol, "sort": sort, "dedupe": dedupe, "shards": shards, "min_range_bytes": min_shard_bytes}
    streams = _barsmith.dask_plan(paths, options)
    if not by_symbol and len(streams) != 1:
        names = ", ".join(name for name, _, _ in streams)
        raise ValueError(f"the inputs hold {len(streams)} symbols ({names}): pass by_symbol=True for a dict per symbol")
    out = None if output_dir is None else os.fspath(output_dir)
    if out is not None:
        os.makedirs(out, exist_ok=True)
    run = uuid.uuid4().hex[:12]
    submitted = [_submit(client, args, stream, run, n, out, retries) for n, stream in enumerate(streams)]
    results = client.gather([futures for _, _, futures in submitted])
    per_symbol = {}
    for (name, schemas, _), pieces in zip(submitted, results):
        per_symbol[name] = [_combine(schema, [shard[i] for shard in pieces], out) for i, schema in enumerate(schemas)]
    shaped = {
        name: tables[0] if isinstance(threshold_dbps, int) else dict(zip(thresholds, tables))
        for name, tables in per_symbol.items()
    }
    return shaped if by_symbol else next(iter(shaped.values()))


def _submit(
    client: Any, args: Dict[str, Any], stream: Tuple[str, List[str], List[bytes]], run: str, number: int,
    out: Optional[str], retries: int,
) -> Tuple[str, List[Any], List[Any]]:
    """Submits one symbol's tasks: a speculation per shard, the chain of joins, and per shard the task that
    puts its bars together. Returns the symbol, its tables' schemas and the per-shard futures."""
    name, files, tasks = stream
    files = [os.fspath(f) for f in files]
    schemas = [_table(t).schema for t in _barsmith.dask_finish(_barsmith.Settings(args), None, name, files)]
    prefix = f"{run}-{number}"
    state = None
    outputs = []
    for i, task in enumerate(tasks):
        last = i == len(tasks) - 1
        spec = client.submit(_speculate, args, task, key=f"barsmith-speculate-{prefix}-{i}", retries=retries)
        speculation = client.submit(operator.getitem, spec, 0, key=f"barsmith-speculation-{prefix}-{i}")
        joined = client.submit(
            _join, args, task, state, speculation, key=f"barsmith-join-{prefix}-{i}", retries=retries
        )
        state = client.submit(operator.getitem, joined, 0, key=f"barsmith-state-{prefix}-{i}")
        finish = (name, files) if last and args["include_incomplete"] else None
        paths = None if out is None else [_shard_path(out, name, dbps, i) for dbps in args["thresholds"]]
        outputs.append(
            client.submit(
                _assemble, args, spec, joined, schemas, finish, paths, key=f"barsmith-assemble-{prefix}-{i}",
                retries=retries,
            )
        )
    return name, schemas, outputs


def _shard_path(out: str, symbol: str, dbps: int, shard: int) -> str:
    return os.path.join(out, f"{symbol or 'bars'}-{dbps}dbps-{shard:05d}.parquet")


def _table(table: Any) -> Any:
    import pyarrow as pa

    return pa.table(table)


def _speculate(args: Dict[str, Any], task: bytes) -> Tuple[bytes, List[Any]]:
    """Task: one shard from a fresh state -> (speculation bytes, speculative bars per threshold)."""
    speculation, tables = _barsmith.dask_speculate(_barsmith.Settings(args), task)
    return bytes(speculation), [_table(t) for t in tables]


def _join(
    args: Dict[str, Any], task: bytes, previous: Optional[bytes], speculation: bytes
) -> Tuple[bytes, List[Any], List[Optional[int]], List[int]]:
    """Task: the shard joined to the state after the one before it -> (state, replayed bars, first kept
    speculative bar, records replayed), per threshold."""
    state, tables, kept_from, replayed = _barsmith.dask_join(_barsmith.Settings(args), task, previous, speculation)
    return bytes(state), [_table(t) for t in tables], list(kept_from), list(replayed)


def _assemble(
    args: Dict[str, Any], spec: Tuple[bytes, List[Any]], joined: Tuple[bytes, List[Any], List[Optional[int]], List[int]],
    schemas: List[Any], finish: Optional[Tuple[str, List[str]]], paths: Optional[List[str]],
) -> List[Any]:
    """Task: a shard's exact bars per threshold (the replay's, then the speculative ones kept, then for the last
    shard the incomplete bar) as tables with the stream's schema; written to ``paths`` when given."""
    import pyarrow as pa

    state, replay, kept_from, _ = joined
    incomplete = None
    if finish is not None:
        tables = _barsmith.dask_finish(_barsmith.Settings(args), state, finish[0], finish[1])
        incomplete = [_table(t) for t in tables]
    result = []
    for i, schema in enumerate(schemas):
        pieces = [replay[i]]
        if kept_from[i] is not None:
            pieces.append(spec[1][i].slice(kept_from[i]))
        if incomplete is not None:
            pieces.append(incomplete[i])
        table = pa.concat_tables([p.replace_schema_metadata(schema.metadata) for p in pieces])
        if paths is None:
            result.append(table)
        else:
            import pyarrow.parquet as pq

            pq.write_table(table, paths[i])
            result.append(paths[i])
    return result


def _combine(schema: Any, pieces: List[Any], out: Optional[str]) -> Any:
    """One (symbol, threshold): the shards' tables concatenated, or their files' paths."""
    if out is not None:
        return list(pieces)
    import pyarrow as pa

    return pa.concat_tables([p.replace_schema_metadata(schema.metadata) for p in pieces])
