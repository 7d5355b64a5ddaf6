-- What sales channels sent: every payload (webhook or pull) with what became of it and why,
-- the body exactly as it arrived, and a delivery id that is recorded once per channel; and
-- each channel's table of platform product, variant or SKU to Ordo SKU.
CREATE TABLE channel_imports (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    delivery_id TEXT,
    external_id TEXT,
    topic TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    order_id TEXT,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX channel_imports_delivery ON channel_imports (channel, delivery_id);
CREATE INDEX channel_imports_channel ON channel_imports (channel, id);
CREATE INDEX channel_imports_external ON channel_imports (channel, external_id);
CREATE INDEX channel_imports_order ON channel_imports (order_id);
CREATE TABLE channel_sku_mappings (
    channel TEXT NOT NULL,
    external TEXT NOT NULL,
    sku TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (channel, external)
);
