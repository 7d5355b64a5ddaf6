-- Messages to customers: one per step of an order and transport (`dedupe`), where each
-- stands (pending, sent, failed or skipped), when it is next tried and which node holds it
-- until when, and what the mail server or SMS provider answered.
CREATE TABLE notifications (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    dedupe TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL,
    customer_id TEXT,
    kind TEXT NOT NULL,
    transport TEXT NOT NULL,
    recipient TEXT NOT NULL,
    language TEXT NOT NULL,
    event_id TEXT,
    about TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL,
    subject TEXT,
    provider_id TEXT,
    error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_at) WHERE status = 'pending';
CREATE INDEX notifications_order ON notifications (order_id, seq);
-- What each customer wants to be told, how, and in which language (a JSON document).
CREATE TABLE customer_preferences (
    customer_id TEXT COLLATE "C" PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Links customers open without a key: an order's tracking page, a customer's unsubscribe
-- page. The token is random (128 bits), one per purpose and subject.
CREATE TABLE public_links (
    token TEXT COLLATE "C" PRIMARY KEY,
    purpose TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (purpose, subject)
);
