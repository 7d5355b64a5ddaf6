-- The forecast last made for each SKU (every location and the total, with backtests), as the
-- JSON document the API answers, and its model, error and units ordered for listing and classing.
CREATE TABLE forecasts (
    sku TEXT COLLATE "C" PRIMARY KEY,
    computed_at BIGINT NOT NULL,
    model TEXT NOT NULL,
    mase DOUBLE PRECISION,
    bias DOUBLE PRECISION,
    units BIGINT NOT NULL,
    body TEXT NOT NULL
);

-- The settings of stock planning (ABC classes, service levels, count intervals), one JSON row.
CREATE TABLE planning_settings (
    id BIGINT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- When each SKU was last counted at each location: what cycle counts are scheduled by.
CREATE TABLE last_counts (
    sku TEXT COLLATE "C" NOT NULL,
    location_id TEXT COLLATE "C" NOT NULL,
    counted_at BIGINT NOT NULL,
    PRIMARY KEY (sku, location_id)
);
