-- Carriers with their services' rate cards, and fulfilments found by tracking number.
CREATE TABLE carriers (
    code        TEXT COLLATE "C" PRIMARY KEY,
    body        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
ALTER TABLE fulfillments ADD COLUMN tracking_number TEXT;
CREATE INDEX fulfillments_tracking ON fulfillments (tracking_number) WHERE tracking_number IS NOT NULL;
