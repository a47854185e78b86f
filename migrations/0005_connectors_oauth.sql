-- Calendar connectors, part 2 (issue 6): push channels and incremental-sync cursors.
-- Conventions as in 0001 (epoch-ms INTEGER instants, STRICT, CHECKed enums). Nothing here is a secret: a
-- channel's token / Graph clientState is derived from PUSH_CHANNEL_SECRET and never stored.

-- One row per live push channel: a Google events watch channel (channel_id is ours, resource_id is Google's)
-- or a Microsoft Graph subscription (channel_id is Graph's subscription id).
CREATE TABLE connector_push_channels (
  provider     TEXT    NOT NULL CHECK (provider IN ('google', 'microsoft')),
  channel_id   TEXT    NOT NULL,
  connector_id TEXT    NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  did          TEXT    NOT NULL,
  -- Google calendar id, or the Graph subscription resource (e.g. me/events)
  calendar_id  TEXT    NOT NULL,
  -- Google's X-Goog-Resource-ID, needed to stop the channel; NULL for Graph
  resource_id  TEXT,
  expires_at   INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (provider, channel_id)
) STRICT;
-- renew-push-channels cron: channels expiring soon
CREATE INDEX connector_push_channels_by_expiry ON connector_push_channels (expires_at);
-- connector.remove: stop every channel of a connector
CREATE INDEX connector_push_channels_by_connector ON connector_push_channels (connector_id);

-- Incremental sync cursor per connector calendar (Google nextSyncToken). A 410 from the provider
-- (fullSyncRequired) clears it and the next sync starts over.
CREATE TABLE connector_sync_state (
  connector_id TEXT    NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  calendar_id  TEXT    NOT NULL,
  sync_token   TEXT,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (connector_id, calendar_id)
) STRICT;
