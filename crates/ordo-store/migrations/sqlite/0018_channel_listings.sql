-- Where each SKU is listed on a channel's platform (its product, variant, inventory item
-- and location there, as JSON), and the last quantity Ordo pushed to it: when, how many
-- pushes, and the last error if the platform refused.
CREATE TABLE channel_listings (
    channel TEXT NOT NULL,
    sku TEXT NOT NULL,
    target TEXT NOT NULL,
    pushed INTEGER,
    pushed_at INTEGER,
    pushes INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    last_error TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (channel, sku)
);
CREATE INDEX channel_listings_sku ON channel_listings (sku);
-- Import jobs: a file uploaded for import, how far its import is, and its report (JSON).
CREATE TABLE import_jobs (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
