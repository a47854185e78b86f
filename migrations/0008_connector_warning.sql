-- Issue 12, item 7: what a connector's owner should know while it keeps working. Today: recurring events in
-- a CalDAV calendar that Overlap could not expand within its limits (src/domain/calendar/expansionBudget.ts) and
-- counts as busy for their whole span. Plain text for the owner (listConnectors); it names calendars and
-- counts, never an event's time or contents. NULL: nothing to report. Conventions as in 0001.
ALTER TABLE connectors ADD COLUMN warning TEXT;
