-- Buying stock. Suppliers (their terms in the body: lead time, minimum order, pack size,
-- currency) and purchase orders (lines and receipts in the body), each with the columns its
-- lists look up by.
CREATE TABLE suppliers (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE purchase_orders (
    id TEXT PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    supplier_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    status TEXT NOT NULL,
    expected_on TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX purchase_orders_supplier ON purchase_orders (supplier_id, id);
CREATE INDEX purchase_orders_status ON purchase_orders (status, id);
-- Units still to come, per line of what brings them (an open purchase order's line): by SKU
-- and location, for availability by date.
CREATE TABLE incoming_stock (
    origin TEXT NOT NULL,
    line BIGINT NOT NULL,
    sku TEXT NOT NULL,
    location_id TEXT NOT NULL,
    expected_on TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (origin, line)
);
CREATE INDEX incoming_stock_sku ON incoming_stock (sku, location_id);
-- The moving average cost per SKU and location: the units valued and their total value at
-- cost, in minor units of the currency.
CREATE TABLE inventory_costs (
    sku TEXT NOT NULL,
    location_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    units BIGINT NOT NULL,
    value BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (sku, location_id)
);
