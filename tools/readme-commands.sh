#!/usr/bin/env bash
# Runs the README's two commands ("Two commands on a fresh machine": the bars of the bundled fixture, then
# every test) exactly as the README writes them, read from README.md itself, and fails on any red.
#
#   bash tools/readme-commands.sh                # here (CI: `.ci/run` calls it first, on its fresh clone)
#   bash tools/readme-commands.sh --fresh-clone  # in a fresh clone of HEAD under a temporary directory
#                                                # (a cold build: what a new user sees; commit first)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--fresh-clone" ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  git clone --quiet . "$scratch/barsmith"
  echo "== fresh clone of $(git rev-parse --short HEAD) in $scratch/barsmith"
  bash "$scratch/barsmith/tools/readme-commands.sh"
  exit 0
fi

# The ```sh blocks of the README's section "Two commands on a fresh machine", one command each.
mapfile -t commands < <(awk '
  /^## / { inside = ($0 == "## Two commands on a fresh machine") }
  inside && /^```sh$/ { block = 1; command = ""; next }
  inside && block && /^```$/ { block = 0; print command; next }
  inside && block { command = (command == "" ? $0 : command "\n" $0) }
' README.md)
if [ "${#commands[@]}" -ne 2 ]; then
  echo "README.md: expected 2 commands under \"## Two commands on a fresh machine\", found ${#commands[@]}" >&2
  exit 1
fi

echo "== README command 1: ${commands[0]}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bash -euo pipefail -c "${commands[0]}" >"$out"
bars=$(($(wc -l <"$out") - 1))
if [ "$bars" -lt 1 ]; then
  echo "README command 1 printed no bars" >&2
  exit 1
fi
echo "-> $bars bars; first columns of the first bar: $(sed -n 2p "$out" | cut -d, -f1-6)"

echo "== README command 2: ${commands[1]}"
bash -euo pipefail -c "${commands[1]}"
