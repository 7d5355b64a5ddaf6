-- Who made each change and from where (the key and the client's address; null for Ordo's own
-- workers), and the audit log's hash chain over the events, in sequence order: each link's
-- hash covers its event and the link before it.
ALTER TABLE events ADD COLUMN actor TEXT;
ALTER TABLE events ADD COLUMN address TEXT;
CREATE TABLE audit_chain (
    seq BIGINT PRIMARY KEY,
    hash TEXT NOT NULL
);
