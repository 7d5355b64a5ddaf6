#!/usr/bin/env bash
# Order capture without and with customer email, alternated on fresh SQLite servers (two
# rounds, 64 workers, DURATION seconds each, default 10); the email run's server sends each
# order's confirmation to a mail sink in the generator's process, which reports how many
# messages came and how fast.
# Usage: [DURATION=10] scripts/bench-mail.sh ORDO_BINARY
set -euo pipefail
bin=$1
port=18995
sink=127.0.0.1:18996
duration=${DURATION:-10}
for round in 1 2; do
  for mail in off on; do
    dir=$(mktemp -d)
    $bin migrate --database "$dir/ordo.db" >/dev/null 2>&1
    key=$($bin keys create --role admin --database "$dir/ordo.db" 2>/dev/null | tail -1)
    flags=()
    sinks=()
    if [ "$mail" = on ]; then flags=(--smtp-url "smtp://$sink"); sinks=(--smtp-sink "$sink"); fi
    ORDO_LOG=warn $bin serve --listen 127.0.0.1:$port --database "$dir/ordo.db" --rate-limit 0 "${flags[@]}" >/dev/null 2>&1 &
    server=$!
    sleep 1
    out=$($bin bench --url http://127.0.0.1:$port --key "$key" --concurrency 64 --duration "$duration" "${sinks[@]}" 2>&1)
    r=$(echo "$out" | tail -1)
    echo "round $round mail $mail $(echo "$r" | grep -o '"orders_per_s":[0-9.]*') $(echo "$r" | grep -o '"p99_ms":[0-9.]*') $(echo "$r" | grep -o '"errors":[0-9]*')"
    echo "$out" | grep '^mail: [0-9]' || true
    kill $server; wait $server 2>/dev/null || true
    rm -rf "$dir"
  done
done
