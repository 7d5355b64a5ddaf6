-- Routing rule sets: named, with their criteria in order, chosen per sales channel.
CREATE TABLE routing_rule_sets (
    name        TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
