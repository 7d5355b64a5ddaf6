# Shared by the scripts that try Ordo from outside (the generated-client walkthrough, the API
# fuzz run): find the binary, make a Python virtual environment, start `ordo serve --demo` on
# a free port of 127.0.0.1 with a throw-away database, and stop everything on exit.
# Source it after `set -euo pipefail` and `cd` to the repository root; it sets `dir` (a
# temporary directory removed on exit), `ordo`, `python`, and after `start_demo` `url` and
# `key`. `status` is what the script exits with; set it to 0 on success.

# The ordo binary: the first argument, or target/release/ordo or target/debug/ordo (the newer).
find_ordo() {
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
}

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "$python is older than Python 3.10, which these checks need" >&2
  exit 1
fi

dir=$(mktemp -d)
server=
helpers=()
status=1
cleanup() {
  for pid in "${helpers[@]}" "$server"; do
    if [ -n "$pid" ]; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ "$status" -ne 0 ] && [ -s "$dir/server.log" ]; then
    echo "--- the server's last lines:" >&2
    tail -n 20 "$dir/server.log" >&2
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

# A virtual environment in $dir/venv with the given packages (pinned by the caller).
make_venv() {
  "$python" -m venv "$dir/venv"
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check "$@"
}

# A port nothing listens on.
free_port() {
  "$dir/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts the demo server (its environment as the caller set it), waits for /healthz, checks
# that it serves docs/openapi.json, and reads the admin key it prints.
start_demo() {
  local port
  port=$(free_port)
  url=http://127.0.0.1:$port
  echo "starting $ordo with demo data on $url"
  ORDO_LOG=${ORDO_LOG:-warn} "$ordo" serve --demo --listen "127.0.0.1:$port" --database "sqlite://$dir/ordo.db" \
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
}

# Looks for card numbers in the demo server's database and log, and in the given files
# (`ordo scan-pan`); fails the script when one is found.
scan_pan() {
  "$ordo" scan-pan --database "sqlite://$dir/ordo.db" "$dir/server.log" "$@"
}
