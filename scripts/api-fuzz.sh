#!/usr/bin/env bash
# Fuzzes the API from its document with schemathesis: every check, every phase (examples,
# coverage, fuzzing, stateful), at least 50 examples per operation, against a fresh demo
# server whose card payments go to a local Stripe stand-in (scripts/api-fuzz/stripe_standin.py)
# and whose WooCommerce channel is a local stand-in too (scripts/api-fuzz/platform_standin.py),
# with customer email going to a local SMTP listener (scripts/api-fuzz/smtp_sink.py).
# Valid cases are brought into line with the demo's real objects (scripts/api-fuzz/ground.py),
# so that every operation gets its work done at least once. Any failure, or any operation
# never answered a success, fails the run; the summary (operations, cases, failures, and
# operations done) is printed.
#
# Usage: scripts/api-fuzz.sh [ORDO_BINARY]
#   ORDO_BINARY defaults to target/release/ordo or target/debug/ordo (the newer if both exist).
#   FUZZ_EXAMPLES overrides the examples per operation (default 50). FUZZ_SEED picks the seed
#   (default 1, so that a run can be repeated; FUZZ_SEED=random draws one, for runs by hand).
set -euo pipefail
cd "$(dirname "$0")/.."

schemathesis_version=4.32.5

# shellcheck source=lib/demo-server.sh
. scripts/lib/demo-server.sh
find_ordo "${1:-}"

echo "installing schemathesis $schemathesis_version"
make_venv "schemathesis==$schemathesis_version"

stripe_port=$(free_port)
"$dir/venv/bin/python" scripts/api-fuzz/stripe_standin.py "$stripe_port" sk_test_fuzz &
helpers+=($!)
export ORDO_STRIPE_SECRET_KEY=sk_test_fuzz ORDO_STRIPE_WEBHOOK_SECRET=whsec_fuzz ORDO_ALLOW_PRIVATE_TARGETS=true
export ORDO_STRIPE_API_BASE=http://127.0.0.1:$stripe_port
# A WooCommerce stand-in for the channel the run pulls from and pushes stock to.
platform_port=$(free_port)
"$dir/venv/bin/python" scripts/api-fuzz/platform_standin.py "$platform_port" ck_fuzz cs_fuzz &
helpers+=($!)
export FUZZ_PLATFORM_URL=http://127.0.0.1:$platform_port
# A mail server that takes the customer email the run's orders call for.
smtp_port=$(free_port)
"$dir/venv/bin/python" scripts/api-fuzz/smtp_sink.py "$smtp_port" &
helpers+=($!)
export ORDO_SMTP_URL=smtp://127.0.0.1:$smtp_port
# The fuzzer sends thousands of requests without a key or with a wrong one on purpose, from
# the address its valid requests come from; the per-address limit on them is tested apart.
export ORDO_BAD_KEY_RATE=0
start_demo

seed=()
if [ "${FUZZ_SEED:-1}" != random ]; then seed=(--seed "${FUZZ_SEED:-1}"); fi
# One worker: the fuzzer's parallel workers trip over each other in Python 3.11's parser.
ORDO_URL="$url" ORDO_KEY="$key" FUZZ_SEED="${FUZZ_SEED:-1}" FUZZ_TALLY="$dir/tally" SCHEMATHESIS_HOOKS=hooks PYTHONPATH=scripts/api-fuzz \
  "$dir/venv/bin/st" --config-file scripts/api-fuzz/schemathesis.toml run docs/openapi.json \
  --url "$url" --checks all --phases examples,coverage,fuzzing,stateful \
  --max-examples "${FUZZ_EXAMPLES:-50}" --workers 1 "${seed[@]}" --no-color \
  >"$dir/fuzz.log" 2>&1 && fuzz=0 || fuzz=$?
# The report's summary, and every failure in full when there is one.
if [ "$fuzz" -ne 0 ]; then cat "$dir/fuzz.log"; else sed -n '/= SUMMARY =/,$p' "$dir/fuzz.log"; fi
# How many operations were answered with a success at least once (accepted data reached
# them), and which were not.
"$dir/venv/bin/python" scripts/api-fuzz/tally.py docs/openapi.json "$dir/tally" || fuzz=$?
status=$fuzz
echo "api fuzz: $(grep -E '^=+ .* in [0-9.]+s =+$' "$dir/fuzz.log" | tr -d '=' | xargs)"
exit "$fuzz"
