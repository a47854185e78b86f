-- Dead letters (docs/operations.md, "Dead letters"): every message that reaches a `*-dlq` queue, recorded by the
-- AppView's consumer of those queues so the operator console can inspect, replay (send to its queue again, then
-- delete) and drop it. The body is sealed with TokenVault (a notify task can carry an e-mail address, booking
-- events carry DIDs); the plain columns hold no personal data. Records older than 14 days are deleted when the
-- console reads.
CREATE TABLE IF NOT EXISTS dead_letters (
  -- the DLQ message id: a redelivery of the same DLQ message updates its record
  id TEXT PRIMARY KEY,
  -- the dead-letter queue it was read from, e.g. calendar-tasks-dlq
  dlq TEXT NOT NULL,
  -- the queue a replay sends the body to, e.g. calendar-tasks
  source_queue TEXT NOT NULL,
  -- what the body is (its kind / type / channel labels), never an identifier of a person
  kind TEXT NOT NULL,
  -- the body as JSON, sealed (TokenVault envelope, bound to this id)
  body_ciphertext TEXT NOT NULL,
  key_id TEXT NOT NULL,
  body_bytes INTEGER NOT NULL,
  -- the original consumer's attempts and reason (the notify consumer says; NULL after the runtime's max_retries)
  attempts INTEGER,
  reason TEXT,
  -- the consumer's last error (sealed with the body: an error can quote it)
  error_ciphertext TEXT,
  -- epoch ms: when the message entered the DLQ, and when the recorder last received it
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  deliveries INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX IF NOT EXISTS dead_letters_by_queue ON dead_letters (dlq, first_seen);
CREATE INDEX IF NOT EXISTS dead_letters_by_seen ON dead_letters (last_seen);
