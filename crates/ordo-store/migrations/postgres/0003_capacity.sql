-- A daily order capacity per location, and the orders assigned to each location per day.
ALTER TABLE locations ADD COLUMN daily_capacity BIGINT;
CREATE TABLE location_load (
    location_id TEXT NOT NULL COLLATE "C",
    day         TEXT NOT NULL COLLATE "C",
    orders      BIGINT NOT NULL,
    PRIMARY KEY (location_id, day)
);
