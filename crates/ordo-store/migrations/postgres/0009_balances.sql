-- Gift cards and store credit: balances Ordo keeps itself, each movement in a ledger.
CREATE TABLE balance_accounts (
    id          TEXT COLLATE "C" PRIMARY KEY,
    kind        TEXT NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    currency    TEXT NOT NULL,
    balance     BIGINT NOT NULL CHECK (balance >= 0),
    created_at  BIGINT NOT NULL
);
CREATE TABLE balance_entries (
    seq         BIGSERIAL PRIMARY KEY,
    account_id  TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    reason      TEXT,
    order_id    TEXT,
    payment_id  TEXT,
    actor       TEXT
);
CREATE INDEX balance_entries_account ON balance_entries (account_id, seq);
