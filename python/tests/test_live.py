"""``bs.live`` against the stand-in Binance of crates/test-support (the `live-stand-in` binary, 127.0.0.1 only):
history with a checkpoint, then live from it, equals one pass over everything."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterator, List, Sequence, Tuple

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import barsmith as bs

from conftest import SPOT_FIXTURE, built_binary

SYMBOL = "SYNTHUSDT"
THRESHOLD = 10
SPLIT = 10_000  # day 1: the fixture's first SPLIT trades; day 2: the rest
RATE = "5000"  # trades per second the stand-in publishes
NAMES = ["agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time",
         "is_buyer_maker", "is_best_match"]


def stand_in_binary() -> str:
    return built_binary("live-stand-in", "BARSMITH_STAND_IN", "live-server")


def lines() -> List[str]:
    return [line for line in SPOT_FIXTURE.read_text().splitlines() if line]


def trades(rows: Sequence[str]) -> pa.Table:
    data = "\n".join(rows).encode() + b"\n"
    options = pacsv.ReadOptions(column_names=NAMES)
    convert = pacsv.ConvertOptions(column_types={"price": pa.string(), "quantity": pa.string()})
    return pacsv.read_csv(pa.py_buffer(data), read_options=options, convert_options=convert)


class StandIn:
    """The stand-in serving `rows` with `faults` (drop:N, stall:N, duplicate:N, swap:N, hole:FROM:LEN, and
    gap:FIRST_ID:LAST_ID: an exchange gap, ids neither its socket nor its REST serves)."""

    def __init__(self, tmp: Path, rows: Sequence[str], faults: Sequence[str] = ()) -> None:
        csv = tmp / f"day2-{len(list(tmp.iterdir()))}.csv"
        csv.write_text("\n".join(rows) + "\n")
        self.process = subprocess.Popen([stand_in_binary(), str(csv), SYMBOL, RATE, *faults],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.ws_url, self.rest_url = self.process.stdout.readline().split()
        assert self.ws_url.startswith("ws://127.0.0.1:") and self.rest_url.startswith("http://127.0.0.1:")

    def close(self) -> Tuple[int, int, int]:
        """Stops it; what it saw: (connections, REST requests, trades sent over sockets)."""
        if self.process.returncode is not None:
            return self.seen
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        connections, rest, sent = map(int, self.process.stdout.readline().split())
        self.process.wait(timeout=10)
        self.seen = (connections, rest, sent)
        return self.seen


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    started: List[StandIn] = []

    def start(rows: Sequence[str], faults: Sequence[str] = ()) -> StandIn:
        started.append(StandIn(tmp_path, rows, faults))
        return started[-1]

    yield start
    for server in started:
        server.close()


def day1_checkpoint(tmp: Path, rows: Sequence[str]) -> Tuple[pa.Table, Path]:
    """The bars of day 1 and the checkpoint where they end (the file `barsmith bars --checkpoint-out` writes)."""
    builder = bs.BarBuilder(threshold_dbps=THRESHOLD, symbol=SYMBOL)
    bars = builder.push(trades(rows))
    path = tmp / "day1.checkpoint"
    path.write_bytes(builder.checkpoint())
    return bars, path


def run_live(server: StandIn, **options: object) -> pa.Table:
    batches = list(bs.live(SYMBOL, threshold_dbps=THRESHOLD, ws_url=server.ws_url, rest_url=server.rest_url,
                           stall_timeout="2s", **options))  # type: ignore[arg-type]
    return as_bars(batches)


def as_bars(batches: Sequence[pa.RecordBatch]) -> pa.Table:
    for batch in batches:
        assert batch.column_names[:2] == ["symbol", "threshold_dbps"]
        assert set(batch.column("symbol").to_pylist()) == {SYMBOL}
        assert set(batch.column("threshold_dbps").to_pylist()) == {THRESHOLD}
    table = pa.Table.from_batches(batches) if batches else None
    return table.drop_columns(["symbol", "threshold_dbps"]) if table is not None else pa.table({})


def assert_same_bars(parts: Sequence[pa.Table], expected: pa.Table) -> None:
    parts = [p for p in parts if p.num_rows]
    got = pa.concat_tables([p.select(expected.column_names).cast(expected.schema) for p in parts])
    assert got.num_rows == expected.num_rows
    assert got.equals(expected), "the bars differ from one pass over both days"


def test_history_then_live_equals_one_pass_with_a_dropped_connection(tmp_path: Path, serve) -> None:
    rows = lines()
    history, checkpoint = day1_checkpoint(tmp_path, rows[:SPLIT])
    server = serve(rows[SPLIT:], ["drop:3000", "duplicate:5000", "swap:6000"])
    last_id = int(rows[-1].split(",")[0])
    live = run_live(server, checkpoint_in=checkpoint, checkpoint_out=tmp_path / "live.checkpoint",
                    until_id=last_id)
    assert live.num_rows > 10
    connections, rest, _ = server.close()
    assert connections >= 2 and rest >= 1, "the dropped connection was replaced and REST filled the hole"
    expected = bs.bars(trades(rows), threshold_dbps=THRESHOLD, symbol=SYMBOL)
    assert_same_bars([history, live], expected)


def test_break_then_resume_yields_every_bar_once(tmp_path: Path, serve) -> None:
    rows = lines()
    history, checkpoint = day1_checkpoint(tmp_path, rows[:SPLIT])
    last_id = int(rows[-1].split(",")[0])
    server = serve(rows[SPLIT:], ["drop:4000"])
    first: List[pa.RecordBatch] = []
    middle = tmp_path / "middle.checkpoint"
    for batch in bs.live(SYMBOL, threshold_dbps=THRESHOLD, ws_url=server.ws_url, rest_url=server.rest_url,
                         checkpoint_in=checkpoint, checkpoint_out=middle, checkpoint_every="50ms"):
        first.append(batch)
        if len(first) == 3:
            break
    assert middle.exists()
    # The second run starts later: the stand-in has published more, and REST fills up from the checkpoint.
    rest = run_live(server, checkpoint_in=middle, checkpoint_out=tmp_path / "end.checkpoint", until_id=last_id)
    expected = bs.bars(trades(rows), threshold_dbps=THRESHOLD, symbol=SYMBOL)
    assert_same_bars([history, as_bars(first), rest], expected)


def test_until_id_stops_cleanly_and_the_callback_form(tmp_path: Path, serve) -> None:
    rows = lines()
    history, checkpoint = day1_checkpoint(tmp_path, rows[:SPLIT])
    server = serve(rows[SPLIT:])
    stop_at = SPLIT + 5_000
    until_id = int(rows[stop_at - 1].split(",")[0])
    got: List[pa.RecordBatch] = []
    out = tmp_path / "until.checkpoint"
    result = bs.live([SYMBOL], threshold_dbps=THRESHOLD, ws_url=server.ws_url, rest_url=server.rest_url,
                     checkpoint_in=checkpoint, checkpoint_out=out, until_id=until_id, on_bars=got.append)
    assert result is None
    expected = bs.bars(trades(rows[:stop_at]), threshold_dbps=THRESHOLD, symbol=SYMBOL)
    assert_same_bars([history, as_bars(got)], expected)
    # The checkpoint continues after until_id: the builder from it equals one pass over everything.
    builder = bs.BarBuilder.from_checkpoint(out.read_bytes())
    after = builder.push(trades(rows[stop_at:]))
    assert_same_bars([history, as_bars(got), after],
                     bs.bars(trades(rows), threshold_dbps=THRESHOLD, symbol=SYMBOL))


def test_polars_output(tmp_path: Path, serve) -> None:
    pl = pytest.importorskip("polars")
    rows = lines()
    _, checkpoint = day1_checkpoint(tmp_path, rows[:SPLIT])
    server = serve(rows[SPLIT:])
    frames = list(bs.live(SYMBOL, threshold_dbps=THRESHOLD, ws_url=server.ws_url, rest_url=server.rest_url,
                          checkpoint_in=checkpoint, until_id=int(rows[SPLIT + 2000].split(",")[0]),
                          output="polars"))
    assert frames and all(isinstance(f, pl.DataFrame) for f in frames)
    assert frames[0].columns[:2] == ["symbol", "threshold_dbps"]


def test_errors_name_keywords() -> None:
    with pytest.raises(ValueError, match="market"):
        bs.live("BTCUSDT", threshold_dbps=250, market="options")
    with pytest.raises(ValueError, match="checkpoint_every"):
        bs.live("BTCUSDT", threshold_dbps=250, checkpoint_every="soon")
    with pytest.raises(ValueError, match="output"):
        bs.live("BTCUSDT", threshold_dbps=250, output="pandas")
    with pytest.raises(ValueError, match="threshold_dbps"):
        bs.live("BTCUSDT", threshold_dbps=0)
    with pytest.raises(TypeError, match="include_incomplete"):
        bs.live("BTCUSDT", threshold_dbps=250, include_incomplete=True)  # type: ignore[call-arg]


def test_ctrl_c_saves_the_checkpoint_and_a_resume_continues_exactly(tmp_path: Path, serve) -> None:
    import _thread
    import contextlib
    import threading

    rows = lines()
    history, checkpoint = day1_checkpoint(tmp_path, rows[:SPLIT])
    last_id = int(rows[-1].split(",")[0])
    server = serve(rows[SPLIT:])
    first: List[pa.RecordBatch] = []
    middle = tmp_path / "interrupted.checkpoint"
    timer = threading.Timer(0.5, _thread.interrupt_main)
    with pytest.raises(KeyboardInterrupt):
        with contextlib.closing(bs.live(SYMBOL, threshold_dbps=THRESHOLD, ws_url=server.ws_url,
                                        rest_url=server.rest_url, checkpoint_in=checkpoint,
                                        checkpoint_out=middle, checkpoint_every="10s")) as batches:
            timer.start()
            for batch in batches:
                first.append(batch)
    timer.join()
    assert first and middle.exists()
    rest = run_live(server, checkpoint_in=middle, until_id=last_id)
    expected = bs.bars(trades(rows), threshold_dbps=THRESHOLD, symbol=SYMBOL)
    assert_same_bars([history, as_bars(first), rest], expected)


def test_an_exchange_gap_warns_and_the_bars_span_it(tmp_path: Path, serve) -> None:
    rows = lines()
    history, checkpoint = day1_checkpoint(tmp_path, rows[:SPLIT])
    ids = [int(row.split(",")[0]) for row in rows]
    first, last = ids[SPLIT + 3000], ids[SPLIT + 3009]
    server = serve(rows[SPLIT:], ["drop:2500", f"gap:{first}:{last}"])
    with pytest.warns(bs.BarsmithWarning) as warned:
        live = run_live(server, checkpoint_in=checkpoint, checkpoint_out=tmp_path / "live.checkpoint",
                        until_id=ids[-1])
    messages = [str(w.message) for w in warned if issubclass(w.category, bs.BarsmithWarning)]
    expected_text = f"exchange gap: agg_trade_ids {first}..={last} (10 ids) were never published"
    assert sum(expected_text in m for m in messages) == 1, messages
    # The bars are those of one pass over the trades that were published, and one of them spans the gap.
    published = [row for row in rows if not first <= int(row.split(",")[0]) <= last]
    expected = bs.bars(trades(published), threshold_dbps=THRESHOLD, symbol=SYMBOL)
    assert_same_bars([history, live], expected)
    spans = [(f, l, n) for f, l, n in zip(live.column("first_agg_trade_id").to_pylist(),
                                            live.column("last_agg_trade_id").to_pylist(),
                                            live.column("agg_record_count").to_pylist()) if l - f + 1 > n]
    assert any(f < first and l > last for f, l, _ in spans), spans


def test_max_reconnect_attempts_ends_a_run_that_cannot_connect() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Exception, match=r"2 connection attempts failed.*\(max_reconnect_attempts\)"):
        list(bs.live(SYMBOL, threshold_dbps=THRESHOLD, ws_url=f"ws://127.0.0.1:{port}",
                     rest_url=f"http://127.0.0.1:{port}", from_id=1, max_reconnect_attempts=2))
