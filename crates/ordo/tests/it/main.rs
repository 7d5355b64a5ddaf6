//! Ordo end to end, as one test binary: a real server (in process, or `ordo` itself as a
//! child process) over SQLite and, when `ORDO_TEST_POSTGRES_URL` is set, PostgreSQL. There
//! is one module per area; `common` holds the server, the client and `on_both_engines!`.
//! One binary links the dependency tree once instead of once per area.

#[macro_use]
mod common;

mod api;
mod audit;
mod backup;
mod card_numbers;
mod channel_mail;
mod channel_pulls;
mod channels;
mod claims;
mod crash;
mod csv_import;
mod customers;
mod documents;
mod durability;
mod easypost;
mod edits;
mod email;
mod exchange_rates;
mod forecasts;
mod fulfillment;
mod holds;
mod idempotency;
mod migrate;
mod money_walk;
mod multinode;
mod payments;
mod pg_outage;
mod purchase_orders;
mod refunds;
mod reports;
mod returns;
mod robustness;
mod roles;
mod routing;
mod secrets;
mod shipping;
mod slow_clients;
mod stock_alerts;
mod stock_push;
mod stock_walk;
mod strict_json;
mod stripe;
mod suppliers;
mod till;
mod timeline;
mod transfers;
mod webhooks;
