-- Stock a location could not find or found damaged: it needs counting. A count clears it.
CREATE TABLE count_requests (
    sku          TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    location     TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    reason       TEXT,
    PRIMARY KEY (sku, location_id)
) WITHOUT ROWID;
