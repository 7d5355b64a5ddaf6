-- Stock a location could not find or found damaged: it needs counting. A count clears it.
CREATE TABLE count_requests (
    sku          TEXT NOT NULL COLLATE "C",
    location_id  TEXT NOT NULL COLLATE "C",
    location     TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    reason       TEXT,
    PRIMARY KEY (sku, location_id)
);
