"""Runs every documented example of README.md and docs/*.md that is meant to run, as written, and fails on
any that does not (called by tools/doc-examples.sh; `.ci/run` calls that after the README's two commands).

What runs: each ```sh block (one bash script per block, `set -euo pipefail`) and each ```python block (the
Python blocks of a document form one session: each runs after the earlier ones, in their namespace), in
document order, one document at a time, each document in its own copy of a prepared folder (the "world").
A block preceded by the line `<!-- doc-examples: not run: REASON -->` is not run; the reason is printed. One
preceded by `<!-- doc-examples: exit N: REASON -->` must exit with N (e.g. `check` with findings), not 0.
Other fences (```rust, ```text, unlabelled) are reference text, not run.

The world is what the examples assume a reader has: the repository's fixtures/, an empty target/, the
folder a `barsmith fetch BTCUSDT --from 2024-03-01 --to 2024-03-03 -o data/` leaves (three full days of
generated spot archives with their .CHECKSUM files), two generated daily archives
BTCUSDT-aggTrades-2026-01-0{1,2}.zip, and bars.csv (their first day at 10 dbps). On PATH:
  * `barsmith` is the release binary; `barsmith fetch` is not run (it reaches data.binance.vision; no
    network here): it prints why, and the world already holds what the tour fetches; `barsmith live` is not
    run either (Binance's live streams; crates/cli/tests/live.rs runs it against the stand-in);
  * `cargo run --release -- ARGS` runs that binary with ARGS; `cargo install` is not run (it writes into
    ~/.cargo/bin): it prints why;
  * `python` is the test venv's (target/python-venv, made by tools/test-all.sh).

Usage: python3 tools/doc-examples.py [DOC.md ...]   (default: README.md docs/*.md)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^<!-- doc-examples: not run: (.+?) -->$")
EXIT_MARKER = re.compile(r"^<!-- doc-examples: exit (\d+): (.+?) -->$")
RUN_LANGUAGES = {"sh": "sh", "bash": "sh", "python": "python"}
DAY_US = 86_400_000_000

# Extra preparation of one document's world (shell, in the world, after the common one).
SETUP = {
    "docs/PLOT.md": "barsmith bars -q --threshold-dbps 250 --format parquet "
                    "BTCUSDT-aggTrades-2026-01-01.zip BTCUSDT-aggTrades-2026-01-02.zip -o out/",
}


def blocks(doc: Path):
    """(first line, language, text, reason not to run or None, expected exit code) of each fenced block."""
    lines = doc.read_text().splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        language, start = lines[i][3:].strip(), i
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        before = lines[start - 1].strip() if start > 0 else ""
        marker, exit_marker = MARKER.match(before), EXIT_MARKER.match(before)
        expected = int(exit_marker.group(1)) if exit_marker else 0
        yield start + 1, language, "\n".join(lines[start + 1:end]) + "\n", marker.group(1) if marker else None, expected
        i = end + 1


def shims(folder: Path, binary: Path, python: Path) -> None:
    folder.mkdir()
    (folder / "barsmith").write_text(f"""#!/usr/bin/env bash
if [ "${{1:-}}" = fetch ]; then
  echo "doc-examples: not run: barsmith $* (it reaches data.binance.vision; no network here; the world holds what it fetches)"
  exit 0
fi
if [ "${{1:-}}" = live ]; then
  echo "doc-examples: not run: barsmith $* (it connects to Binance's live streams; no network here; crates/cli/tests/live.rs runs it against the stand-in)"
  exit 0
fi
exec {binary} "$@"
""")
    (folder / "cargo").write_text("""#!/usr/bin/env bash
if [ "${1:-}" = run ] && [ "${2:-}" = --release ] && [ "${3:-}" = -- ]; then
  shift 3
  exec barsmith "$@"
fi
if [ "${1:-}" = install ]; then
  echo "doc-examples: not run: cargo $* (it writes into ~/.cargo/bin)"
  exit 0
fi
echo "doc-examples: cargo $* has no stand-in here; mark the example as not run, with the reason" >&2
exit 1
""")
    (folder / "python").write_text(f'#!/bin/sh\nexec {python} "$@"\n')
    for shim in ("barsmith", "cargo", "python"):
        (folder / shim).chmod(0o755)


def daily_zip(binary: Path, folder: Path, symbol: str, day_start_us: int, first_id: int, seed: int) -> int:
    """A full day of generated spot aggTrades as a Binance daily zip with its .CHECKSUM; the next free id."""
    date = time.strftime("%Y-%m-%d", time.gmtime(day_start_us // 1_000_000))
    stem = f"{symbol}-aggTrades-{date}"
    csv = folder / f"{stem}.csv"
    subprocess.run([str(binary), "gen", "--days", "1", "--seed", str(seed), "--start-time-us", str(day_start_us),
                    "--first-agg-trade-id", str(first_id), "-o", str(csv)], check=True)
    with open(csv, "rb") as f:
        f.seek(-200, os.SEEK_END)
        last_id = int(f.read().splitlines()[-1].split(b",")[0])
    archive = folder / f"{stem}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.write(csv, csv.name)
    csv.unlink()
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (folder / f"{archive.name}.CHECKSUM").write_text(f"{digest}  {archive.name}\n")
    return last_id + 1


def world(binary: Path, folder: Path) -> None:
    folder.mkdir()
    (folder / "fixtures").symlink_to(ROOT / "fixtures")
    (folder / "target").mkdir()
    fetched = folder / "data/spot/daily/aggTrades/BTCUSDT"
    fetched.mkdir(parents=True)
    next_id = 3_000_000_000
    for day in range(3):
        next_id = daily_zip(binary, fetched, "BTCUSDT", 1_709_251_200_000_000 + day * DAY_US, next_id, 11 + day)
    next_id = 1_000_000_000
    for day in range(2):
        next_id = daily_zip(binary, folder, "BTCUSDT", 1_767_225_600_000_000 + day * DAY_US, next_id, 21 + day)
    for checksum in folder.glob("*.CHECKSUM"):
        checksum.unlink()
    subprocess.run([str(binary), "bars", "-q", "--threshold-dbps", "10", "BTCUSDT-aggTrades-2026-01-01.zip",
                    "-o", "bars.csv"], cwd=folder, check=True)


# The Python blocks of one document run as one session (a reader types them into one interpreter): each is
# run in the namespace the earlier ones left, in a process that is given all of them so far.
SESSION = """
import sys
blocks = sys.argv[1:]
namespace = {"__name__": "__main__"}
for i, block in enumerate(blocks):
    if i < len(blocks) - 1:
        try:
            exec(compile(block, "<earlier block>", "exec"), namespace)
        except Exception:
            pass  # reported when it ran
    else:
        exec(compile(block, "<block>", "exec"), namespace)
"""


def run_block(language: str, text: str, earlier: list, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    if language == "sh":
        command = ["bash", "-c", "set -euo pipefail\n" + text]
    else:
        command = ["python", "-c", SESSION, *earlier, text]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def main() -> int:
    binary = Path(os.environ.get("BARSMITH_CLI") or ROOT / "target/release/barsmith").resolve()
    python = ROOT / "target/python-venv/bin/python"
    if not binary.is_file():
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "barsmith-cli"], cwd=ROOT, check=True)
    if not python.is_file():
        print(f"doc-examples: {python} is missing: run tools/test-all.sh first (it makes the venv)", file=sys.stderr)
        return 1
    docs = [Path(a) for a in sys.argv[1:]] or [Path("README.md"), *sorted(Path("docs").glob("*.md"))]
    started = time.monotonic()
    failures, ran, skipped = [], 0, 0
    with tempfile.TemporaryDirectory(prefix="doc-examples-") as scratch:
        scratch = Path(scratch)
        shims(scratch / "bin", binary, python)
        world(binary, scratch / "world")
        env = dict(os.environ, PATH=f"{scratch / 'bin'}:{os.environ['PATH']}", BARSMITH_CLI=str(binary))
        print(f"== doc-examples: world ready in {time.monotonic() - started:.0f} s")
        for doc in docs:
            todo = [b for b in blocks(ROOT / doc) if b[1] in RUN_LANGUAGES]
            if not todo:
                continue
            here = scratch / doc.as_posix().replace("/", "_")
            shutil.copytree(scratch / "world", here, symlinks=True, copy_function=os.link)
            if doc.as_posix() in SETUP:
                subprocess.run(["bash", "-c", SETUP[doc.as_posix()]], cwd=here, env=env, check=True)
            session: list = []
            for line, language, text, reason, expected in todo:
                place = f"{doc}:{line}"
                if reason:
                    print(f"-- {place} ({language}): not run: {reason}")
                    skipped += 1
                    continue
                done = run_block(RUN_LANGUAGES[language], text, session, here, env)
                if RUN_LANGUAGES[language] == "python":
                    session.append(text)
                ran += 1
                notes = [l for l in done.stdout.splitlines() if l.startswith("doc-examples: not run")]
                for note in notes:
                    print(f"   {note}")
                if done.returncode != expected:
                    failures.append(place)
                    print(f"FAIL {place} ({language}), exit {done.returncode}:\n{text}--- stdout:\n{done.stdout[-2000:]}"
                          f"--- stderr:\n{done.stderr[-3000:]}")
                else:
                    print(f"ok {place} ({language})" + (f", exit {expected} as marked" if expected else ""))
    print(f"== doc-examples: {ran} run, {skipped} not run (reasons above), {len(failures)} failed, "
          f"{time.monotonic() - started:.0f} s")
    if failures:
        print("failed: " + ", ".join(failures), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
