-- Metric data points recorded locally in development (docs/operations.md, "Metrics"): the same data points the
-- workers hand to Workers Analytics Engine, kept in D1 only when ENVIRONMENT = "development" so the operator
-- console's charts and SLO page work against `npm run dev` without Cloudflare. Deployed environments never write it.
-- No personal data: labels are metric names, providers, queues, classes, method NSIDs and statuses (a DID label is
-- replaced by "redacted" before it is written).
CREATE TABLE IF NOT EXISTS metric_points (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  -- epoch ms when the point was written (Analytics Engine's `timestamp`)
  timestamp INTEGER NOT NULL,
  -- index1 (the metric name, Analytics Engine's sampling key)
  index1 TEXT NOT NULL,
  -- JSON array of the blobs (blob1 = metric name, blob2…), as written
  blobs TEXT NOT NULL,
  -- JSON array of the doubles (double1…), as written
  doubles TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS metric_points_by_index_time ON metric_points (index1, timestamp);
