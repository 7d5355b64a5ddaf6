-- Stock that ran low or out, per SKU and location: `low_stock` while available stock is at or
-- below the reorder point, `stock_out` while none is available. An alert is open until it
-- ends; at most one of each kind is open per SKU and location.
CREATE TABLE stock_alerts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    sku TEXT NOT NULL,
    location_id TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    available BIGINT NOT NULL,
    reorder_point BIGINT
);
CREATE UNIQUE INDEX stock_alerts_open ON stock_alerts (kind, sku, location_id) WHERE ended_at IS NULL;
CREATE INDEX stock_alerts_sku ON stock_alerts (sku, location_id, id);
