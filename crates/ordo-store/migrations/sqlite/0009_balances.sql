-- Gift cards and store credit: balances Ordo keeps itself, each movement in a ledger.
CREATE TABLE balance_accounts (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    currency    TEXT NOT NULL,
    balance     INTEGER NOT NULL CHECK (balance >= 0),
    created_at  INTEGER NOT NULL
);
CREATE TABLE balance_entries (
    seq         INTEGER PRIMARY KEY,
    account_id  TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    reason      TEXT,
    order_id    TEXT,
    payment_id  TEXT,
    actor       TEXT
);
CREATE INDEX balance_entries_account ON balance_entries (account_id, seq);
