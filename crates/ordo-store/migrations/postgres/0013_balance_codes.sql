-- A balance's code is unique within its kind: a gift card may carry the code a customer's
-- store credit is kept under (the customer's id), and the other way round.
ALTER TABLE balance_accounts DROP CONSTRAINT balance_accounts_code_key;
ALTER TABLE balance_accounts ADD CONSTRAINT balance_accounts_kind_code_key UNIQUE (kind, code);
