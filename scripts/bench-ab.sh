#!/usr/bin/env bash
# Alternates two server binaries under the same load generator (64 workers, two rounds), so
# that a change is compared within one run on a noisy machine. Each round starts a fresh
# server per binary and runs the scenarios in SCENARIOS (default: uniform) one after the other,
# DURATION seconds each (default 10).
# Usage: [SCENARIOS="uniform shopify"] scripts/bench-ab.sh GENERATOR_BINARY SERVER_BINARY_A SERVER_BINARY_B
set -euo pipefail
gen=$1; shift
port=18991
scenarios=${SCENARIOS:-uniform}
duration=${DURATION:-10}
for round in 1 2; do
  for bin in "$@"; do
    dir=$(mktemp -d)
    $bin migrate --database "$dir/ordo.db" >/dev/null 2>&1
    key=$($bin keys create --role admin --database "$dir/ordo.db" 2>/dev/null | tail -1)
    ORDO_LOG=warn $bin serve --listen 127.0.0.1:$port --database "$dir/ordo.db" --rate-limit 0 >/dev/null 2>&1 &
    server=$!
    sleep 1
    line="round $round $bin"
    for scenario in $scenarios; do
      r=$($gen bench --url http://127.0.0.1:$port --key "$key" --concurrency 64 --duration "$duration" --scenario "$scenario" 2>/dev/null | tail -1)
      line="$line $scenario $(echo "$r" | grep -o '"orders_per_s":[0-9.]*') $(echo "$r" | grep -o '"p99_ms":[0-9.]*') $(echo "$r" | grep -o '"errors":[0-9]*')"
    done
    kill $server; wait $server 2>/dev/null || true
    rm -rf "$dir"
    echo "$line"
  done
done
