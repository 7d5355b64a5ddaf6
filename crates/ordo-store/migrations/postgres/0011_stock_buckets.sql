-- Units that are not sellable (returned damaged, waiting for refurbishment, going back to the
-- vendor, disposed of), per SKU, location and bucket, with their own ledger.
CREATE TABLE stock_buckets (
    sku         TEXT COLLATE "C" NOT NULL,
    location_id TEXT COLLATE "C" NOT NULL,
    bucket      TEXT COLLATE "C" NOT NULL,
    quantity    BIGINT NOT NULL CHECK (quantity >= 0),
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (sku, location_id, bucket)
);
CREATE TABLE bucket_movements (
    seq         BIGSERIAL PRIMARY KEY,
    at          BIGINT NOT NULL,
    location_id TEXT COLLATE "C" NOT NULL,
    location    TEXT NOT NULL,
    sku         TEXT COLLATE "C" NOT NULL,
    bucket      TEXT COLLATE "C" NOT NULL,
    delta       BIGINT NOT NULL,
    quantity_after BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    actor       TEXT,
    order_id    TEXT,
    reference   TEXT,
    note        TEXT
);
CREATE INDEX bucket_movements_sku ON bucket_movements (sku, seq);
