"""The GIL is released while Rust works, Ctrl-C interrupts a long run, and repeated calls do not leak."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time

import pyarrow as pa
import pytest

import barsmith as bs
from conftest import SPOT_FIXTURE


@pytest.fixture(scope="module")
def big_trades() -> pa.Table:
    return pa.table(bs.generate_trades(2_000_000, seed=5))


def test_a_second_thread_runs_while_bars_works(big_trades):
    count = 0
    stop = threading.Event()

    def spin():
        nonlocal count
        while not stop.is_set():
            count += 1

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        time.sleep(0.05)
        started = time.perf_counter()
        before = count
        bs.bars(big_trades, threshold_dbps=[5, 25])
        during = count - before
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        thread.join()
    # With the GIL held for the whole call the spinner would be stuck (a handful of increments at most).
    assert elapsed > 0.1, f"too short to tell: {elapsed:.3f} s"
    assert during > 10_000, f"the other thread advanced {during} times in {elapsed:.3f} s"


def test_ctrl_c_interrupts_between_batches(big_trades):
    if threading.current_thread() is not threading.main_thread():
        pytest.fail("must run on the main thread (signals are delivered there)")
    settings = dict(threshold_dbps=[1, 2, 3, 5, 8, 13], lookback="count:2000")
    # The work stops at the next batch of 16 Ki trades: measure what one batch costs on this (shared) machine.
    started = time.perf_counter()
    bs.bars(big_trades.slice(0, 16_384), **settings)
    batch = time.perf_counter() - started
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    started = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            bs.bars(big_trades, **settings)
    finally:
        timer.cancel()
    stopped = time.perf_counter() - started
    allowed = 0.3 + 0.1 + 3 * batch  # the 50 ms signal check, then the batch in progress (with slack)
    assert stopped < allowed, f"took {stopped:.2f} s to stop after Ctrl-C at 0.3 s (one batch: {batch:.3f} s)"


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_200_calls_leave_rss_flat():
    trades = pa.table(bs.generate_trades(20_000, seed=9))
    for _ in range(20):  # warm-up: allocator pools, lazy imports
        bs.bars(SPOT_FIXTURE, threshold_dbps=10)
        bs.bars(trades, threshold_dbps=[10, 20], output="polars")
    gc.collect()
    before = _rss_bytes()
    for _ in range(200):
        bs.bars(SPOT_FIXTURE, threshold_dbps=10)
        bs.bars(trades, threshold_dbps=[10, 20], output="polars")
        builder = bs.BarBuilder(threshold_dbps=10)
        builder.push(trades)
        bs.BarBuilder.from_checkpoint(builder.checkpoint())
    gc.collect()
    grown = _rss_bytes() - before
    assert grown < 8 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB over 200 calls"
