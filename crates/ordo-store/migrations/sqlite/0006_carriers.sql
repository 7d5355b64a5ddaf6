-- Carriers with their services' rate cards, and fulfilments found by tracking number.
CREATE TABLE carriers (
    code        TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
ALTER TABLE fulfillments ADD COLUMN tracking_number TEXT;
CREATE INDEX fulfillments_tracking ON fulfillments (tracking_number) WHERE tracking_number IS NOT NULL;
