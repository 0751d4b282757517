#!/usr/bin/env bash
# Every test: the Rust workspace, then the Python package (built in release with maturin in a venv under
# target/, type-checked with mypy, tested with pytest). The README's test command and what `.ci/run` calls.
# Exits non-zero on any failure, including pytest finding no tests.
#
#   bash tools/test-all.sh            # everything
#   SKIP_RUST=1 bash tools/test-all.sh  # only the Python part (after a Rust change, rerun everything)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ -z "${SKIP_RUST:-}" ]; then
  echo "== cargo test --workspace --locked"
  cargo test --workspace --locked
fi

# The Python tests compare with the CLI's CSV; they use this binary (built by the cargo test above).
export BARSMITH_CLI="${BARSMITH_CLI:-$root/target/debug/barsmith}"
if [ ! -x "$BARSMITH_CLI" ]; then
  cargo build --locked -p barsmith-cli
fi

# test-support's stand-ins the Python tests start: the Binance of bs.live (python/tests/test_live.py) and the
# Binance Vision mirror of get_bars (python/tests/conftest.py).
export BARSMITH_STAND_IN="${BARSMITH_STAND_IN:-$root/target/debug/live-stand-in}"
export BARSMITH_VISION_STAND_IN="${BARSMITH_VISION_STAND_IN:-$root/target/debug/vision-stand-in}"
if [ ! -x "$BARSMITH_STAND_IN" ] || [ ! -x "$BARSMITH_VISION_STAND_IN" ] || [ -z "${SKIP_RUST:-}" ]; then
  cargo build --locked -p barsmith-test-support --features live-server,mirror --bin live-stand-in \
    --bin vision-stand-in
fi

venv="$root/target/python-venv"
python=${PYTHON:-python3}
echo "== Python venv ($venv)"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r python/requirements-test.txt

echo "== maturin develop --release (python/)"
(cd python && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" maturin develop --release --locked --quiet)

echo "== mypy python/python/barsmith (the package against the extension's stubs)"
(cd python && "$venv/bin/python" -m mypy)

echo "== pytest python/tests"
set +e
(cd python && "$venv/bin/python" -m pytest tests -q -p no:cacheprovider)
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
