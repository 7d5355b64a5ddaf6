-- Outbound webhook subscriptions: where to send which events, the signing secret (sealed),
-- whether the subscription is active, and since when its deliveries have been failing.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT,
    secret TEXT NOT NULL,
    status TEXT NOT NULL,
    failing_since INTEGER,
    disabled_reason TEXT,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- One event to one subscription (with the event's sequence: one object's events go out in
-- its order): its frozen body, where it stands (pending, delivered or
-- dead), when it is next tried, and which node holds it until when.
CREATE TABLE webhook_deliveries (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    subscription_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_seq INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_at INTEGER NOT NULL,
    window_from INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (subscription_id, subject, event_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (subscription_id, seq);
-- Every attempt of a delivery: when, the receiver's status code (none when it could not be
-- reached), how long it took, and the first KiB of its answer or the error.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER,
    latency_ms INTEGER NOT NULL,
    error TEXT,
    answer TEXT,
    PRIMARY KEY (delivery_id, n)
);
