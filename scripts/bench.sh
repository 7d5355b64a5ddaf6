#!/usr/bin/env bash
# Runs the load generator against a fresh release server on 127.0.0.1 and prints each
# scenario's JSON summary. Usage: scripts/bench.sh [DURATION_S] [CONCURRENCY] [extra bench flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
concurrency=${2:-64}
shift $(( $# > 2 ? 2 : $# )) || true
cargo build --release -q
dir=$(mktemp -d)
port=18990
./target/release/ordo migrate --database "$dir/ordo.db" >/dev/null
key=$(./target/release/ordo keys create --role admin --database "$dir/ordo.db" | tail -1)
ORDO_LOG=warn ./target/release/ordo serve --listen 127.0.0.1:$port --database "$dir/ordo.db" --rate-limit 0 >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
sleep 1
for scenario in uniform flash; do
  ./target/release/ordo bench --url http://127.0.0.1:$port --key "$key" --concurrency "$concurrency" \
    --duration "$duration" --scenario $scenario "$@" | tail -1
done
echo "server resident memory: $(awk '/VmRSS/ {print $2, $3}' /proc/$server/status)"
