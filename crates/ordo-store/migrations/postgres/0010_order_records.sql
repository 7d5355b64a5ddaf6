-- A gateway's reference on a payment (a Stripe PaymentIntent), to find it from a webhook.
ALTER TABLE payments ADD COLUMN reference TEXT;
CREATE INDEX payments_reference ON payments (reference);
-- Documents that belong to an order's life after capture (refunds, and later returns, holds,
-- edits), each with a status the background settler can look for.
CREATE TABLE order_records (
    id          TEXT COLLATE "C" PRIMARY KEY,
    order_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX order_records_order ON order_records (order_id, kind, id);
CREATE INDEX order_records_status ON order_records (kind, status, id);
-- Per sales channel policies (capture, and later returns).
CREATE TABLE channel_settings (
    channel     TEXT COLLATE "C" PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- How far each background worker has read the event feed.
CREATE TABLE worker_cursors (
    name        TEXT COLLATE "C" PRIMARY KEY,
    position    BIGINT NOT NULL
);
