"""Measures barsmith.dask against bs.bars on the same generated input, and the per-task costs of the join chain.

    target/python-venv/bin/python tools/dask-measure.py [DAYS] [TRADES_PER_DAY]

Generates DAYS daily files of one symbol with `barsmith gen` (target/dask-measure/), then times bs.bars (one
process, one thread: one symbol) and barsmith.dask.bars on a LocalCluster of 2 worker processes x 1 thread
(127.0.0.1), each best of 3 after a warm-up run, and reads every task's duration from the Dask task stream. Also
times the Rust calls alone (no Dask): a speculation per shard and a join per shard, and the bytes that move.
Prints one JSON object. Thresholds 25 and 100 dbps, all features, lookback count:500.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import barsmith as bs
import barsmith.dask as bsd
from barsmith import _barsmith

ROOT = Path(__file__).resolve().parents[1]
DAY_US = 86_400_000_000
THRESHOLDS = [25, 100]
OPTIONS = dict(features=["bar", "intra", "lookback"], lookback="count:500")


def generate(directory: Path, days: int, trades: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    cli = os.environ.get("BARSMITH_CLI", str(ROOT / "target" / "release" / "barsmith"))
    for day in range(days):
        path = directory / f"SYNTHUSDT-aggTrades-2026-01-{day + 1:02d}.csv"
        if not path.exists():
            subprocess.run([cli, "gen", "--days", "1", "--start-time-us", str(1_767_225_600_000_000 + day * DAY_US),
                            "--trades", str(trades), "--seed", str(day), "--first-agg-trade-id",
                            str(1 + day * 10_000_000), "-o", str(path)], check=True)


def best(fn, runs=3):
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def rust_steps(directory: Path) -> dict:
    args = {"thresholds": THRESHOLDS, "features": OPTIONS["features"], "lookback": OPTIONS["lookback"], "pe": True,
            "hurst": True, "pe_order": 3, "gate": True, "include_incomplete": False, "backend": None}
    settings = _barsmith.Settings(args)
    [(_, _, tasks)] = _barsmith.dask_plan([str(directory)], {"symbol": None, "sort": False, "dedupe": False,
                                                             "shards": None, "min_range_bytes": 16 << 20})
    state, spec_s, join_s, replayed, state_bytes, spec_bytes = None, [], [], [], [], []
    for task in tasks:
        start = time.perf_counter()
        speculation, _ = _barsmith.dask_speculate(settings, task)
        spec_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        state, _, _, rep = _barsmith.dask_join(settings, task, state, speculation)
        join_s.append(time.perf_counter() - start)
        replayed.append(list(rep))
        state_bytes.append(len(state))
        spec_bytes.append(len(speculation))
    return {"speculate_s": spec_s, "join_s": join_s, "replayed_records": replayed, "state_bytes": state_bytes,
            "speculation_bytes": spec_bytes}


def main() -> None:
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    trades = int(sys.argv[2]) if len(sys.argv) > 2 else 250_000
    directory = ROOT / "target" / "dask-measure" / f"{days}x{trades}"
    generate(directory, days, trades)
    from distributed import Client, LocalCluster

    result = {"days": days, "trades_per_day": trades, "thresholds": THRESHOLDS}
    result["bs_bars_s"] = best(lambda: bs.bars(str(directory), threshold_dbps=THRESHOLDS, **OPTIONS))
    result["rust_steps"] = rust_steps(directory)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        result["dask_s"] = best(lambda: bsd.bars(str(directory), threshold_dbps=THRESHOLDS, client=client, **OPTIONS))
        client.get_task_stream()  # clears nothing; the context below records one run
        from distributed import get_task_stream

        with get_task_stream(client) as stream:
            start = time.perf_counter()
            bsd.bars(str(directory), threshold_dbps=THRESHOLDS, client=client, **OPTIONS)
            result["dask_recorded_run_s"] = time.perf_counter() - start
        tasks = {}
        for record in stream.data:
            kind = record["key"].split("-")[1] if isinstance(record["key"], str) else str(record["key"])
            span = [s for s in record["startstops"] if s["action"] == "compute"]
            if span:
                tasks.setdefault(kind, []).append((record["key"], span[0]["start"], span[0]["stop"]))
        result["task_compute_s"] = {k: statistics.median(stop - start for _, start, stop in v) for k, v in tasks.items()}
        joins = sorted(tasks.get("join", []), key=lambda t: int(t[0].rsplit("-", 1)[1]))
        result["join_stop_to_stop_s"] = [b[2] - a[2] for a, b in zip(joins, joins[1:])]
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
