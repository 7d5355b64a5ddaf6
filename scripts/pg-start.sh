#!/usr/bin/env bash
# Starts a throw-away PostgreSQL on 127.0.0.1 for the test suite and prints the environment
# the tests read. Usage: eval "$(scripts/pg-start.sh [PORT])"
# PostgreSQL refuses to run as root, so the server runs as the `postgres` user.
set -euo pipefail
port=${1:-55432}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "installing PostgreSQL" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
data=$(mktemp -d /tmp/ordo-pg.XXXXXX)
chown postgres: "$data" 2>/dev/null || true
chmod 700 "$data"
as_postgres "$bindir/initdb" -D "$data/db" -U postgres -A trust --no-sync >/dev/null
# TLS with a self-signed certificate for 127.0.0.1, so that the tests exercise encrypted
# connections and certificate checks too.
opts="-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=300"
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Ordo test CA" \
    -keyout "$data/ca.key" -out "$data/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$data/server.key" -out "$data/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' > "$data/server.ext"
  openssl x509 -req -in "$data/server.csr" -CA "$data/ca.crt" -CAkey "$data/ca.key" -CAcreateserial -days 2 \
    -extfile "$data/server.ext" -out "$data/server.crt" >/dev/null 2>&1
  chown postgres: "$data/server.key" "$data/server.crt" 2>/dev/null || true
  chmod 600 "$data/server.key"
  opts="$opts -c ssl=on -c ssl_cert_file=$data/server.crt -c ssl_key_file=$data/server.key"
  echo "export ORDO_TEST_PG_CA_FILE='$data/ca.crt'"
fi
as_postgres "$bindir/pg_ctl" -D "$data/db" -l "$data/log" -w -o "$opts" start >&2
as_postgres "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE ordo_test" >&2
stop="runuser -u postgres -- $bindir/pg_ctl -D $data/db -m fast -w stop"
start="runuser -u postgres -- $bindir/pg_ctl -D $data/db -l $data/log -w -o '$opts' start"
if [ "$(id -u)" != 0 ]; then
  stop="$bindir/pg_ctl -D $data/db -m fast -w stop"
  start="$bindir/pg_ctl -D $data/db -l $data/log -w -o '$opts' start"
fi
# The data folder, for the caller to remove once the server is stopped for good.
echo "export ORDO_TEST_PG_DATA='$data'"
echo "export ORDO_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$port/ordo_test'"
echo "export ORDO_TEST_PG_STOP=\"$stop\""
echo "export ORDO_TEST_PG_START=\"$start\""
