#!/usr/bin/env bash
# Runs every documented example of README.md and docs/*.md that is meant to run, as written (see the header of
# tools/doc-examples.py for what runs and the stand-ins for fetch and `cargo run`); fails on any that fails.
# Needs the release CLI (built if missing) and target/python-venv (made by tools/test-all.sh).
#
#   bash tools/doc-examples.sh                 # every document
#   bash tools/doc-examples.sh docs/OUTPUT.md  # one
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 tools/doc-examples.py "$@"
