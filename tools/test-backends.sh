#!/usr/bin/env bash
# The CLI and Python suites once per kernel backend this machine runs, each forced as the automatic choice
# with BARSMITH_BACKEND, so that a machine with AVX-512 also sees what an AVX2-only or a scalar-only machine
# sees (docs/OUTPUT.md, "What is reproducible"). Run after `bash tools/test-all.sh` (it reuses its build and
# its Python venv); `.ci/run` calls it.
#
#   bash tools/test-backends.sh                 # every backend `barsmith cpu --available` lists
#   bash tools/test-backends.sh scalar,avx2     # these
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

backends=${1:-$(cargo run --quiet --locked -p barsmith-cli -- cpu --available)}
venv="$root/target/python-venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "no Python venv at $venv: run bash tools/test-all.sh first" >&2
  exit 1
fi
export BARSMITH_CLI="${BARSMITH_CLI:-$root/target/debug/barsmith}"

for backend in ${backends//,/ }; do
  echo "== BARSMITH_BACKEND=$backend: cargo test -p barsmith-cli"
  BARSMITH_BACKEND=$backend cargo test --locked -p barsmith-cli
  echo "== BARSMITH_BACKEND=$backend: pytest python/tests"
  set +e
  (cd python && BARSMITH_BACKEND=$backend "$venv/bin/python" -m pytest tests -q -p no:cacheprovider)
  status=$?
  set -e
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure" >&2
    exit 1
  elif [ "$status" -ne 0 ]; then
    exit "$status"
  fi
done
