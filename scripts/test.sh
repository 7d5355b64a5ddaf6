#!/usr/bin/env bash
# Runs the whole test suite on both storage engines: starts a throw-away PostgreSQL on
# 127.0.0.1 (installing it from the distribution's packages if it is missing), runs
# `cargo test --workspace` with its URL set, and stops it again.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/pg-start.sh "${ORDO_TEST_PG_PORT:-55432}")"
cleanup() {
  sh -c "$ORDO_TEST_PG_STOP" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cargo test --workspace "$@"
