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

Needs ``dask[distributed]``: ``pip install 'barsmith[dask]'``.
"""

from __future__ import annotations

import operator
import os
import uuid
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _barsmith, _options

if TYPE_CHECKING:
    from ._barsmith import _PlanOptions

__all__ = ["bars"]


def __dir__() -> List[str]:
    """What the module offers (``bars``), not the names it imports (PEP 562)."""
    return list(__all__)


PathLike = Union[str, "os.PathLike[str]"]
#: What a task needs to rebuild the settings: the thresholds and every setting as text.
Args = Tuple[List[int], Dict[str, str]]


@_options.takes_settings(exclude=("threads", "sharding"))
def bars(
    source: Union[PathLike, Sequence[PathLike]],
    threshold_dbps: Union[int, Sequence[int]],
    *,
    client: Any,
    symbol: Optional[str] = None,
    by_symbol: bool = False,
    shards: Optional[int] = None,
    min_shard_bytes: int = 16 << 20,
    output_dir: Optional[PathLike] = None,
    retries: int = 2,
    **settings: Any,
) -> Any:
    """Range bars with features from files, computed on the Dask cluster of ``client``.

    ``source``, ``threshold_dbps`` and the settings are those of :func:`barsmith.bars` (files only; no
    ``threads``: the cluster's workers are the threads), and so is the result: pyarrow tables equal to
    ``barsmith.bars(source, threshold_dbps, ...)``, schema metadata included — one table for an int threshold,
    ``{dbps: table}`` for a list, ``{symbol: ...}`` with ``by_symbol=True``. The kernels backend is chosen here
    and used by every worker (which must offer it).

    ``shards``: shards per symbol (default: one per file; plain CSV files are cut at line ends into ranges of at
    least ``min_shard_bytes`` when there are fewer files). ``retries``: how often Dask runs a failed task again.

    ``output_dir``: the workers write each shard's bars as Parquet there, named as ``barsmith bars`` names its
    outputs, ``{symbol}-{dbps}dbps-{period}.parquet`` with the period of the shard's file (and ``-{k}`` after it
    when one file is cut into several shards); the result holds, in place of each table, the list of its files in
    stream order, and reading them in that order and concatenating gives the table. The files appear when the
    whole run succeeded, and the files of an earlier run of the same symbol and threshold that this run did not
    write again are removed: the directory holds one dataset per (symbol, threshold), never a mix of two runs.

    Raises what :func:`barsmith.bars` raises (:class:`barsmith.InputError` for a bad record, …).
    """
    if not (callable(getattr(client, "submit", None)) and callable(getattr(client, "gather", None))):
        raise TypeError(
            f"client: expected a dask.distributed Client, got {type(client).__name__}; e.g. "
            "client = distributed.Client(distributed.LocalCluster()) (install with pip install 'barsmith[dask]'), "
            "or barsmith.bars(...) to run here without Dask"
        )
    thresholds = _options.threshold_list(threshold_dbps)
    # Checked here, and the backend fixed here: every worker computes with the same kernels.
    checked = _options.settings(threshold_dbps, settings)
    args: Args = (thresholds, dict(checked.values()))
    paths = _options.paths(source)
    if paths is None:
        raise TypeError(f"expected a path or a list of paths, got {type(source).__name__}")
    if shards is not None and shards < 1:
        raise ValueError(f"shards: expected at least 1, got {shards}")
    options: _PlanOptions = {"symbol": symbol, "shards": shards, "min_range_bytes": min_shard_bytes}
    streams = _barsmith.dask_plan(checked, paths, options)
    if not by_symbol and len(streams) != 1:
        names = ", ".join(stream[0] for stream in streams)
        raise ValueError(f"the inputs hold {len(streams)} symbols ({names}): pass by_symbol=True for a dict per symbol")
    out = None if output_dir is None else os.fspath(output_dir)
    if out is not None:
        os.makedirs(out, exist_ok=True)
    run = uuid.uuid4().hex[:12]
    try:
        submitted = [_submit(client, args, stream, run, n, out, retries) for n, stream in enumerate(streams)]
        results = client.gather([futures for _, futures in submitted])
    except BaseException:
        if out is not None:
            _discard(out, run)
        raise
    per_symbol = {}
    for (name, _), pieces in zip(submitted, results):
        per_symbol[name] = [_combine([shard[i] for shard in pieces]) for i in range(len(thresholds))]
    if out is not None:
        per_symbol = _publish(out, per_symbol, thresholds)
    single = isinstance(_options.normalized_thresholds(threshold_dbps), int)
    shaped = {name: tables[0] if single else dict(zip(thresholds, tables)) for name, tables in per_symbol.items()}
    return shaped if by_symbol else next(iter(shaped.values()))


def _submit(
    client: Any, args: Args, stream: Tuple[str, List[str], List[bytes], List[str]], run: str, number: int,
    out: Optional[str], retries: int,
) -> Tuple[str, List[Any]]:
    """Submits one symbol's tasks: a speculation per shard, the chain of joins, and per shard the task that
    puts its bars together once the chain has ended (the tables' metadata holds what the whole stream found).
    Returns the symbol and the per-shard futures."""
    name, files, tasks, names = stream
    files = [os.fspath(f) for f in files]
    prefix = f"{run}-{number}"
    state = None
    chain = []
    for i, task in enumerate(tasks):
        spec = client.submit(_speculate, args, task, key=f"barsmith-speculate-{prefix}-{i}", retries=retries)
        speculation = client.submit(operator.getitem, spec, 0, key=f"barsmith-speculation-{prefix}-{i}")
        joined = client.submit(
            _join, args, task, state, speculation, key=f"barsmith-join-{prefix}-{i}", retries=retries
        )
        state = client.submit(operator.getitem, joined, 0, key=f"barsmith-state-{prefix}-{i}")
        chain.append((spec, joined))
    outputs = []
    for i, (spec, joined) in enumerate(chain):
        last = i == len(chain) - 1
        paths = None if out is None else [_paths(out, names[i].format(dbps), run) for dbps in args[0]]
        outputs.append(
            client.submit(
                _assemble, args, spec, joined, state, (name, files), last, paths,
                key=f"barsmith-assemble-{prefix}-{i}", retries=retries,
            )
        )
    return name, outputs


def _paths(out: str, stem: str, run: str) -> Tuple[str, str]:
    """(where a worker writes, where the file goes when the run succeeded)."""
    final = os.path.join(out, f"{stem}.parquet")
    return os.path.join(out, f".{stem}.parquet.{run}.tmp"), final


def _table(table: Any) -> Any:
    import pyarrow as pa

    return pa.table(table)


def _speculate(args: Args, task: bytes) -> Tuple[bytes, List[Any]]:
    """Task: one shard from a fresh state -> (speculation bytes, speculative bars per threshold)."""
    speculation, tables = _barsmith.dask_speculate(_barsmith.Settings(*args), task)
    return bytes(speculation), [_table(t) for t in tables]


def _join(
    args: Args, task: bytes, previous: Optional[bytes], speculation: bytes
) -> Tuple[bytes, List[Any], List[Optional[int]], List[int]]:
    """Task: the shard joined to the state after the one before it -> (state, replayed bars, first kept
    speculative bar, records replayed), per threshold."""
    state, tables, kept_from, replayed = _barsmith.dask_join(_barsmith.Settings(*args), task, previous, speculation)
    return bytes(state), [_table(t) for t in tables], list(kept_from), list(replayed)


def _assemble(
    args: Args, spec: Tuple[bytes, List[Any]], joined: Tuple[bytes, List[Any], List[Optional[int]], List[int]],
    final: bytes, stream: Tuple[str, List[str]], last: bool, paths: Optional[List[Tuple[str, str]]],
) -> List[Any]:
    """Task: a shard's exact bars per threshold (the replay's, then the speculative ones kept, then for the last
    shard the incomplete bar) as tables with the stream's schema and metadata (``final``: the state after the
    stream's last shard); written to the temporary ``paths`` when given."""
    import pyarrow as pa

    _, replay, kept_from, _ = joined
    settings = _barsmith.Settings(*args)
    finish = _barsmith.dask_finish(settings, final, stream[0], stream[1], last)
    result = []
    for i, end in enumerate(_table(t) for t in finish):
        pieces = [replay[i]]
        if kept_from[i] is not None:
            pieces.append(spec[1][i].slice(kept_from[i]))
        pieces.append(end)
        table = pa.concat_tables([p.replace_schema_metadata(end.schema.metadata) for p in pieces])
        if paths is None:
            result.append(table)
        else:
            import pyarrow.parquet as pq

            pq.write_table(table, paths[i][0])
            result.append(paths[i])
    return result


def _combine(pieces: List[Any]) -> Any:
    """One (symbol, threshold): the shards' tables concatenated, or their files' (temporary, final) paths."""
    if pieces and isinstance(pieces[0], tuple):
        return list(pieces)
    import pyarrow as pa

    return pa.concat_tables(pieces)


def _publish(out: str, per_symbol: Dict[str, List[Any]], thresholds: List[int]) -> Dict[str, List[List[str]]]:
    """Moves every file of the run into place, then removes the files of the same (symbol, threshold) datasets
    that this run did not write (an earlier run's). Returns the final paths."""
    published: Dict[str, List[List[str]]] = {}
    kept = set()
    for name, tables in per_symbol.items():
        published[name] = []
        for files in tables:
            for temporary, final in files:
                os.replace(temporary, final)
                kept.add(os.path.basename(final))
            published[name].append([final for _, final in files])
    prefixes = tuple(f"{name or 'bars'}-{dbps}dbps-" for name in per_symbol for dbps in thresholds)
    for entry in os.listdir(out):
        if entry.startswith(prefixes) and entry.endswith(".parquet") and entry not in kept:
            os.remove(os.path.join(out, entry))
    return published


def _discard(out: str, run: str) -> None:
    """Removes the temporary files of a failed run (best effort)."""
    suffix = f".{run}.tmp"
    for entry in os.listdir(out):
        if entry.endswith(suffix):
            try:
                os.remove(os.path.join(out, entry))
            except OSError:
                pass
