#!/usr/bin/env bash
# Runs the load generator against one and then two release servers sharing a throw-away
# PostgreSQL on 127.0.0.1, and prints each run's JSON summary.
# Usage: scripts/bench-pg.sh [DURATION_S] [CONCURRENCY] [extra bench flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
concurrency=${2:-64}
shift $(( $# > 2 ? 2 : $# )) || true
cargo build --release -q
eval "$(scripts/pg-start.sh 55499 2>/dev/null)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; sh -c "$ORDO_TEST_PG_STOP" >/dev/null 2>&1; rm -rf "$ORDO_TEST_PG_DATA"' EXIT
url="${ORDO_TEST_POSTGRES_URL}?sslmode=disable"
key=$(./target/release/ordo keys create --role admin --database "$url" | tail -1)
for port in 18991 18992; do
  ORDO_LOG=warn ./target/release/ordo serve --listen 127.0.0.1:$port --database "$url" --rate-limit 0 >/dev/null &
  pids+=($!)
done
sleep 1
for nodes in "http://127.0.0.1:18991" "http://127.0.0.1:18991,http://127.0.0.1:18992"; do
  for scenario in uniform flash; do
    echo "nodes: $nodes, scenario: $scenario"
    extra=()
    [ $scenario = flash ] && extra=(--stock 100000000)
    ./target/release/ordo bench --url "$nodes" --key "$key" --concurrency "$concurrency" --duration "$duration" \
      --scenario $scenario "${extra[@]}" "$@" | tail -1
  done
done
