"""get_bars against a Binance Vision mirror on 127.0.0.1: verified downloads, the cache, checksum mismatches,
missing days, failures, Ctrl-C. Nothing reaches another host (the `mirror` fixture clears the proxy variables)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

import barsmith as bs
from conftest import day_csv, without_metadata

SYMBOL = "SYNTHUSDT"
DAYS = ["2024-03-01", "2024-03-02", "2024-03-03"]
TRADES = 4_000


def serve_days(mirror, days=DAYS, tmp_path: Path = None):
    """Serves one archive per day; writes the same CSVs under tmp_path/csv (when given) and returns them."""
    local = []
    for n, day in enumerate(DAYS):
        csv_bytes = day_csv(1 + n * TRADES, day, TRADES, seed=n)
        if day in days:
            mirror.put_archive(SYMBOL, day, csv_bytes)
        if tmp_path is not None:
            path = tmp_path / "csv" / f"{SYMBOL}-aggTrades-{day}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(csv_bytes)
            local.append(path)
    return local


def get(mirror, data_dir, first=DAYS[0], last=DAYS[-1], **options):
    for name, value in dict(threshold_dbps=5, retries=1, retry_wait=0.01, timeout=5).items():
        options.setdefault(name, value)
    return bs.get_bars(SYMBOL, first, last, data_dir=data_dir, base_url=mirror.base_url, proxy=None, **options)


def cached(data_dir: Path, day: str) -> Path:
    return data_dir / "spot" / "daily" / "aggTrades" / SYMBOL / f"{SYMBOL}-aggTrades-{day}.zip"


def test_get_bars_equals_bars_on_the_same_files_and_the_second_call_reads_only_the_cache(mirror, tmp_path):
    local = serve_days(mirror, tmp_path=tmp_path)
    data_dir = tmp_path / "cache"
    table = get(mirror, data_dir, threshold_dbps=[5, 10])
    files = [cached(data_dir, day) for day in DAYS]
    assert all(f.is_file() and Path(f"{f}.CHECKSUM").is_file() for f in files)
    archive_gets = [r for r in mirror.requests if r[0] == "GET" and r[1].endswith(".zip")]
    assert len(archive_gets) == 3
    from_files = bs.bars([str(f) for f in files], threshold_dbps=[5, 10])
    from_csv = bs.bars([str(p) for p in local], threshold_dbps=[5, 10])
    for dbps in (5, 10):
        assert table[dbps].num_rows > 10
        assert table[dbps].equals(from_files[dbps], check_metadata=True)
        assert without_metadata(table[dbps]).equals(without_metadata(from_csv[dbps]))
        assert table[dbps].schema.metadata[b"barsmith.symbol"] == SYMBOL.encode()

    requests = len(mirror.requests)
    again = get(mirror, data_dir, threshold_dbps=[5, 10], output="polars")
    assert len(mirror.requests) == requests, f"the second call made requests: {mirror.requests[requests:]}"
    assert again[5].equals(bs.bars([str(f) for f in files], threshold_dbps=5, output="polars"))


def test_a_wrong_checksum_raises_checksum_error_with_its_fields(mirror, tmp_path):
    serve_days(mirror)
    served = mirror.put_archive(SYMBOL, DAYS[1], day_csv(1 + TRADES, DAYS[1], TRADES, seed=1), wrong_checksum=True)
    data_dir = tmp_path / "cache"
    with pytest.raises(bs.ChecksumError) as raised:
        get(mirror, data_dir)
    error = raised.value
    assert isinstance(error, bs.FetchError) and isinstance(error, OSError) and error.kind == "checksum_mismatch"
    assert error.expected == served.listed and error.actual == served.sha256 != served.listed
    assert error.path == str(cached(data_dir, DAYS[1]))
    assert error.url == mirror.base_url + mirror.remote_path(SYMBOL, DAYS[1])
    assert "SHA-256 mismatch" in str(error) and error.expected in str(error) and error.actual in str(error)
    assert not os.path.exists(error.path) and not os.path.exists(error.path + ".part")
    archive_gets = [r for r in mirror.requests if r == ("GET", mirror.remote_path(SYMBOL, DAYS[1]))]
    assert len(archive_gets) == 2, "downloaded twice before it is reported"


def test_a_missing_day_is_an_error_unless_allowed(mirror, tmp_path):
    local = serve_days(mirror, days=[DAYS[0], DAYS[2]], tmp_path=tmp_path)
    data_dir = tmp_path / "cache"
    with pytest.raises(bs.FetchError) as raised:
        get(mirror, data_dir)
    error = raised.value
    assert type(error) is bs.FetchError and error.kind == "missing"
    assert error.missing == [f"{SYMBOL}-aggTrades-{DAYS[1]}.zip"]
    assert "404" in str(error) and error.missing[0] in str(error)
    # The archives present were fetched and verified all the same.
    assert cached(data_dir, DAYS[0]).is_file() and cached(data_dir, DAYS[2]).is_file()

    table = get(mirror, data_dir, allow_missing=True)
    expected = bs.bars([str(local[0]), str(local[2])], threshold_dbps=5)
    assert without_metadata(table).equals(without_metadata(expected))

    with pytest.raises(bs.FetchError) as raised:
        get(mirror, data_dir, first="2024-02-27", last="2024-02-28", allow_missing=True)
    assert raised.value.kind == "missing" and len(raised.value.missing) == 2


def test_a_refused_archive_is_a_fetch_error_with_the_library_message(mirror, tmp_path):
    serve_days(mirror)
    path = mirror.remote_path(SYMBOL, DAYS[2])
    mirror.fault(path, "status", 403)
    with pytest.raises(bs.FetchError) as raised:
        get(mirror, tmp_path / "cache")
    error = raised.value
    assert type(error) is bs.FetchError and error.kind == "failed"
    assert error.url == mirror.base_url + path and "HTTP 403" in error.reason and str(error) == error.reason


def test_bad_arguments_are_value_errors(mirror, tmp_path):
    for kwargs in (dict(first="2024-02-30"), dict(market="options"), dict(granularity="weekly"),
                   dict(timeout=-1)):
        with pytest.raises(ValueError):
            get(mirror, tmp_path / "cache", **kwargs)
    assert mirror.requests == []


def test_ctrl_c_stops_a_download_and_the_next_call_completes(mirror, tmp_path):
    if threading.current_thread() is not threading.main_thread():
        pytest.fail("must run on the main thread (signals are delivered there)")
    serve_days(mirror)
    slow = mirror.remote_path(SYMBOL, DAYS[0])
    mirror.fault(slow, "trickle", 1024, 50)  # 1 KiB every 50 ms: the archive takes several seconds
    assert mirror.served[slow].length > 60 * 1024
    data_dir = tmp_path / "cache"
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    started = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            get(mirror, data_dir, jobs=1)
    finally:
        timer.cancel()
    stopped = time.perf_counter() - started
    assert stopped < 0.5 + 1.0, f"took {stopped:.2f} s to stop after Ctrl-C at 0.5 s"
    assert not cached(data_dir, DAYS[0]).exists()
    assert not cached(data_dir, DAYS[2]).exists(), "archives not begun were not fetched"

    mirror.clear(slow)
    table = get(mirror, data_dir)
    assert table.num_rows > 10 and cached(data_dir, DAYS[0]).is_file()
