-- A gateway's reference on a payment (a Stripe PaymentIntent), to find it from a webhook.
ALTER TABLE payments ADD COLUMN reference TEXT;
CREATE INDEX payments_reference ON payments (reference);
-- Documents that belong to an order's life after capture (refunds, and later returns, holds,
-- edits), each with a status the background settler can look for.
CREATE TABLE order_records (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX order_records_order ON order_records (order_id, kind, id);
CREATE INDEX order_records_status ON order_records (kind, status, id);
-- Per sales channel policies (capture, and later returns).
CREATE TABLE channel_settings (
    channel     TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- How far each background worker has read the event feed.
CREATE TABLE worker_cursors (
    name        TEXT PRIMARY KEY,
    position    INTEGER NOT NULL
);
