-- The whole event feed is read in the order of the writing transactions' ids, then
-- sequence (a sequence number is taken before commit, so sequence alone is not commit
-- order), and the audit chain follows the feed: each link keeps its place in the chain.
-- Chains made so far followed the sequence.
CREATE INDEX events_feed ON events (txid, seq);
ALTER TABLE audit_chain ADD COLUMN position BIGINT;
UPDATE audit_chain SET position = seq;
ALTER TABLE audit_chain ALTER COLUMN position SET NOT NULL;
CREATE UNIQUE INDEX audit_chain_position ON audit_chain (position);
