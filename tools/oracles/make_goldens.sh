#!/bin/sh
# Creates tools/oracles/.venv with the oracle packages and rewrites fixtures/golden/*.json.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$here/.venv/bin/python" ]; then
    python3 -m venv "$here/.venv"
fi
"$here/.venv/bin/pip" install -q -r "$here/requirements.txt"
exec "$here/.venv/bin/python" "$here/make_goldens.py"
