"""Benchmarks of the Python package, side by side in one run (docs/PERFORMANCE.md, "Python").

    python python/bench/bench.py [--trades 3000000] [--frame-trades 20000000] [--repeats 5]

Needs the package installed in release (`maturin develop --release` or `pip install ./python`) and the
release CLI (`cargo build --release -p barsmith-cli`). Three comparisons:

1. `bs.bars(path)` against `barsmith bars PATH -o FILE.csv` on the same generated file (all features,
   250 dbps); runs alternate, the median of each is compared (target: Python within 10 % of the CLI).
2. Plain bars (`features="none"`) from an in-memory polars frame, in trades/s, for float, decimal and text
   price columns (target: >= 100 M trades/s).
3. Each kernel at n = 500: a Python call against the same kernel called in a loop inside Rust (target:
   within 1 us, i.e. the FFI overhead).

Times are CPU times (this process's threads; the CLI's via RUSAGE_CHILDREN): on the shared 2-core machine the
wall time of a compute-bound run is inflated by the load, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

import barsmith as bs
from barsmith import _barsmith

ROOT = Path(__file__).resolve().parents[2]


def median_time(run, repeats: int) -> float:
    """Median CPU time of `run` (all threads of this process): wall time means little on a shared machine."""
    times = []
    for _ in range(repeats):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return statistics.median(times)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_paths(cli: Path, trades: int, repeats: int) -> None:
    work = ROOT / "target" / "bench-python"
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"BENCHUSDT-aggTrades-2026-01-0{1}.csv"
    if not source.exists() or source.stat().st_size < trades * 50:
        subprocess.run([str(cli), "gen", "--trades", str(trades), "--seed", "7", "-o", str(source)], check=True)
    out = work / "cli-bars.csv"
    cli_times, py_times = [], []
    for _ in range(repeats):  # alternate, so both see the same machine load
        started = children_cpu()
        subprocess.run([str(cli), "bars", "--quiet", "--threshold-dbps", "250", str(source), "-o", str(out)],
                       check=True)
        cli_times.append(children_cpu() - started)
        started = time.process_time()
        table = bs.bars(source, threshold_dbps=250)
        py_times.append(time.process_time() - started)
    cli_s, py_s = statistics.median(cli_times), statistics.median(py_times)
    print(f"1. {trades:,} trades from {source.name}, all features, 250 dbps ({table.num_rows} bars), "
          f"median CPU time of {repeats}:")
    print(f"   CLI  barsmith bars -o FILE.csv : {cli_s * 1e3:8.1f} ms  {trades / cli_s / 1e6:6.2f} M trades/s")
    print(f"   Python bs.bars(path)           : {py_s * 1e3:8.1f} ms  {trades / py_s / 1e6:6.2f} M trades/s")
    print(f"   Python / CLI CPU time: {py_s / cli_s:.3f}")


def bench_frame(trades: int, repeats: int) -> None:
    generated = pa.table(bs.generate_trades(trades, seed=3))
    frames = {
        "float64 prices": pl.from_arrow(generated).with_columns(pl.col("price", "quantity").cast(pl.Float64)),
        "decimal prices": pl.from_arrow(generated),
        "int64 ms times, float64 prices": pl.from_arrow(generated).with_columns(
            pl.col("price", "quantity").cast(pl.Float64), (pl.col("transact_time") // 1000)),
    }
    print(f"2. plain bars (features='none', 250 dbps) from an in-memory polars frame of {trades:,} trades, "
          f"median CPU time of {repeats}:")
    for name, frame in frames.items():
        seconds = median_time(lambda: bs.bars(frame, threshold_dbps=250, features="none", output="arrow"), repeats)
        print(f"   {name:32s}: {seconds * 1e3:8.1f} ms  {trades / seconds / 1e6:7.1f} M trades/s")
    strings = pl.from_arrow(generated.slice(0, trades // 10)).with_columns(pl.col("price", "quantity").cast(pl.Utf8))
    seconds = median_time(lambda: bs.bars(strings, threshold_dbps=250, features="none", output="arrow"), repeats)
    print(f"   {'text prices (1/10 of the rows)':32s}: {seconds * 1e3:8.1f} ms  "
          f"{strings.height / seconds / 1e6:7.1f} M trades/s")


def bench_kernels(repeats: int) -> None:
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.standard_normal(500))
    q = rng.standard_normal(500)
    calls = {
        "permutation_entropy": (lambda: bs.kernels.permutation_entropy(x, 3, 1), "pe", None),
        "dfa": (lambda: bs.kernels.dfa(x), "dfa", None),
        "hurst_rs": (lambda: bs.kernels.hurst_rs(x), "rs", None),
        "kyle_lambda": (lambda: bs.kernels.kyle_lambda(x, q), "kyle", q),
    }
    backend = bs.cpu()["selected"]
    print(f"3. kernels at n = 500 ({backend}), best of {repeats} rounds, CPU ns per call:")
    print(f"   {'kernel':22s} {'Rust loop':>10s} {'Python call':>12s} {'overhead':>9s}")
    for name, (call, short, second) in calls.items():
        loops = 20_000

        def python_loop():
            for _ in range(loops):
                call()

        python_ns = min(median_time(python_loop, 1) for _ in range(repeats)) / loops * 1e9
        rust_ns = min(median_time(lambda: _barsmith._kernel_ns(short, x, second, loops), 1)
                      for _ in range(repeats)) / loops * 1e9
        print(f"   {name:22s} {rust_ns:10.0f} {python_ns:12.0f} {python_ns - rust_ns:9.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=3_000_000)
    parser.add_argument("--frame-trades", type=int, default=20_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cli", type=Path, default=ROOT / "target" / "release" / "barsmith")
    args = parser.parse_args()
    if not args.cli.is_file():
        print(f"{args.cli} is missing: cargo build --release -p barsmith-cli", file=sys.stderr)
        return 2
    print(f"barsmith {bs.__version__}, backend {bs.cpu()['selected']}, {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f}")
    bench_paths(args.cli, args.trades, args.repeats)
    bench_frame(args.frame_trades, args.repeats)
    bench_kernels(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
