"""Library messages name settings, each front end spells them (issue 24 item 8): the command line as its flags
(`--sort`), Python as its keywords (`sort`). The same problem gives the same message in both, but for the
setting's spelling."""
from __future__ import annotations

import subprocess
import warnings
from pathlib import Path
from typing import List

import pytest

import barsmith as bs
from conftest import SPOT_FIXTURE, cli

FIXTURE_LINES = Path(SPOT_FIXTURE).read_text().splitlines(keepends=True)


def cli_error(*args: str) -> str:
    """The error line of `barsmith bars ARGS` (exit code 2), without `error: `."""
    run = subprocess.run([cli(), "bars", "-q", "-o", "-", *args], capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    return run.stderr.strip().removeprefix("error: ")


def spelled_in_python(cli_message: str, flags: List[str]) -> str:
    """The CLI's message with each flag spelled as Python's keyword."""
    for flag in flags:
        cli_message = cli_message.replace(flag, flag.removeprefix("--").removeprefix("no-").replace("-", "_"))
    return cli_message


def write(path: Path, lines: List[str]) -> str:
    path.write_text("".join(lines))
    return str(path)


@pytest.mark.parametrize(
    "case, flag",
    [("out_of_order", "--sort"), ("files_out_of_order", "--sort"), ("duplicate", "--dedupe")],
)
def test_input_hints_name_the_flag_or_the_keyword(tmp_path, case, flag):
    lines = FIXTURE_LINES[:50]
    if case == "out_of_order":
        inputs = [write(tmp_path / "t.csv", lines[:10] + [lines[11], lines[10]] + lines[12:])]
    elif case == "duplicate":
        inputs = [write(tmp_path / "t.csv", lines[:10] + [lines[9]] + lines[10:])]
    else:
        inputs = [write(tmp_path / "b.csv", lines[25:]), write(tmp_path / "a.csv", lines[:25])]
    message = cli_error("--threshold-dbps", "10", *inputs)
    assert flag in message, message
    with pytest.raises(bs.InputError) as raised:
        bs.bars(inputs, threshold_dbps=10)
    assert str(raised.value) == spelled_in_python(message, [flag])
    assert "--" not in str(raised.value)


def test_a_symbol_that_does_not_match_the_files_names_the_flag_or_the_keyword(tmp_path):
    path = write(tmp_path / "ETHUSDT-aggTrades-2026-01-01.csv", FIXTURE_LINES[:50])
    message = cli_error("--threshold-dbps", "10", "--symbol", "BTCUSDT", path)
    assert message.startswith("--symbol BTCUSDT, but") and "leave out --symbol" in message, message
    with pytest.raises(ValueError) as raised:
        bs.bars(path, threshold_dbps=10, symbol="BTCUSDT")
    assert str(raised.value) == spelled_in_python(message, ["--symbol"])


def test_the_window_warning_names_the_flag_or_the_keyword():
    run = subprocess.run(
        [cli(), "bars", "-o", "-", "--threshold-dbps", "10", "--features", "bar,intra", "--max-window-records", "40",
         str(SPOT_FIXTURE)],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    cli_warnings = [line.removeprefix("warning: ") for line in run.stderr.splitlines() if line.startswith("warning")]
    assert cli_warnings and all("exceeds --max-window-records 40" in w for w in cli_warnings), run.stderr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bs.bars(str(SPOT_FIXTURE), threshold_dbps=10, features="bar,intra", max_window_records=40)
    said = [str(w.message) for w in caught if issubclass(w.category, bs.BarsmithWarning)]
    assert said == [spelled_in_python(w, ["--max-window-records"]) for w in cli_warnings]
    assert "raise max_window_records to compute them" in said[0], said[0]
