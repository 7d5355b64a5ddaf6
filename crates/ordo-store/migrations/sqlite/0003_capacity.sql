-- A daily order capacity per location, and the orders assigned to each location per day.
ALTER TABLE locations ADD COLUMN daily_capacity INTEGER;
CREATE TABLE location_load (
    location_id TEXT NOT NULL,
    day         TEXT NOT NULL,
    orders      INTEGER NOT NULL,
    PRIMARY KEY (location_id, day)
) WITHOUT ROWID;
