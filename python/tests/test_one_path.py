"""Python and the CLI run the same pipeline: every CLI setting is a keyword with the CLI's default, the CLI's
Parquet metadata equals the tables' schema metadata for the same run, id gaps are warned about in the CLI's
words (or refused with strict=True), and `threads` means the CLI's --threads."""

from __future__ import annotations

import inspect
import re
import subprocess
import warnings
from pathlib import Path
from typing import Dict, List

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import barsmith as bs
from barsmith import _barsmith
from conftest import SPOT_FIXTURE, assert_table_equals_csv, cli, cli_csv

DAY_US = 86_400_000_000
START_US = 1_767_225_600_000_000  # 2026-01-01


def days(directory: Path, count: int, trades: int = 6_000, gap: int = 0) -> List[Path]:
    """`count` daily spot files of GAPUSDT from `barsmith gen`; day 2 starts `gap` ids after day 1 ends."""
    paths = []
    first = 1
    for day in range(count):
        path = directory / f"GAPUSDT-aggTrades-2026-01-{day + 1:02d}.csv"
        subprocess.run(
            [cli(), "gen", "--days", "1", "--start-time-us", str(START_US + day * DAY_US), "--trades", str(trades),
             "--seed", str(11 + day), "--format", "spot", "--first-agg-trade-id", str(first), "-o", str(path)],
            check=True,
        )
        first += trades + (gap if day == 0 else 0)
        paths.append(path)
    return paths


def help_defaults() -> Dict[str, str]:
    """`barsmith bars --help`: each long flag and its `[default: …]` ('' when it shows none)."""
    text = subprocess.run([cli(), "bars", "--help"], check=True, capture_output=True, text=True).stdout
    blocks = re.split(r"\n(?=\s*(?:-\w, )?--[a-z])", text)
    found = {}
    for block in blocks:
        flag = re.match(r"\s*(?:-\w, )?(--[a-z][a-z0-9-]*)", block)
        if flag:
            default = re.search(r"\[default: ([^\]]*)\]", block)
            found[flag.group(1)] = default.group(1) if default else ""
    return found


def test_every_cli_setting_is_a_keyword_with_the_cli_default():
    flags = help_defaults()
    entry_points = {
        "bars": (bs.bars, set()),
        "get_bars": (bs.get_bars, set()),
        "BarBuilder": (bs.BarBuilder, {"sort", "dedupe", "threads", "identity_columns", "sharding"}),
    }
    try:
        import barsmith.dask as bsd

        entry_points["dask.bars"] = (bsd.bars, {"threads", "sharding"})
    except ImportError:  # pragma: no cover - dask is in the test requirements
        pass
    settings = _barsmith.Settings.defaults()
    assert {name for name, _, _, _ in settings} >= {"pe_min_records", "hurst_min_records", "max_window_records"}
    for name, kind, text, flag in settings:
        assert flag in flags, f"{name}: the CLI has no {flag}"
        cli_default = flags[flag]
        if kind == "bool":
            # A switch: --no-X means the default is on, --X that it is off.
            assert cli_default == "" and text == ("true" if flag.startswith("--no-") else "false"), name
        else:
            assert cli_default == (text or ""), f"{name}: CLI {cli_default!r}, library {text!r}"
        for where, (function, skipped) in entry_points.items():
            if name in skipped:
                continue
            parameter = inspect.signature(function).parameters.get(name)
            assert parameter is not None, f"{where} has no keyword {name}"
            assert parameter.kind == inspect.Parameter.KEYWORD_ONLY, (where, name)
            assert parameter.default == bs.SETTINGS[name], (where, name)
    assert bs.SETTINGS["hurst_min_records"] == int(flags["--hurst-min-records"])
    with pytest.raises(TypeError, match="unexpected keyword argument 'hurst_min'"):
        bs.bars(SPOT_FIXTURE, threshold_dbps=10, hurst_min=3)


def test_the_new_settings_equal_the_cli(tmp_path):
    args = ["--threshold-dbps", "10", "--pe-min-records", "80", "--hurst-min-records", "256",
            "--max-window-records", "5000"]
    table = bs.bars(SPOT_FIXTURE, threshold_dbps=10, pe_min_records=80, hurst_min_records=256,
                    max_window_records=5000)
    assert_table_equals_csv(table, cli_csv(tmp_path, [SPOT_FIXTURE], args))
    assert table.schema.metadata[b"barsmith.hurst_min_records"] == b"256"
    default = bs.bars(SPOT_FIXTURE, threshold_dbps=10)
    assert table.column("intra_hurst_dfa").null_count > default.column("intra_hurst_dfa").null_count
    with pytest.raises(ValueError, match="pe_min_records"):
        bs.bars(SPOT_FIXTURE, threshold_dbps=10, pe_min_records=1)
    builder = bs.BarBuilder(threshold_dbps=10, hurst_min_records=256)
    pushed = builder.push(pa.table(bs.generate_trades(20_000, seed=2)))
    assert pushed.schema.metadata[b"barsmith.hurst_min_records"] == b"256"


def test_cli_parquet_metadata_equals_the_table_metadata(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    days(data, 3, gap=500)
    out = tmp_path / "cli.parquet"
    flags = ["--threshold-dbps", "25", "--features", "bar,intra", "--lookback", "bars:4", "--pe-order", "4",
             "--hurst-min-records", "128", "--include-incomplete", "--dedupe"]
    run = subprocess.run([cli(), "bars", "-q", *flags, "-o", str(out), str(data)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = bs.bars(str(data), threshold_dbps=25, features="bar,intra", lookback="bars:4", pe_order=4,
                        hurst_min_records=128, include_incomplete=True, dedupe=True)
    want = {k: v for k, v in pq.ParquetFile(out).metadata.metadata.items() if k != b"ARROW:schema"}
    got = table.schema.metadata
    assert sorted(got) == sorted(want), set(got) ^ set(want)
    assert got == want
    assert got[b"barsmith.id_gaps"] == b"1" and got[b"barsmith.missing_ids"] == b"500"
    assert len([k for k in got if k.startswith(b"barsmith.")]) >= 20
    # The same bars, too.
    assert pq.read_table(out).replace_schema_metadata(None).equals(table.replace_schema_metadata(None))


def test_id_gaps_warn_in_the_cli_words_or_raise_with_strict(tmp_path):
    days(tmp_path, 3, gap=1000)
    run = subprocess.run([cli(), "bars", "-q", "--threshold-dbps", "25", "-o", str(tmp_path / "out"), str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    cli_warnings = [line[len("warning: "):] for line in run.stderr.splitlines() if line.startswith("warning: ")]
    assert len(cli_warnings) == 1 and "agg_trade_id gap" in cli_warnings[0], run.stderr
    with pytest.warns(bs.IdGapWarning) as caught:
        table = bs.bars(str(tmp_path), threshold_dbps=25)
    assert [str(w.message) for w in caught] == cli_warnings
    with pytest.raises(bs.InputError, match="agg_trade_id gap") as raised:
        bs.bars(str(tmp_path), threshold_dbps=25, strict=True)
    assert raised.value.kind == "id_gaps"
    # Without a gap there is nothing to say, and strict changes nothing.
    clean = tmp_path / "clean"
    clean.mkdir()
    days(clean, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bs.bars(str(clean), threshold_dbps=25, strict=True).num_rows > 0
    assert table.schema.metadata[b"barsmith.missing_ids"] == b"1000"


def test_threads_shard_a_symbol_as_the_cli_does(tmp_path):
    days(tmp_path, 4, trades=8_000)
    one = bs.bars(str(tmp_path), threshold_dbps=[10, 30], threads=1, include_incomplete=True)
    four = bs.bars(str(tmp_path), threshold_dbps=[10, 30], threads=4, include_incomplete=True)
    for dbps in (10, 30):
        assert four[dbps].equals(one[dbps]) and four[dbps].schema.metadata == one[dbps].schema.metadata
    with pytest.raises(ValueError, match="threads 0"):
        bs.bars(str(tmp_path), threshold_dbps=10, threads=0)


def test_threshold_dbps_takes_numpy_integers_and_refuses_what_is_not_whole() -> None:
    """Trial finding 14: numpy integers and arrays are whole numbers of dbps; floats and bools are refused."""
    import numpy as np

    trades = bs.generate_trades(20_000, seed=3)
    want = bs.bars(trades, threshold_dbps=[25, 50])
    for given in (np.array([25, 50]), [np.int64(25), np.int32(50)], (25, 50)):
        got = bs.bars(trades, threshold_dbps=given)
        assert list(got) == [25, 50] and all(type(k) is int for k in got)
        assert all(got[k].equals(want[k]) for k in want)
    assert bs.bars(trades, threshold_dbps=np.int64(25)).equals(want[25])
    for bad in (2.5, 25.0, [25, 2.5], "25", True, np.bool_(True)):
        with pytest.raises(TypeError, match="whole number"):
            bs.bars(trades, threshold_dbps=bad)


def test_a_polars_lazyframe_is_collected() -> None:
    """Trial finding 20: a LazyFrame (scan_parquet, scan_csv) gives the bars of the frame it collects to."""
    import polars as pl

    frame = pl.DataFrame(bs.generate_trades(20_000, seed=4))
    assert bs.bars(frame.lazy(), threshold_dbps=25).equals(bs.bars(frame, threshold_dbps=25))
