//! The one description of Ordo's tables: every table the migrations create, with its columns,
//! key and kinds. Copies between engines, table counts and whole-row statements are built from
//! it; the conformance suite checks it against both engines' catalogues.
//! It holds no SQL; the one column only an engine has is named in `ENGINE_ONLY`.

/// One column value, independent of the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
    Bool,
    Bytes,
}

pub struct TableSpec {
    pub name: &'static str,
    /// In the table's own order (a migration's `ADD COLUMN` puts a new one last); statements
    /// name every column, so the order is documentation.
    pub columns: &'static [(&'static str, Kind)],
    /// How many leading columns form the primary key the copy pages by.
    pub key_len: usize,
    /// The key is a number the database hands out to each new row (a PostgreSQL sequence,
    /// SQLite's row id), so numbering must continue past copied rows.
    pub numbered: bool,
    /// The column names joined by `", "`, for statements that read or write whole rows.
    pub column_list: &'static str,
}

/// Tables an engine keeps for itself, outside the migrations and outside copies.
pub const BOOKKEEPING: &[&str] = &["schema_migrations"];

/// Columns one engine has beyond the shared lists, filled by the database itself and never
/// copied: (engine name, table, column). PostgreSQL's `events.txid` names the transaction that
/// wrote the event, which means nothing in another database.
pub const ENGINE_ONLY: &[(&str, &str, &str)] = &[("postgres", "events", "txid")];

/// A `TableSpec` whose `column_list` is joined at compile time, so statements can use it as a
/// constant.
macro_rules! table {
    ($name:literal, key $key_len:literal, numbered $numbered:literal,
     [($first:literal, $first_kind:ident) $(, ($column:literal, $kind:ident))* $(,)?]) => {
        TableSpec {
            name: $name,
            columns: &[($first, Kind::$first_kind) $(, ($column, Kind::$kind))*],
            key_len: $key_len,
            numbered: $numbered,
            column_list: concat!($first $(, ", ", $column)*),
        }
    };
}

pub const API_KEYS: TableSpec = table!("api_keys", key 1, numbered false, [
    ("id", Text),
    ("hash", Text),
    ("prefix", Text),
    ("role", Text),
    ("channel", Text),
    ("name", Text),
    ("created_at", Int),
    ("revoked_at", Int),
]);

pub const PRODUCTS: TableSpec = table!("products", key 1, numbered false, [
    ("id", Text),
    ("sku", Text),
    ("name", Text),
    ("price", Int),
    ("currency", Text),
    ("weight_grams", Int),
    ("barcode", Text),
    ("active", Bool),
    ("version", Int),
    ("created_at", Int),
    ("updated_at", Int),
]);

pub const LOCATIONS: TableSpec = table!("locations", key 1, numbered false, [
    ("id", Text),
    ("code", Text),
    ("name", Text),
    ("kind", Text),
    ("address", Text),
    ("latitude", Real),
    ("longitude", Real),
    ("ships_orders", Bool),
    ("pickup", Bool),
    ("priority", Int),
    ("active", Bool),
    ("version", Int),
    ("created_at", Int),
    ("updated_at", Int),
    ("daily_capacity", Int),
]);

pub const LOCATION_LOAD: TableSpec =
    table!("location_load", key 2, numbered false, [("location_id", Text), ("day", Text), ("orders", Int)]);

pub const INVENTORY_LEVELS: TableSpec = table!("inventory_levels", key 2, numbered false, [
    ("sku", Text),
    ("location_id", Text),
    ("on_hand", Int),
    ("reserved", Int),
    ("updated_at", Int),
]);

pub const INVENTORY_MOVEMENTS: TableSpec = table!("inventory_movements", key 1, numbered true, [
    ("seq", Int),
    ("at", Int),
    ("location_id", Text),
    ("location", Text),
    ("sku", Text),
    ("on_hand_delta", Int),
    ("reserved_delta", Int),
    ("on_hand_after", Int),
    ("reserved_after", Int),
    ("reason", Text),
    ("actor", Text),
    ("order_id", Text),
    ("note", Text),
    ("reference", Text),
]);

pub const CUSTOMERS: TableSpec = table!("customers", key 1, numbered false, [
    ("id", Text),
    ("email", Text),
    ("name", Text),
    ("phone", Text),
    ("version", Int),
    ("created_at", Int),
    ("updated_at", Int),
    ("tags", Text),
    ("notes", Text),
]);

pub const ORDERS: TableSpec = table!("orders", key 1, numbered false, [
    ("number", Int),
    ("id", Text),
    ("channel", Text),
    ("external_id", Text),
    ("customer_id", Text),
    ("status", Text),
    ("created_at", Int),
    ("body", Text),
]);

pub const CARRIERS: TableSpec = table!("carriers", key 1, numbered false, [
    ("code", Text),
    ("body", Text),
    ("version", Int),
    ("created_at", Int),
    ("updated_at", Int),
]);

pub const COUNT_REQUESTS: TableSpec = table!("count_requests", key 2, numbered false, [
    ("sku", Text),
    ("location_id", Text),
    ("location", Text),
    ("requested_at", Int),
    ("reason", Text),
]);

pub const FULFILLMENTS: TableSpec = table!("fulfillments", key 1, numbered false, [
    ("id", Text),
    ("order_id", Text),
    ("location_id", Text),
    ("status", Text),
    ("created_at", Int),
    ("body", Text),
    ("tracking_number", Text),
]);

pub const PAYMENTS: TableSpec = table!("payments", key 1, numbered false, [
    ("id", Text),
    ("order_id", Text),
    ("provider", Text),
    ("currency", Text),
    ("created_at", Int),
    ("body", Text),
    ("reference", Text),
]);

pub const ORDER_RECORDS: TableSpec = table!("order_records", key 1, numbered false, [
    ("id", Text),
    ("order_id", Text),
    ("kind", Text),
    ("status", Text),
    ("created_at", Int),
    ("updated_at", Int),
    ("body", Text),
]);

pub const STOCK_BUCKETS: TableSpec = table!("stock_buckets", key 3, numbered false, [
    ("sku", Text),
    ("location_id", Text),
    ("bucket", Text),
    ("quantity", Int),
    ("updated_at", Int),
]);

pub const BUCKET_MOVEMENTS: TableSpec = table!("bucket_movements", key 1, numbered true, [
    ("seq", Int),
    ("at", Int),
    ("location_id", Text),
    ("location", Text),
    ("sku", Text),
    ("bucket", Text),
    ("delta", Int),
    ("quantity_after", Int),
    ("reason", Text),
    ("actor", Text),
    ("order_id", Text),
    ("reference", Text),
    ("note", Text),
]);

pub const CHANNEL_SETTINGS: TableSpec =
    table!("channel_settings", key 1, numbered false, [("channel", Text), ("body", Text), ("updated_at", Int)]);

pub const WORKER_CURSORS: TableSpec =
    table!("worker_cursors", key 1, numbered false, [("name", Text), ("position", Int)]);

pub const PAYMENT_ENTRIES: TableSpec = table!("payment_entries", key 1, numbered true, [
    ("seq", Int),
    ("payment_id", Text),
    ("order_id", Text),
    ("kind", Text),
    ("amount", Int),
    ("at", Int),
    ("actor", Text),
    ("reason", Text),
    ("reference", Text),
]);

pub const EXCHANGE_RATES: TableSpec = table!("exchange_rates", key 2, numbered false, [
    ("currency", Text),
    ("date", Text),
    ("base", Text),
    ("rate", Text),
]);

pub const BALANCE_ACCOUNTS: TableSpec = table!("balance_accounts", key 1, numbered false, [
    ("id", Text),
    ("kind", Text),
    ("code", Text),
    ("currency", Text),
    ("balance", Int),
    ("created_at", Int),
]);

pub const BALANCE_ENTRIES: TableSpec = table!("balance_entries", key 1, numbered true, [
    ("seq", Int),
    ("account_id", Text),
    ("amount", Int),
    ("balance_after", Int),
    ("at", Int),
    ("reason", Text),
    ("order_id", Text),
    ("payment_id", Text),
    ("actor", Text),
]);

pub const EVENTS: TableSpec = table!("events", key 1, numbered true, [
    ("seq", Int),
    ("id", Text),
    ("type", Text),
    ("subject", Text),
    ("at", Int),
    ("data", Text),
    ("version", Int),
    ("actor", Text),
    ("address", Text),
]);

pub const AUDIT_CHAIN: TableSpec = table!("audit_chain", key 1, numbered false, [
    ("seq", Int),
    ("hash", Text),
    ("position", Int),
]);

pub const ROUTING_RULE_SETS: TableSpec = table!("routing_rule_sets", key 1, numbered false, [
    ("name", Text),
    ("body", Text),
    ("version", Int),
    ("created_at", Int),
    ("updated_at", Int),
]);

pub const IDEMPOTENCY_KEYS: TableSpec = table!("idempotency_keys", key 2, numbered false, [
    ("key_id", Text),
    ("idem_key", Text),
    ("request_hash", Text),
    ("status", Int),
    ("body", Bytes),
    ("created_at", Int),
]);

pub const CHANNEL_IMPORTS: TableSpec = table!("channel_imports", key 1, numbered false, [
    ("id", Text),
    ("channel", Text),
    ("delivery_id", Text),
    ("external_id", Text),
    ("topic", Text),
    ("status", Text),
    ("reason", Text),
    ("order_id", Text),
    ("payload", Text),
    ("created_at", Int),
    ("updated_at", Int),
]);

pub const CHANNEL_SKU_MAPPINGS: TableSpec = table!("channel_sku_mappings", key 2, numbered false, [
    ("channel", Text),
    ("external", Text),
    ("sku", Text),
    ("updated_at", Int),
]);

pub const CHANNEL_LISTINGS: TableSpec = table!("channel_listings", key 2, numbered false, [
    ("channel", Text),
    ("sku", Text),
    ("target", Text),
    ("pushed", Int),
    ("pushed_at", Int),
    ("pushes", Int),
    ("failures", Int),
    ("last_error", Text),
    ("updated_at", Int),
]);

pub const IMPORT_JOBS: TableSpec = table!("import_jobs", key 1, numbered false, [
    ("id", Text),
    ("body", Text),
    ("created_at", Int),
    ("updated_at", Int),
]);

pub const WEBHOOK_SUBSCRIPTIONS: TableSpec = table!("webhook_subscriptions", key 1, numbered false, [
    ("id", Text),
    ("url", Text),
    ("events", Text),
    ("description", Text),
    ("secret", Text),
    ("status", Text),
    ("failing_since", Int),
    ("disabled_reason", Text),
    ("version", Int),
    ("created_at", Int),
    ("updated_at", Int),
]);

pub const WEBHOOK_DELIVERIES: TableSpec = table!("webhook_deliveries", key 1, numbered true, [
    ("seq", Int),
    ("id", Text),
    ("subscription_id", Text),
    ("event_id", Text),
    ("event_seq", Int),
    ("event_type", Text),
    ("subject", Text),
    ("body", Text),
    ("status", Text),
    ("attempts", Int),
    ("next_at", Int),
    ("window_from", Int),
    ("claimed_until", Int),
    ("last_status", Int),
    ("last_error", Text),
    ("created_at", Int),
    ("updated_at", Int),
]);

pub const WEBHOOK_ATTEMPTS: TableSpec = table!("webhook_attempts", key 2, numbered false, [
    ("delivery_id", Text),
    ("n", Int),
    ("at", Int),
    ("status", Int),
    ("latency_ms", Int),
    ("error", Text),
    ("answer", Text),
]);

pub const NOTIFICATIONS: TableSpec = table!("notifications", key 1, numbered true, [
    ("seq", Int),
    ("id", Text),
    ("dedupe", Text),
    ("order_id", Text),
    ("customer_id", Text),
    ("kind", Text),
    ("transport", Text),
    ("recipient", Text),
    ("language", Text),
    ("event_id", Text),
    ("about", Text),
    ("status", Text),
    ("attempts", Int),
    ("next_at", Int),
    ("claimed_until", Int),
    ("subject", Text),
    ("provider_id", Text),
    ("error", Text),
    ("created_at", Int),
    ("sent_at", Int),
    ("updated_at", Int),
]);

pub const CUSTOMER_PREFERENCES: TableSpec = table!("customer_preferences", key 1, numbered false, [
    ("customer_id", Text),
    ("body", Text),
    ("updated_at", Int),
]);

pub const PUBLIC_LINKS: TableSpec = table!("public_links", key 1, numbered false, [
    ("token", Text),
    ("purpose", Text),
    ("subject", Text),
    ("created_at", Int),
]);

pub const SUPPLIERS: TableSpec = table!("suppliers", key 1, numbered false, [
    ("id", Text),
    ("code", Text),
    ("status", Text),
    ("version", Int),
    ("created_at", Int),
    ("updated_at", Int),
    ("body", Text),
]);

pub const PURCHASE_ORDERS: TableSpec = table!("purchase_orders", key 1, numbered false, [
    ("id", Text),
    ("number", Int),
    ("supplier_id", Text),
    ("location_id", Text),
    ("status", Text),
    ("expected_on", Text),
    ("version", Int),
    ("created_at", Int),
    ("updated_at", Int),
    ("body", Text),
]);

pub const TRANSFERS: TableSpec = table!("transfers", key 1, numbered false, [
    ("id", Text),
    ("number", Int),
    ("from_location_id", Text),
    ("to_location_id", Text),
    ("status", Text),
    ("expected_on", Text),
    ("version", Int),
    ("created_at", Int),
    ("updated_at", Int),
    ("body", Text),
]);

pub const INCOMING_STOCK: TableSpec = table!("incoming_stock", key 2, numbered false, [
    ("origin", Text),
    ("line", Int),
    ("sku", Text),
    ("location_id", Text),
    ("expected_on", Text),
    ("quantity", Int),
]);

pub const INVENTORY_COSTS: TableSpec = table!("inventory_costs", key 2, numbered false, [
    ("sku", Text),
    ("location_id", Text),
    ("currency", Text),
    ("units", Int),
    ("value", Int),
    ("updated_at", Int),
]);

pub const STOCK_POLICIES: TableSpec = table!("stock_policies", key 2, numbered false, [
    ("sku", Text),
    ("location_id", Text),
    ("safety_stock", Int),
    ("reorder_point", Int),
    ("source", Text),
    ("updated_at", Int),
]);

pub const LOCATION_BUYERS: TableSpec = table!("location_buyers", key 2, numbered false, [
    ("location_id", Text),
    ("email", Text),
    ("name", Text),
]);

pub const FORECASTS: TableSpec = table!("forecasts", key 1, numbered false, [
    ("sku", Text),
    ("computed_at", Int),
    ("model", Text),
    ("mase", Real),
    ("bias", Real),
    ("units", Int),
    ("body", Text),
]);

pub const PLANNING_SETTINGS: TableSpec = table!("planning_settings", key 1, numbered false, [
    ("id", Int),
    ("body", Text),
    ("updated_at", Int),
]);

pub const LAST_COUNTS: TableSpec = table!("last_counts", key 2, numbered false, [
    ("sku", Text),
    ("location_id", Text),
    ("counted_at", Int),
]);

pub const STOCK_ALERTS: TableSpec = table!("stock_alerts", key 1, numbered false, [
    ("id", Text),
    ("kind", Text),
    ("sku", Text),
    ("location_id", Text),
    ("started_at", Int),
    ("ended_at", Int),
    ("available", Int),
    ("reorder_point", Int),
]);

/// Every table, parents first.
pub const TABLES: &[TableSpec] = &[
    API_KEYS,
    PRODUCTS,
    LOCATIONS,
    LOCATION_LOAD,
    INVENTORY_LEVELS,
    INVENTORY_MOVEMENTS,
    CUSTOMERS,
    ORDERS,
    CARRIERS,
    COUNT_REQUESTS,
    FULFILLMENTS,
    PAYMENTS,
    ORDER_RECORDS,
    STOCK_BUCKETS,
    BUCKET_MOVEMENTS,
    CHANNEL_SETTINGS,
    WORKER_CURSORS,
    PAYMENT_ENTRIES,
    EXCHANGE_RATES,
    BALANCE_ACCOUNTS,
    BALANCE_ENTRIES,
    EVENTS,
    AUDIT_CHAIN,
    ROUTING_RULE_SETS,
    IDEMPOTENCY_KEYS,
    CHANNEL_IMPORTS,
    CHANNEL_SKU_MAPPINGS,
    CHANNEL_LISTINGS,
    IMPORT_JOBS,
    WEBHOOK_SUBSCRIPTIONS,
    WEBHOOK_DELIVERIES,
    WEBHOOK_ATTEMPTS,
    NOTIFICATIONS,
    CUSTOMER_PREFERENCES,
    PUBLIC_LINKS,
    SUPPLIERS,
    PURCHASE_ORDERS,
    TRANSFERS,
    INCOMING_STOCK,
    INVENTORY_COSTS,
    STOCK_POLICIES,
    STOCK_ALERTS,
    LOCATION_BUYERS,
    FORECASTS,
    PLANNING_SETTINGS,
    LAST_COUNTS,
];
