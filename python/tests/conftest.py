"""Shared helpers of the Python tests: paths, the CLI, CSV comparison, trade tables."""

from __future__ import annotations

import csv
import os
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
SPOT_FIXTURE = FIXTURES / "SYNTHUSDT-aggTrades-2026-01-01.csv"
UM_FIXTURE = FIXTURES / "SYNTHUSDT-um-aggTrades-sample.csv"
SHARED_DATA = ROOT.parent / "shared" / "data"
REAL_SAMPLE = SHARED_DATA / "BTCUSDT-aggTrades-2026-01-01.head5000.csv"

SPOT_NAMES = ["agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time",
              "is_buyer_maker", "is_best_match"]


def real_sample() -> Path:
    """The real sample; a skip that says why when ../shared/data is absent, a failure when it is unreadable."""
    if not SHARED_DATA.exists():
        pytest.skip(f"real-data test cannot run here: {SHARED_DATA} is absent")
    assert os.access(REAL_SAMPLE, os.R_OK), f"{REAL_SAMPLE} exists but cannot be read"
    return REAL_SAMPLE


def cli() -> str:
    """The barsmith command the tests compare with (BARSMITH_CLI, else target/{debug,release}/barsmith)."""
    candidates = [os.environ.get("BARSMITH_CLI"), ROOT / "target" / "debug" / "barsmith",
                  ROOT / "target" / "release" / "barsmith"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise AssertionError("no barsmith binary: run `cargo build -p barsmith-cli` or set BARSMITH_CLI")


def cli_csv(tmp_path: Path, inputs: Sequence[Path], args: Sequence[str]) -> List[Dict[str, str]]:
    """Runs `barsmith bars ARGS INPUTS -o FILE.csv` and returns the rows (header names as keys)."""
    out = tmp_path / f"cli-{abs(hash(tuple(args)))}.csv"
    subprocess.run([cli(), "bars", "--quiet", *args, "-o", str(out), *map(str, inputs)], check=True)
    with open(out, newline="") as f:
        return list(csv.DictReader(f))


def assert_table_equals_csv(table: pa.Table, rows: List[Dict[str, str]]) -> None:
    """Cell-for-cell equality of a bar table and the CLI's CSV rows.

    Exact columns: the decimal text equals Python's Decimal of the cell, integers and timestamps their integer;
    floats: the CSV text parses to the very same float (bit for bit); nulls are empty fields. The *_f64
    companions equal float(Decimal text).
    """
    csv_columns = list(rows[0].keys()) if rows else None
    names = [n for n in table.column_names if not n.endswith("_f64")]
    if csv_columns is not None:
        assert names == csv_columns
    assert table.num_rows == len(rows)
    for name in table.column_names:
        field = table.schema.field(name)
        values = table.column(name).to_pylist()
        source = name[: -len("_f64")] if name.endswith("_f64") else name
        for i, (value, row) in enumerate(zip(values, rows)):
            text = row[source]
            where = f"row {i} column {name}: {value!r} vs CSV {text!r}"
            if name.endswith("_f64"):
                assert value == float(Decimal(text)), where
            elif pa.types.is_timestamp(field.type):
                assert _us(value) == int(text), where
            elif pa.types.is_decimal(field.type):
                assert format(value, "f") == text, where
            elif text == "":
                assert value is None, where
            elif pa.types.is_boolean(field.type):
                assert str(value).lower() == text, where
            elif pa.types.is_integer(field.type):
                assert value == int(text), where
            else:
                assert value is not None and value == float(text) and repr(value) == repr(float(text)), where


def _us(value) -> int:
    """Microseconds since the epoch of a timezone-aware datetime, exactly."""
    import datetime

    delta = value - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def read_trades(path: Path, price_type: Optional[pa.DataType] = pa.string()) -> pa.Table:
    """A trades file as a pyarrow table with Binance's names; prices and quantities as `price_type`."""
    with open(path) as f:
        has_header = f.readline().startswith("agg_trade_id")
    read = pacsv.ReadOptions(column_names=None if has_header else SPOT_NAMES[: _field_count(path)])
    types = {"price": pa.string(), "quantity": pa.string(), "is_buyer_maker": pa.string()}
    table = pacsv.read_csv(path, read_options=read, convert_options=pacsv.ConvertOptions(column_types=types))
    maker = pa.array([v in ("True", "true") for v in table.column("is_buyer_maker").to_pylist()])
    table = table.set_column(table.schema.get_field_index("is_buyer_maker"), "is_buyer_maker", maker)
    if price_type is not None and price_type != pa.string():
        for name in ("price", "quantity"):
            index = table.schema.get_field_index(name)
            if pa.types.is_decimal(price_type):
                column = pa.array([Decimal(v) for v in table.column(name).to_pylist()], type=price_type)
            else:
                column = table.column(name).cast(price_type)
            table = table.set_column(index, name, column)
    return table


def _field_count(path: Path) -> int:
    with open(path) as f:
        return len(f.readline().split(","))


def without_metadata(table: pa.Table) -> pa.Table:
    return table.replace_schema_metadata(None)


# --- test-support's Binance Vision mirror on 127.0.0.1 for get_bars; nothing reaches another host.

PROXY_VARIABLES = ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "all_proxy",
                   "no_proxy"]


def day_csv(first_id: int, day: str, trades: int, seed: int) -> bytes:
    """`trades` spot aggTrades (8 columns, µs, no header) spread over `day`, agg ids from `first_id`."""
    import datetime

    import barsmith as bs

    table = pa.table(bs.generate_trades(trades, seed=seed))
    start = datetime.datetime.fromisoformat(day).replace(tzinfo=datetime.timezone.utc)
    start_us = int(start.timestamp()) * 1_000_000
    step = 86_400_000_000 // trades
    prices, quantities = table.column("price").to_pylist(), table.column("quantity").to_pylist()
    makers = table.column("is_buyer_maker").to_pylist()
    lines = []
    for i in range(trades):
        agg = first_id + i
        lines.append(f"{agg},{prices[i]:f},{quantities[i]:f},{agg * 3},{agg * 3 + 2},{start_us + i * step},"
                     f"{makers[i]},True\n")
    return "".join(lines).encode()


def built_binary(name: str, variable: str, feature: str) -> str:
    """A binary of crates/test-support: `variable` in the environment, else target/debug/NAME."""
    for candidate in (os.environ.get(variable), ROOT / "target" / "debug" / name):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise AssertionError(f"no {name} binary: run `cargo build -p barsmith-test-support --features {feature} "
                         f"--bin {name}` or set {variable}")


class Served(NamedTuple):
    """An archive the mirror serves: its SHA-256, its length, the hash its `.CHECKSUM` lists."""

    sha256: str
    length: int
    listed: str


class Mirror:
    """test-support's Binance Vision mirror (the `vision-stand-in` binary, 127.0.0.1, port chosen by the OS),
    serving files by path (`/data/spot/daily/aggTrades/…`), 404 for the rest, driven by its line commands
    (crates/test-support/src/mirror/control.rs); every answer is awaited at most `TIMEOUT` seconds."""

    TIMEOUT = 10.0

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.served: Dict[str, Served] = {}
        binary = built_binary("vision-stand-in", "BARSMITH_VISION_STAND_IN", "mirror")
        self.process = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.base_url = self._line()
        assert self.base_url.startswith("http://127.0.0.1:"), self.base_url

    def _line(self) -> str:
        import select

        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], self.TIMEOUT)
        assert ready, f"vision-stand-in did not answer within {self.TIMEOUT} s"
        line = self.process.stdout.readline().decode()
        assert line.endswith("\n"), f"vision-stand-in ended (exit {self.process.poll()}): {line!r}"
        return line.rstrip("\n")

    def _ask(self, command: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n".encode())
        answer = self._line()
        assert answer == "ok" or answer.startswith("ok "), f"{command!r}: {answer}"
        return answer[3:]

    @staticmethod
    def remote_path(symbol: str, period: str, market: str = "spot") -> str:
        kind = "daily" if len(period) == 10 else "monthly"
        directory = {"spot": "spot", "um": "futures/um", "cm": "futures/cm"}[market]
        return f"/data/{directory}/{kind}/aggTrades/{symbol}/{symbol}-aggTrades-{period}.zip"

    def put_archive(self, symbol: str, period: str, csv_bytes: bytes, wrong_checksum: bool = False) -> Served:
        """Serves a zip holding one CSV and its `.CHECKSUM` (`sha256sum` format; a wrong hash when asked)."""
        path = self.remote_path(symbol, period)
        csv_file = self.workdir / f"{symbol}-aggTrades-{period}-{len(self.served)}.csv"
        csv_file.write_bytes(csv_bytes)
        flag = " wrong-checksum" if wrong_checksum else ""
        sha256, length, listed = self._ask(f"archive {path} {csv_file}{flag}").split()
        self.served[path] = Served(sha256, int(length), listed)
        return self.served[path]

    def fault(self, path: str, kind: str, *numbers: int) -> None:
        """Answers the requests of `path` with a fault until `clear`: `status CODE`, `delay MS`,
        `trickle BYTES MS` (BYTES, then a pause, and so on), `break BYTES`."""
        self._ask(" ".join(["fault", path, kind, *map(str, numbers)]))

    def clear(self, path: str) -> None:
        self._ask(f"clear {path}")

    @property
    def requests(self) -> List[Tuple[str, str]]:
        """(method, path) of every request so far, in arrival order."""
        entries = self._ask("requests")
        return [(method, path) for method, path, _ in (e.split(" ") for e in entries.split("\t") if e)]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=self.TIMEOUT)
        finally:
            self.process.kill()


@pytest.fixture
def mirror(monkeypatch, tmp_path_factory):
    """A running :class:`Mirror`; the proxy variables are cleared so that nothing goes through a proxy."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    server = Mirror(tmp_path_factory.mktemp("mirror"))
    yield server
    server.close()
