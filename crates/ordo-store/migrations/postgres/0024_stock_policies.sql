-- What planning holds back and when it asks for more, per SKU and location: the safety stock
-- kept out of what may be promised, and the reorder point at or below which stock is low.
-- `source` says who set them (`manual`, or `computed` from a forecast).
CREATE TABLE stock_policies (
    sku TEXT NOT NULL,
    location_id TEXT NOT NULL,
    safety_stock BIGINT NOT NULL CHECK (safety_stock >= 0),
    reorder_point BIGINT NOT NULL CHECK (reorder_point >= safety_stock),
    source TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (sku, location_id)
);
