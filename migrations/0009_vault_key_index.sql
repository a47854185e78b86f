-- The vault's keys-in-use check and key rotation job (src/features/connectors/vaultKeys.ts): sealed values
-- counted per key id from these indexes alone, and the rotation job's scan is only run while some key is not
-- the current one.
CREATE INDEX connectors_by_key_id ON connectors (key_id, status) WHERE key_id IS NOT NULL;
CREATE INDEX webhook_subscriptions_by_key_id ON webhook_subscriptions (key_id, disabled_at);
