-- The audit chain follows the event feed's order; each link keeps its place in the chain
-- (on SQLite the feed's order is the sequence, so chains made so far keep theirs).
ALTER TABLE audit_chain ADD COLUMN position INTEGER;
UPDATE audit_chain SET position = seq;
CREATE UNIQUE INDEX audit_chain_position ON audit_chain (position);
