-- Stock moving between two of the merchant's locations: lines, receipts and what was lost on
-- the way in the body, with the columns its lists look up by. Units on their way sit in the
-- source's `in_transit` bucket (stock_buckets) and count as incoming stock at the destination.
CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    from_location_id TEXT NOT NULL,
    to_location_id TEXT NOT NULL,
    status TEXT NOT NULL,
    expected_on TEXT,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX transfers_status ON transfers (status, id);
CREATE INDEX transfers_from ON transfers (from_location_id, id);
CREATE INDEX transfers_to ON transfers (to_location_id, id);
