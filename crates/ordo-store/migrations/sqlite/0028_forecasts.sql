-- The forecast last made for each SKU (every location and the total, with backtests), as the
-- JSON document the API answers, and its model, error and units ordered for listing and classing.
CREATE TABLE forecasts (
    sku TEXT PRIMARY KEY,
    computed_at INTEGER NOT NULL,
    model TEXT NOT NULL,
    mase REAL,
    bias REAL,
    units INTEGER NOT NULL,
    body TEXT NOT NULL
);

-- The settings of stock planning (ABC classes, service levels, count intervals), one JSON row.
CREATE TABLE planning_settings (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
