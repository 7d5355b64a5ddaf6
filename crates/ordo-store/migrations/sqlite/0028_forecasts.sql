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

-- When each SKU was last counted at each location: what cycle counts are scheduled by.
CREATE TABLE last_counts (
    sku TEXT NOT NULL,
    location_id TEXT NOT NULL,
    counted_at INTEGER NOT NULL,
    PRIMARY KEY (sku, location_id)
);
