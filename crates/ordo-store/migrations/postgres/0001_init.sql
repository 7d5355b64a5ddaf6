-- Ordo's first schema on PostgreSQL, in step with migrations/sqlite/0001_init.sql.
-- Migrations are append-only: change the schema in a new file, on both engines at once.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    hash        TEXT NOT NULL CONSTRAINT api_keys_hash_key UNIQUE,
    prefix      TEXT NOT NULL,
    role        TEXT NOT NULL,
    channel     TEXT,
    name        TEXT,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE products (
    id           TEXT PRIMARY KEY,
    sku          TEXT NOT NULL COLLATE "C" CONSTRAINT products_sku_key UNIQUE,
    name         TEXT NOT NULL,
    price        BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    weight_grams BIGINT,
    barcode      TEXT,
    active       BOOLEAN NOT NULL,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE locations (
    id           TEXT PRIMARY KEY,
    code         TEXT NOT NULL CONSTRAINT locations_code_key UNIQUE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    address      TEXT NOT NULL,
    latitude     DOUBLE PRECISION,
    longitude    DOUBLE PRECISION,
    ships_orders BOOLEAN NOT NULL,
    pickup       BOOLEAN NOT NULL,
    priority     BIGINT NOT NULL,
    active       BOOLEAN NOT NULL,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- The invariant 0 <= reserved <= on_hand is also enforced here, as a last line of defence.
CREATE TABLE inventory_levels (
    sku         TEXT NOT NULL COLLATE "C",
    location_id TEXT NOT NULL COLLATE "C",
    on_hand     BIGINT NOT NULL CHECK (on_hand >= 0),
    reserved    BIGINT NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (sku, location_id)
);

CREATE TABLE inventory_movements (
    seq            BIGSERIAL PRIMARY KEY,
    at             BIGINT NOT NULL,
    location_id    TEXT NOT NULL,
    location       TEXT NOT NULL,
    sku            TEXT NOT NULL,
    on_hand_delta  BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    on_hand_after  BIGINT NOT NULL,
    reserved_after BIGINT NOT NULL,
    reason         TEXT NOT NULL,
    actor          TEXT,
    order_id       TEXT,
    note           TEXT
);
CREATE INDEX inventory_movements_sku ON inventory_movements (sku, seq);
CREATE INDEX inventory_movements_location ON inventory_movements (location_id, seq);

CREATE TABLE customers (
    id          TEXT COLLATE "C" PRIMARY KEY,
    email       TEXT NOT NULL COLLATE "C" CONSTRAINT customers_email_key UNIQUE,
    name        TEXT,
    phone       TEXT,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE SEQUENCE order_numbers START WITH 1001;

CREATE TABLE orders (
    number      BIGINT PRIMARY KEY,
    id          TEXT NOT NULL CONSTRAINT orders_id_key UNIQUE,
    channel     TEXT NOT NULL,
    external_id TEXT,
    customer_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    body        TEXT NOT NULL
);
CREATE UNIQUE INDEX orders_external_id ON orders (channel, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX orders_customer ON orders (customer_id, number);

-- The outbox. seq orders events; txid lets readers hold back events of transactions that
-- are still running, so a cursor never skips an event that commits late.
CREATE TABLE events (
    seq      BIGSERIAL PRIMARY KEY,
    id       TEXT NOT NULL,
    type     TEXT NOT NULL,
    subject  TEXT NOT NULL,
    at       BIGINT NOT NULL,
    data     TEXT NOT NULL,
    txid     XID8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX events_subject ON events (subject, seq);

CREATE TABLE idempotency_keys (
    key_id       TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       BIGINT NOT NULL,
    body         BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (key_id, idem_key)
);
