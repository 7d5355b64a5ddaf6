-- Idempotency records are kept for a while (seven days by default), then purged oldest
-- first: the purge finds them by age.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
