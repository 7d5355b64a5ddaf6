-- Routing rule sets: named, with their criteria in order, chosen per sales channel.
CREATE TABLE routing_rule_sets (
    name        TEXT COLLATE "C" PRIMARY KEY,
    body        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
