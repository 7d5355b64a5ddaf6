-- Units that are not sellable (returned damaged, waiting for refurbishment, going back to the
-- vendor, disposed of), per SKU, location and bucket, with their own ledger.
CREATE TABLE stock_buckets (
    sku         TEXT NOT NULL,
    location_id TEXT NOT NULL,
    bucket      TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity >= 0),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (sku, location_id, bucket)
);
CREATE TABLE bucket_movements (
    seq         INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    location_id TEXT NOT NULL,
    location    TEXT NOT NULL,
    sku         TEXT NOT NULL,
    bucket      TEXT NOT NULL,
    delta       INTEGER NOT NULL,
    quantity_after INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    actor       TEXT,
    order_id    TEXT,
    reference   TEXT,
    note        TEXT
);
CREATE INDEX bucket_movements_sku ON bucket_movements (sku, seq);
