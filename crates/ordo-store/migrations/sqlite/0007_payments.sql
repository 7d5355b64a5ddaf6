-- Payments of orders, and their append-only ledger of money movements.
CREATE TABLE payments (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL,
    provider    TEXT NOT NULL,
    currency    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);
CREATE TABLE payment_entries (
    seq         INTEGER PRIMARY KEY,
    payment_id  TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    at          INTEGER NOT NULL,
    actor       TEXT,
    reason      TEXT,
    reference   TEXT
);
CREATE INDEX payment_entries_order ON payment_entries (order_id, seq);
