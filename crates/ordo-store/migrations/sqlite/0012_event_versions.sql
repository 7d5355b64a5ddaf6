-- Each event records the schema version of its payload (docs/events.md), so that a reader
-- can tell a payload of a later version from an earlier one.
ALTER TABLE events ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
