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

Every figure is a median over the repeats, in wall time and in CPU time (this process's threads; the CLI's via
RUSAGE_CHILDREN): on a shared machine the wall time of a compute-bound run is inflated by the load, the CPU
time much less. The load average is printed before each section.
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
    """Median CPU time of `run` (all threads of this process)."""
    return median_times(run, repeats)[1]


def median_times(run, repeats: int):
    """Median wall and CPU time of `run` (CPU: all threads of this process)."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


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
    command = [str(cli), "bars", "--quiet", "--threads", "1", "--threshold-dbps", "250", str(source), "-o", str(out)]
    bs.bars(source, threshold_dbps=250, threads=1)  # warm-up: page cache, lazy imports
    subprocess.run(command, check=True)
    cli_wall, cli_cpu, py_wall, py_cpu = [], [], [], []
    for _ in range(repeats):  # alternate, so both see the same machine load
        wall, cpu = time.perf_counter(), children_cpu()
        subprocess.run(command, check=True)
        cli_wall.append(time.perf_counter() - wall)
        cli_cpu.append(children_cpu() - cpu)
        wall, cpu = time.perf_counter(), time.process_time()
        table = bs.bars(source, threshold_dbps=250, threads=1)
        py_wall.append(time.perf_counter() - wall)
        py_cpu.append(time.process_time() - cpu)
    med = statistics.median
    print(f"1. {trades:,} trades from {source.name}, all features, 250 dbps ({table.num_rows} bars), "
          f"median of {repeats} alternating runs ({load()}):")
    print(f"   {'':34s} {'wall':>9s} {'CPU':>9s}")
    print(f"   {'CLI  barsmith bars -o FILE.csv':34s} {med(cli_wall) * 1e3:7.1f}ms {med(cli_cpu) * 1e3:7.1f}ms")
    print(f"   {'Python bs.bars(path)':34s} {med(py_wall) * 1e3:7.1f}ms {med(py_cpu) * 1e3:7.1f}ms")
    print(f"   Python / CLI: wall {med(py_wall) / med(cli_wall):.3f}, CPU {med(py_cpu) / med(cli_cpu):.3f}")


def bench_frame(trades: int, repeats: int) -> None:
    generated = pa.table(bs.generate_trades(trades, seed=3))
    frames = {
        "float64 prices": pl.from_arrow(generated).with_columns(pl.col("price", "quantity").cast(pl.Float64)),
        "decimal prices": pl.from_arrow(generated),
        "int64 ms times, float64 prices": pl.from_arrow(generated).with_columns(
            pl.col("price", "quantity").cast(pl.Float64), (pl.col("transact_time") // 1000)),
    }
    print(f"2. plain bars (features='none', 250 dbps) from an in-memory polars frame of {trades:,} trades, "
          f"median of {repeats} after one warm-up call (polars prepares its Arrow export on the first; {load()}):")
    print(f"   {'':32s} {'wall':>9s} {'CPU':>9s} {'M trades/s wall':>16s} {'CPU':>6s}")
    strings = pl.from_arrow(generated.slice(0, trades // 10)).with_columns(pl.col("price", "quantity").cast(pl.Utf8))
    frames["text prices (1/10 of the rows)"] = strings
    for name, frame in frames.items():
        rows = frame.height

        def run():
            bs.bars(frame, threshold_dbps=250, features="none", output="arrow")

        run()
        wall, cpu = median_times(run, repeats)
        print(f"   {name:32s} {wall * 1e3:7.1f}ms {cpu * 1e3:7.1f}ms {rows / wall / 1e6:16.1f} {rows / cpu / 1e6:6.1f}")


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
    print(f"3. kernels at n = 500 ({backend}), best of {repeats} rounds, CPU ns per call ({load()}):")
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
    print(f"barsmith {bs.__version__}, backend {bs.cpu()['selected']}, {os.cpu_count()} CPUs")
    bench_paths(args.cli, args.trades, args.repeats)
    bench_frame(args.frame_trades, args.repeats)
    bench_kernels(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
