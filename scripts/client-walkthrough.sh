#!/usr/bin/env bash
# Generates a Python client from docs/openapi.json with openapi-python-client and runs the
# README's walkthrough through it (scripts/client/walkthrough.py) against a fresh demo server.
# The generated code is used as it comes out; a warning from the generator about the document
# fails the run.
#
# Usage: scripts/client-walkthrough.sh [ORDO_BINARY]
#   ORDO_BINARY defaults to target/release/ordo or target/debug/ordo (the newer if both exist).
#   PYTHON names the interpreter for the virtual environment (default python3, 3.10 or later).
set -euo pipefail
cd "$(dirname "$0")/.."

generator_version=0.29.1
httpx_version=0.28.1
attrs_version=26.1.0
# The generator writes no code for a request body that is neither JSON, a form nor
# application/octet-stream; the ECB import and the CSV import take text/csv, and the
# walkthrough uses neither.
allowed_warnings=("POST /v1/exchange-rates/ecb" "POST /v1/imports")

# shellcheck source=lib/demo-server.sh
. scripts/lib/demo-server.sh
find_ordo "${1:-}"

echo "installing openapi-python-client $generator_version"
make_venv "openapi-python-client==$generator_version" "httpx==$httpx_version" "attrs==$attrs_version"

echo "generating the client from docs/openapi.json"
"$dir/venv/bin/openapi-python-client" generate --path docs/openapi.json \
  --output-path "$dir/ordo_client" --overwrite --meta none \
  --config scripts/client/config.yaml >"$dir/generate.log" 2>&1 || {
  cat "$dir/generate.log" >&2
  echo "the generator failed" >&2
  exit 1
}
unexpected=0
while IFS= read -r line; do
  allowed=0
  for operation in "${allowed_warnings[@]}"; do
    case "$line" in "WARNING parsing $operation "*) allowed=1 ;; esac
  done
  if [ "$allowed" -eq 0 ]; then unexpected=1; fi
done < <(grep -E '^(WARNING|ERROR)' "$dir/generate.log" || true)
if [ "$unexpected" -ne 0 ]; then
  cat "$dir/generate.log" >&2
  echo "the generator warned about docs/openapi.json (see above)" >&2
  exit 1
fi
if [ ! -f "$dir/ordo_client/__init__.py" ]; then
  cat "$dir/generate.log" >&2
  echo "the generator wrote no ordo_client package" >&2
  exit 1
fi

start_demo

PYTHONPATH="$dir" ORDO_URL="$url" ORDO_KEY="$key" \
  "$dir/venv/bin/python" scripts/client/walkthrough.py | tee "$dir/walkthrough.log"
steps=$(grep -c '^ok ' "$dir/walkthrough.log")
echo "client walkthrough: $steps steps passed"
# Nothing the walkthrough did left a card number anywhere.
scan_pan "$dir/walkthrough.log"
# Every change the walkthrough made is in the audit log, and its chain holds.
"$ordo" audit verify --database "sqlite://$dir/ordo.db"
status=0
