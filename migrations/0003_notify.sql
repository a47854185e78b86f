-- Overlap D1 schema: the notify worker (conventions as in 0001_initial.sql).

-- One row per delivery of a notification on one channel to one target (an e-mail address, a webhook
-- subscription id, a recipient DID). The row is the dedupe ledger of the notify-tasks consumer: a consumer
-- claims the row before it sends (status 'sending' with a lease) and marks it afterwards, so a redelivered
-- queue message finds 'delivered' and does not send twice. A claim whose lease ran out (the worker died
-- mid-send) may be taken again.
CREATE TABLE notify_deliveries (
  notification_id TEXT    NOT NULL,
  channel         TEXT    NOT NULL CHECK (channel IN ('email', 'webhook', 'dm')),
  target          TEXT    NOT NULL,
  status          TEXT    NOT NULL CHECK (status IN ('sending', 'failed', 'delivered', 'dead')),
  -- sends started for this delivery (the claim increments it)
  attempts        INTEGER NOT NULL CHECK (attempts >= 1),
  last_error      TEXT,
  -- while status = 'sending', the claim is the claimant's until then
  lease_until     INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  delivered_at    INTEGER,
  PRIMARY KEY (notification_id, channel, target),
  CHECK (status <> 'sending' OR lease_until IS NOT NULL),
  CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
) STRICT;

-- Standard Webhooks subscriptions. The signing secret must be usable to sign, so it cannot be hashed: it is
-- stored only as TokenVault ciphertext bound to (did, 'webhook', id), and shown to its owner once, at creation.
CREATE TABLE webhook_subscriptions (
  id                TEXT    NOT NULL PRIMARY KEY,
  did               TEXT    NOT NULL,
  url               TEXT    NOT NULL,
  secret_ciphertext TEXT    NOT NULL,
  key_id            TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,
  -- set when deliveries keep failing permanently (e.g. 410 Gone); a disabled subscription gets nothing
  disabled_at       INTEGER,
  disabled_reason   TEXT
) STRICT;
-- WebhookSubscriptionsRepo.listForDid / countForDid, oldest first
CREATE INDEX webhook_subscriptions_by_did ON webhook_subscriptions (did, created_at, id);
