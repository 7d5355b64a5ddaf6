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
# application/octet-stream; the ECB import takes text/csv, and the walkthrough does not use it.
allowed_warnings=("POST /v1/exchange-rates/ecb")

ordo=${1:-}
if [ -z "$ordo" ]; then
  for candidate in target/release/ordo target/debug/ordo; do
    if [ -x "$candidate" ] && { [ -z "$ordo" ] || [ "$candidate" -nt "$ordo" ]; }; then
      ordo=$candidate
    fi
  done
fi
if [ -z "$ordo" ] || [ ! -x "$ordo" ]; then
  echo "no ordo binary: build one (cargo build --release) or give its path" >&2
  exit 1
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "$python is older than Python 3.10, which the generated client needs" >&2
  exit 1
fi

dir=$(mktemp -d)
server=
status=1
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -s "$dir/server.log" ]; then
    echo "--- the server's last lines:" >&2
    tail -n 20 "$dir/server.log" >&2
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

echo "installing openapi-python-client $generator_version"
"$python" -m venv "$dir/venv"
"$dir/venv/bin/pip" install --quiet --disable-pip-version-check \
  "openapi-python-client==$generator_version" "httpx==$httpx_version" "attrs==$attrs_version"

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

port=$("$dir/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
echo "starting $ordo with demo data on $url"
ORDO_LOG=warn "$ordo" serve --demo --listen "127.0.0.1:$port" --database "sqlite://$dir/ordo.db" \
  >"$dir/server.log" 2>&1 &
server=$!
"$dir/venv/bin/python" - "$url" "$server" <<'EOF'
import json, os, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
            if answer.status == 200:
                break
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server stopped before it answered /healthz")
    if time.monotonic() > deadline:
        sys.exit("the server did not answer /healthz within 60 s")
    time.sleep(0.2)
with urllib.request.urlopen(url + "/openapi.json", timeout=10) as answer:
    served = json.load(answer)
with open("docs/openapi.json", encoding="utf-8") as stored:
    if served != json.load(stored):
        sys.exit("the server's /openapi.json is not docs/openapi.json: is the binary older than the tree?")
EOF
key=$(sed -n 's/^Admin key: *//p' "$dir/server.log" | head -n 1)
if [ -z "$key" ]; then
  echo "the server printed no admin key" >&2
  exit 1
fi

PYTHONPATH="$dir" ORDO_URL="$url" ORDO_KEY="$key" \
  "$dir/venv/bin/python" scripts/client/walkthrough.py | tee "$dir/walkthrough.log"
steps=$(grep -c '^ok ' "$dir/walkthrough.log")
status=0
echo "client walkthrough: $steps steps passed"
