-- Outbound webhook subscriptions: where to send which events, the signing secret (sealed),
-- whether the subscription is active, and since when its deliveries have been failing.
CREATE TABLE webhook_subscriptions (
    id TEXT COLLATE "C" PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT,
    secret TEXT NOT NULL,
    status TEXT NOT NULL,
    failing_since BIGINT,
    disabled_reason TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- One event to one subscription (with the event's sequence: one object's events go out in
-- its order): its frozen body, where it stands (pending, delivered or
-- dead), when it is next tried, and which node holds it until when.
CREATE TABLE webhook_deliveries (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    subscription_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    window_from BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL,
    last_status BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (subscription_id, subject, event_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (subscription_id, seq);
-- Every attempt of a delivery: when, the receiver's status code (none when it could not be
-- reached), how long it took, and the first KiB of its answer or the error.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    at BIGINT NOT NULL,
    status BIGINT,
    latency_ms BIGINT NOT NULL,
    error TEXT,
    answer TEXT,
    PRIMARY KEY (delivery_id, n)
);
