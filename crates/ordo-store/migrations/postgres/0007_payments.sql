-- Payments of orders, and their append-only ledger of money movements.
CREATE TABLE payments (
    id          TEXT COLLATE "C" PRIMARY KEY,
    order_id    TEXT NOT NULL,
    provider    TEXT NOT NULL,
    currency    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);
CREATE TABLE payment_entries (
    seq         BIGSERIAL PRIMARY KEY,
    payment_id  TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    amount      BIGINT NOT NULL CHECK (amount >= 0),
    at          BIGINT NOT NULL,
    actor       TEXT,
    reason      TEXT,
    reference   TEXT
);
CREATE INDEX payment_entries_order ON payment_entries (order_id, seq);
