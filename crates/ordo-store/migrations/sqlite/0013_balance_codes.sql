-- A balance's code is unique within its kind: a gift card may carry the code a customer's
-- store credit is kept under (the customer's id), and the other way round. SQLite changes a
-- table's constraints by building it again.
CREATE TABLE balance_accounts_new (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    code        TEXT NOT NULL,
    currency    TEXT NOT NULL,
    balance     INTEGER NOT NULL CHECK (balance >= 0),
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, code)
);
INSERT INTO balance_accounts_new (id, kind, code, currency, balance, created_at)
    SELECT id, kind, code, currency, balance, created_at FROM balance_accounts;
DROP TABLE balance_accounts;
ALTER TABLE balance_accounts_new RENAME TO balance_accounts;
