-- The forecast last made for each SKU (every location and the total, with backtests), as the
-- JSON document the API answers, and its model and error for listing.
CREATE TABLE forecasts (
    sku TEXT PRIMARY KEY,
    computed_at INTEGER NOT NULL,
    model TEXT NOT NULL,
    mase REAL,
    bias REAL,
    body TEXT NOT NULL
);
