#!/usr/bin/env bash
# Order capture with and without webhook subscriptions, alternated on fresh SQLite servers
# (ROUNDS rounds, default two, 64 workers, DURATION seconds each, default 10), and the deliveries the
# subscribed run's receiver got: how many, how fast, and that each accepted order's
# `order.created` arrived exactly once per subscription.
# Usage: [ROUNDS=2] [DURATION=10] [SUBSCRIPTIONS=1] scripts/bench-webhooks.sh ORDO_BINARY
set -euo pipefail
bin=$1
port=18993
duration=${DURATION:-10}
subscriptions=${SUBSCRIPTIONS:-1}
for round in $(seq 1 "${ROUNDS:-2}"); do
  for subs in 0 "$subscriptions"; do
    dir=$(mktemp -d)
    $bin migrate --database "$dir/ordo.db" >/dev/null 2>&1
    key=$($bin keys create --role admin --database "$dir/ordo.db" 2>/dev/null | tail -1)
    ORDO_LOG=warn $bin serve --listen 127.0.0.1:$port --database "$dir/ordo.db" --rate-limit 0 --webhooks-allow-private >/dev/null 2>&1 &
    server=$!
    sleep 1
    out=$($bin bench --url http://127.0.0.1:$port --key "$key" --concurrency 64 --duration "$duration" --webhook-subscriptions "$subs" 2>&1)
    r=$(echo "$out" | tail -1)
    echo "round $round subscriptions $subs $(echo "$r" | grep -o '"orders_per_s":[0-9.]*') $(echo "$r" | grep -o '"p99_ms":[0-9.]*') $(echo "$r" | grep -o '"errors":[0-9]*')"
    echo "$out" | grep '^webhooks: [0-9]' || true
    kill $server; wait $server 2>/dev/null || true
    rm -rf "$dir"
  done
done
