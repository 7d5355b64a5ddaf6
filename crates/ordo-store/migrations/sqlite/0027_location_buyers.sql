-- The people who buy stock for a location: told by email when a SKU there runs low.
CREATE TABLE location_buyers (
    location_id TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT,
    PRIMARY KEY (location_id, email)
);
