"""One checkpoint format for the CLI and Python (trial finding 11): a `barsmith bars --checkpoint-out` file
continues in `BarBuilder`, a `BarBuilder.checkpoint()` continues with `--checkpoint-in`, and a checkpoint that
cannot be read says what is wrong in words, never a JSON parser's line and column."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import barsmith as bs
from conftest import SPOT_FIXTURE, cli, read_trades, without_metadata

THRESHOLDS = [10, 25]


def _halves(tmp_path: Path):
    lines = SPOT_FIXTURE.read_text().splitlines(keepends=True)
    cut = len(lines) // 2 + 17
    first, second = tmp_path / "part1.csv", tmp_path / "part2.csv"
    first.write_text("".join(lines[:cut]))
    second.write_text("".join(lines[cut:]))
    return first, second


def _bars(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([cli(), "bars", "--quiet", "--symbol", "SYNTHUSDT", "--threshold-dbps", "10,25", *args],
                          capture_output=True, text=True)


def test_a_cli_checkpoint_continues_in_bar_builder(tmp_path):
    first, second = _halves(tmp_path)
    done = _bars(str(first), "-o", str(tmp_path / "day1") + "/", "--checkpoint-out", str(tmp_path / "cp.json"))
    assert done.returncode == 0, done.stderr
    one_pass = bs.BarBuilder(threshold_dbps=THRESHOLDS, symbol="SYNTHUSDT")
    one_pass.push(read_trades(first))
    cli_state = (tmp_path / "cp.json").read_text()
    # The same state, whoever wrote it.
    assert json.loads(cli_state)["streams"] == json.loads(one_pass.checkpoint())["streams"]
    resumed = bs.BarBuilder.from_checkpoint(cli_state)
    assert resumed.thresholds == THRESHOLDS
    rest, expected = resumed.push(read_trades(second)), one_pass.push(read_trades(second))
    for dbps in THRESHOLDS:
        assert rest[dbps].num_rows > 0
        assert without_metadata(rest[dbps]).equals(without_metadata(expected[dbps]))


def test_a_bar_builder_checkpoint_continues_with_checkpoint_in(tmp_path):
    first, second = _halves(tmp_path)
    builder = bs.BarBuilder(threshold_dbps=THRESHOLDS, symbol="SYNTHUSDT")
    builder.push(read_trades(first))
    (tmp_path / "py.json").write_bytes(builder.checkpoint())
    done = _bars(str(second), "-o", str(tmp_path / "from_py") + "/", "--checkpoint-in", str(tmp_path / "py.json"),
                 "--checkpoint-out", str(tmp_path / "py-next.json"))
    assert done.returncode == 0, done.stderr
    chain = [_bars(str(first), "-o", str(tmp_path / "d1") + "/", "--checkpoint-out", str(tmp_path / "c1.json")),
             _bars(str(second), "-o", str(tmp_path / "d2") + "/", "--checkpoint-in", str(tmp_path / "c1.json"),
                   "--checkpoint-out", str(tmp_path / "c2.json"))]
    assert all(run.returncode == 0 for run in chain), [run.stderr for run in chain]
    for dbps in THRESHOLDS:
        name = f"SYNTHUSDT-{dbps}dbps.csv"
        assert (tmp_path / "from_py" / name).read_bytes() == (tmp_path / "d2" / name).read_bytes()
    assert json.loads((tmp_path / "py-next.json").read_text()) == json.loads((tmp_path / "c2.json").read_text())


def test_a_file_of_several_symbols_needs_symbol(tmp_path):
    builder = bs.BarBuilder(threshold_dbps=10, symbol="SYNTHUSDT")
    builder.push(read_trades(SPOT_FIXTURE))
    state = json.loads(builder.checkpoint())
    other = json.loads(json.dumps(state["streams"][0]))
    other["symbol"] = "ETHUSDT"
    state["streams"].append(other)
    both = json.dumps(state)
    with pytest.raises(bs.CheckpointError, match="several symbols.*pass symbol="):
        bs.BarBuilder.from_checkpoint(both)
    assert bs.BarBuilder.from_checkpoint(both, symbol="ETHUSDT").rows == builder.rows
    with pytest.raises(bs.CheckpointError, match='not symbol="BNBUSDT"'):
        bs.BarBuilder.from_checkpoint(both, symbol="BNBUSDT")


def test_the_layout_bar_builder_wrote_before_still_reads():
    builder = bs.BarBuilder(threshold_dbps=THRESHOLDS, symbol="SYNTHUSDT")
    builder.push(read_trades(SPOT_FIXTURE).slice(0, 5000))
    state = json.loads(builder.checkpoint())
    old = {"format": "barsmith.BarBuilder", "version": 1, "symbol": "SYNTHUSDT", "rows": state["rows"],
           "last": None, "pipelines": [s["state"] for s in state["streams"]]}
    resumed = bs.BarBuilder.from_checkpoint(json.dumps(old))
    assert json.loads(resumed.checkpoint()) == state


BAD = [
    (b"", "is empty"),
    (b'{"version": 1, "streams": [', "cut short"),
    (b"\x89PNG", "not text"),
    (b"version: 1", "not JSON text"),
    (b'{"version": 9, "streams": []}', "newer barsmith"),
    (b'{"format": "x", "streams": []}', "has no `version`"),
]


@pytest.mark.parametrize("data,words", BAD, ids=[w for _, w in BAD])
def test_an_unreadable_checkpoint_is_said_in_words(tmp_path, data, words):
    with pytest.raises(bs.CheckpointError) as raised:
        bs.BarBuilder.from_checkpoint(data)
    assert words in str(raised.value) and "column" not in str(raised.value)
    (tmp_path / "bad.json").write_bytes(data)
    done = _bars(str(SPOT_FIXTURE), "-o", str(tmp_path / "x") + "/", "--checkpoint-in", str(tmp_path / "bad.json"))
    assert done.returncode == 2 and words in done.stderr and "column" not in done.stderr, done.stderr
