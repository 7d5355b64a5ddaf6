#!/usr/bin/env bash
# Times `ordo import orders` on a fresh SQLite database: 10 products, stock for them, then a
# file of ORDERS orders of LINES rows each (25,000 of 4: 100,000 rows, by default). Prints the import's summary,
# which gives rows per second. Usage: scripts/bench-csv.sh [ORDERS] [ORDO_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-25000}
lines=${LINES:-4}
ordo=${2:-./target/release/ordo}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$ordo" demo --database "$dir/ordo.db" >/dev/null
{
  echo "sku,name,price,currency,weight_grams"
  for i in $(seq 0 9); do echo "IMP-$i,Imported $i,12.50,USD,300"; done
} >"$dir/products.csv"
{
  echo "location,sku,delta,reason"
  for i in $(seq 0 9); do echo "NJ-WH,IMP-$i,100000000,received"; done
} >"$dir/stock.csv"
awk -v orders="$orders" -v lines="$lines" 'BEGIN {
  print "order_number,channel,email,name,currency,sku,quantity,unit_price,shipping,ship_line1,ship_city,ship_region,ship_postal_code,ship_country"
  for (o = 0; o < orders; o++) for (l = 0; l < lines; l++) {
    printf "LEG-%d,legacy,buyer%d@example.com,Buyer %d,USD,IMP-%d,%d,12.50,%s,1 Main St,Boston,MA,02108,US\n",
      o, o % 5000, o % 5000, (o * lines + l) % 10, 1 + l % 2, (l == 0 ? "4.99" : "")
  }
}' >"$dir/orders.csv"
ORDO_LOG=warn "$ordo" import products "$dir/products.csv" --database "$dir/ordo.db" >/dev/null
ORDO_LOG=warn "$ordo" import inventory "$dir/stock.csv" --database "$dir/ordo.db" >/dev/null
ORDO_LOG=warn "$ordo" import orders "$dir/orders.csv" --database "$dir/ordo.db" 2>/dev/null
ORDO_LOG=warn "$ordo" import orders "$dir/orders.csv" --database "$dir/ordo.db" 2>/dev/null | sed 's/^/again: /'
