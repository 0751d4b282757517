"""barsmith.dask on a LocalCluster of 2 worker processes over loopback: the same tables as bs.bars, also when a
worker dies in the middle of the run, and the same bars read back from output_dir."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import barsmith as bs

from conftest import cli

distributed = pytest.importorskip("distributed")
import barsmith.dask as bsd  # noqa: E402

DAY_US = 86_400_000_000
START_US = 1_767_225_600_000_000  # 2026-01-01
THRESHOLDS = [8, 20]
DAYS = 4


def generate(directory: Path, symbol: str, layout: str, suffix: str, seed: int, trades: int) -> List[Path]:
    """DAYS daily files of `symbol` with `barsmith gen`, ids continuing from day to day."""
    paths = []
    for day in range(DAYS):
        path = directory / f"{symbol}-aggTrades-2026-01-{day + 1:02d}{suffix}"
        subprocess.run(
            [cli(), "gen", "--days", "1", "--start-time-us", str(START_US + day * DAY_US), "--trades", str(trades),
             "--seed", str(seed + day), "--format", layout, "--first-agg-trade-id", str(1 + day * 1_000_000),
             "-o", str(path)],
            check=True,
        )
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("days")
    generate(directory, "AAAUSDT", "spot", ".csv", 1, 20_000)
    generate(directory, "BBBUSDT", "um", ".csv.zst", 7, 15_000)
    return directory


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    )
    with cluster, Client(cluster) as client:
        yield client


OPTIONS: Dict[str, Any] = dict(features=["bar", "intra", "lookback"], lookback="count:500", include_incomplete=True)


def assert_same(got: Any, want: Any) -> None:
    """Same keys, and every table equal to the reference: schema with its metadata, then every value."""
    assert got.keys() == want.keys()
    for key in want:
        if isinstance(want[key], dict):
            assert_same(got[key], want[key])
            continue
        assert got[key].schema.equals(want[key].schema, check_metadata=True), key
        assert got[key].num_rows == want[key].num_rows > 10, key
        assert got[key].equals(want[key]), key


def test_two_symbols_several_days_two_thresholds_equal_bs_bars(data: Path, client: Any) -> None:
    want = bs.bars(str(data), threshold_dbps=THRESHOLDS, by_symbol=True, **OPTIONS)
    got = bsd.bars(str(data), threshold_dbps=THRESHOLDS, client=client, by_symbol=True, **OPTIONS)
    assert sorted(want) == ["AAAUSDT", "BBBUSDT"]
    assert_same(got, want)
    assert got["AAAUSDT"][8]["is_complete"].to_pylist()[-1] is False, "the incomplete bar comes last"


class KillOnce(distributed.WorkerPlugin):
    """Kills the worker process that starts the first speculative task (once: a marker file says it happened)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish != "executing" or "barsmith-speculate" not in str(key):
            return
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_in_the_middle_of_the_run_changes_nothing(data: Path, client: Any, tmp_path: Path) -> None:
    marker = tmp_path / "killed"
    before = set(client.scheduler_info()["workers"])
    client.register_plugin(KillOnce(str(marker)), name="kill-once")
    try:
        got = bsd.bars(str(data), threshold_dbps=THRESHOLDS, client=client, by_symbol=True, retries=3, **OPTIONS)
    finally:
        client.unregister_worker_plugin("kill-once")
    assert marker.exists(), "a worker was killed"
    client.wait_for_workers(2, timeout=30)
    assert set(client.scheduler_info()["workers"]) != before, "the nanny started a new worker"
    assert_same(got, bs.bars(str(data), threshold_dbps=THRESHOLDS, by_symbol=True, **OPTIONS))


def test_output_dir_reads_back_equal(data: Path, client: Any, tmp_path: Path) -> None:
    out = tmp_path / "bars"
    paths = bsd.bars(str(data), threshold_dbps=THRESHOLDS, client=client, by_symbol=True, output_dir=out, **OPTIONS)
    want = bs.bars(str(data), threshold_dbps=THRESHOLDS, by_symbol=True, **OPTIONS)
    read = {
        symbol: {dbps: pa.concat_tables([pq.read_table(p) for p in files]) for dbps, files in tables.items()}
        for symbol, tables in paths.items()
    }
    assert all(len(files) == DAYS for tables in paths.values() for files in tables.values()), "one file per shard"
    assert sorted(os.listdir(out)) == sorted(os.path.basename(p) for t in paths.values() for f in t.values() for p in f)
    assert_same(read, want)


def test_byte_ranges_of_one_file_and_other_lookbacks(data: Path, client: Any) -> None:
    day = data / "AAAUSDT-aggTrades-2026-01-02.csv"
    for lookback in ["bars:3", "time:2s"]:
        options = dict(OPTIONS, lookback=lookback, include_incomplete=False)
        want = bs.bars(str(day), threshold_dbps=8, **options)
        got = bsd.bars(str(day), threshold_dbps=8, client=client, shards=5, min_shard_bytes=64 << 10, **options)
        assert_same({"t": got}, {"t": want})


def test_a_bad_record_raises_what_bs_bars_raises(data: Path, client: Any, tmp_path: Path) -> None:
    days = sorted(data.glob("AAAUSDT-*.csv"))
    for path in days:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    bad = tmp_path / days[2].name
    lines = bad.read_text().splitlines(keepends=True)
    lines[100] = lines[100].replace(",", ",x", 1)
    bad.write_text("".join(lines))
    with pytest.raises(bs.InputError) as want:
        bs.bars(str(tmp_path), threshold_dbps=25)
    with pytest.raises(bs.InputError) as got:
        bsd.bars(str(tmp_path), threshold_dbps=25, client=client, retries=0)
    assert str(got.value) == str(want.value)
    assert (got.value.path, got.value.line, got.value.kind) == (want.value.path, want.value.line, want.value.kind)
    assert got.value.line == 101


def test_arguments_are_checked_before_anything_runs(data: Path, client: Any) -> None:
    with pytest.raises(ValueError, match="2 symbols"):
        bsd.bars(str(data), threshold_dbps=25, client=client)
    with pytest.raises(ValueError, match="threshold_dbps"):
        bsd.bars(str(data), threshold_dbps=0, client=client, by_symbol=True)
    with pytest.raises(TypeError, match="path"):
        bsd.bars(pa.table({"a": [1]}), threshold_dbps=25, client=client)


def test_output_dir_names_files_as_the_cli_and_leaves_no_stale_file(data: Path, client: Any, tmp_path: Path) -> None:
    out = tmp_path / "bars"
    files = [str(p) for p in sorted(data.glob("AAAUSDT-*.csv"))[:3]]
    names = [f"AAAUSDT-8dbps-2026-01-0{day}.parquet" for day in (1, 2, 3)]
    paths = bsd.bars(files, threshold_dbps=8, client=client, output_dir=out)
    assert [os.path.basename(p) for p in paths] == names
    assert sorted(os.listdir(out)) == names
    # The same dataset again with 2 days: day 3 of the first run must not stay beside the new files.
    paths = bsd.bars(files[:2], threshold_dbps=8, client=client, output_dir=out)
    assert sorted(os.listdir(out)) == names[:2] == [os.path.basename(p) for p in paths]
    want = bs.bars(files[:2], threshold_dbps=8)
    read = pq.read_table(str(out)).sort_by("open_time")
    assert read.replace_schema_metadata(None).equals(want.replace_schema_metadata(None))
    assert_same({"t": pa.concat_tables([pq.read_table(p) for p in paths])}, {"t": want})
    # Another threshold's files are another dataset: they stay.
    bsd.bars(files[:1], threshold_dbps=20, client=client, output_dir=out)
    assert sorted(os.listdir(out)) == sorted(names[:2] + ["AAAUSDT-20dbps-2026-01-01.parquet"])
