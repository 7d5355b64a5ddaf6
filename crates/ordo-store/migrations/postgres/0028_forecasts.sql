-- The forecast last made for each SKU (every location and the total, with backtests), as the
-- JSON document the API answers, and its model and error for listing.
CREATE TABLE forecasts (
    sku TEXT COLLATE "C" PRIMARY KEY,
    computed_at BIGINT NOT NULL,
    model TEXT NOT NULL,
    mase DOUBLE PRECISION,
    bias DOUBLE PRECISION,
    body TEXT NOT NULL
);
