"""Plain bars from in-memory polars frames, in M trades/s (CPU and wall), for the package in PACKAGE_DIR.

Usage: python tools/bench/frame_lent.py PACKAGE_DIR TRADES REPEATS (PACKAGE_DIR holds barsmith/; run it for two
builds alternately to compare them, docs/PERFORMANCE.md).
"""
import os
import statistics
import sys
import time

import polars as pl
import pyarrow as pa

pkg, trades, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, pkg)
import barsmith as bs
assert bs.__file__.startswith(pkg), bs.__file__
generated = pa.table(bs.generate_trades(trades, seed=3))
frames = {
    "float64": pl.from_arrow(generated).with_columns(pl.col("price", "quantity").cast(pl.Float64)),
    "decimal": pl.from_arrow(generated),
}
for name, frame in frames.items():
    run = lambda: bs.bars(frame, threshold_dbps=250, features="none", output="arrow")
    run()
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - w); cpus.append(time.process_time() - c)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"{pkg} {name:8s} wall {wall*1e3:7.1f} ms cpu {cpu*1e3:7.1f} ms  "
          f"{trades/wall/1e6:6.1f} M/s wall {trades/cpu/1e6:6.1f} M/s cpu  load {os.getloadavg()[0]:.1f}")
