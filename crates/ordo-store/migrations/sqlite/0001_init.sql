-- Ordo's first schema. Migrations are append-only: change the schema in a new file.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    role        TEXT NOT NULL,
    channel     TEXT,
    name        TEXT,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE products (
    id           TEXT PRIMARY KEY,
    sku          TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    price        INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    weight_grams INTEGER,
    barcode      TEXT,
    active       INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE locations (
    id           TEXT PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    address      TEXT NOT NULL,
    latitude     REAL,
    longitude    REAL,
    ships_orders INTEGER NOT NULL,
    pickup       INTEGER NOT NULL,
    priority     INTEGER NOT NULL,
    active       INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- The invariant 0 <= reserved <= on_hand is also enforced here, as a last line of defence.
CREATE TABLE inventory_levels (
    sku         TEXT NOT NULL,
    location_id TEXT NOT NULL,
    on_hand     INTEGER NOT NULL CHECK (on_hand >= 0),
    reserved    INTEGER NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (sku, location_id)
) WITHOUT ROWID;

CREATE TABLE inventory_movements (
    seq            INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    location_id    TEXT NOT NULL,
    location       TEXT NOT NULL,
    sku            TEXT NOT NULL,
    on_hand_delta  INTEGER NOT NULL,
    reserved_delta INTEGER NOT NULL,
    on_hand_after  INTEGER NOT NULL,
    reserved_after INTEGER NOT NULL,
    reason         TEXT NOT NULL,
    actor          TEXT,
    order_id       TEXT,
    note           TEXT
);
CREATE INDEX inventory_movements_sku ON inventory_movements (sku, seq);
CREATE INDEX inventory_movements_location ON inventory_movements (location_id, seq);

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT,
    phone       TEXT,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- The order itself is one JSON document (`body`); the columns beside it exist for lookups
-- and filters. Keeping lines inside the document keeps order capture to one row.
CREATE TABLE orders (
    number      INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    channel     TEXT NOT NULL,
    external_id TEXT,
    customer_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    body        TEXT NOT NULL
);
CREATE UNIQUE INDEX orders_external_id ON orders (channel, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX orders_customer ON orders (customer_id, number);

-- The transactional outbox: seq is the commit order.
CREATE TABLE events (
    seq      INTEGER PRIMARY KEY,
    id       TEXT NOT NULL,
    type     TEXT NOT NULL,
    subject  TEXT NOT NULL,
    at       INTEGER NOT NULL,
    data     TEXT NOT NULL
);
CREATE INDEX events_subject ON events (subject, seq);

CREATE TABLE idempotency_keys (
    key_id       TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (key_id, idem_key)
) WITHOUT ROWID;
