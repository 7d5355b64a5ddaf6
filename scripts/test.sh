#!/usr/bin/env bash
# Runs the whole test suite on both storage engines: starts a throw-away PostgreSQL on
# 127.0.0.1 (installing it from the distribution's packages if it is missing), runs
# `cargo test --workspace` with its URL set, and stops it again. The PDF and barcode checks
# need poppler-utils and zbar-tools, installed here when missing. Then Ordo is tried from
# outside, with the binary the tests built: a client generated from docs/openapi.json runs
# the README's walkthrough (scripts/client-walkthrough.sh), and schemathesis fuzzes every
# operation with every check (scripts/api-fuzz.sh); both install their tools from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
# Tools the document tests read PDFs and barcodes with.
if ! command -v pdftoppm >/dev/null || ! command -v zbarimg >/dev/null; then
  echo "installing poppler-utils and zbar-tools" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils zbar-tools) >&2
fi
export ORDO_TEST_REQUIRE_TOOLS=1
# A PostgreSQL that does not start (its port taken, say) fails the run rather than letting
# the PostgreSQL variants of the tests skip themselves.
pg_env=$(scripts/pg-start.sh "${ORDO_TEST_PG_PORT:-55432}") || { echo "the test PostgreSQL did not start" >&2; exit 1; }
eval "$pg_env"
# Every test's files (databases, documents, logs) go under one folder that goes with the run.
suite_tmp=$(mktemp -d /tmp/ordo-suite.XXXXXX)
export TMPDIR="$suite_tmp"
cleanup() {
  if [ -n "${ORDO_TEST_PG_STOP:-}" ]; then sh -c "$ORDO_TEST_PG_STOP" >/dev/null 2>&1 || true; fi
  # The throw-away server's files go with it (several hundred megabytes after a run).
  case "${ORDO_TEST_PG_DATA:-}" in /tmp/ordo-pg.*) rm -rf "$ORDO_TEST_PG_DATA" ;; esac
  rm -rf "$suite_tmp"
}
trap cleanup EXIT
log=$(mktemp /tmp/ordo-suite-log.XXXXXX)
status=0
if [ "$#" -eq 0 ]; then
  # The crash tests (100 SIGKILLs per engine) and the deterministic simulation (optimised:
  # its figure is operations per minute) run on their own, so that their figures show.
  sim="fixed_seeds_keep_the_books random_seeds_keep_the_books a_seed_reproduces_exactly"
  skips=(--skip sigkills_under_load)
  for t in $sim; do skips+=(--skip "$t"); done
  cargo test --workspace -- "${skips[@]}" 2>&1 | tee "$log" || status=$?
  cargo test -p ordo --test it -- sigkills_under_load --nocapture 2>&1 | tee -a "$log" || status=$?
  # shellcheck disable=SC2086
  cargo test --release -p ordo-app --test simulation -- $sim --nocapture --test-threads 1 2>&1 | tee -a "$log" || status=$?
else
  cargo test --workspace "$@" 2>&1 | tee "$log" || status=$?
fi
# One closing line for the whole suite, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
binary="${CARGO_TARGET_DIR:-target}/debug/ordo"
if [ "$status" -eq 0 ]; then
  scripts/client-walkthrough.sh "$binary" || status=$?
fi
if [ "$status" -eq 0 ]; then
  scripts/api-fuzz.sh "$binary" || status=$?
fi
exit "$status"
