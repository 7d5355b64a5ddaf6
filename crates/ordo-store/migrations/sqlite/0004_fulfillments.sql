-- Fulfilments: one location's part of an order. The document is `body`; the columns beside it
-- serve lookups by order and the work queues of each location.
CREATE TABLE fulfillments (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL,
    location_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX fulfillments_order ON fulfillments (order_id);
CREATE INDEX fulfillments_location ON fulfillments (location_id, status, id);
