-- Calendar connectors, part 1b (issue 6): which connector takes the holds, and the indexes the connector jobs
-- read. Conventions as in 0001_initial.sql.
--
-- connectors.token_ciphertext stays a BLOB (0001): the repository stores the TokenVault envelope's UTF-8
-- bytes (CAST(? AS BLOB)) and reads them back with CAST(token_ciphertext AS TEXT). Still ciphertext only.

-- The connector whose calendar receives Overlap's tentative holds. At most one per user is set (the
-- repository clears the others first); none set means the user's oldest active connector.
ALTER TABLE connectors ADD COLUMN holds_target INTEGER NOT NULL DEFAULT 0 CHECK (holds_target IN (0, 1));

-- refresh-oauth cron: the active connectors of one provider (CalDAV polling), in id order for paging
CREATE INDEX connectors_by_provider ON connectors (provider, id) WHERE status = 'active';
-- refresh-oauth cron: OAuth connects whose activation did not finish (retried), oldest first
CREATE INDEX connectors_pending ON connectors (created_at) WHERE status = 'pending';
