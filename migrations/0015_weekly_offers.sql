-- Weekly availability in app.overlap.slotOffer (issue 15 item 1). Conventions as in 0001_initial.sql.
-- A single-window offer keeps weekly, valid_from and valid_until NULL and means what it always meant.
-- A weekly offer keeps its record's start/end (its first window) in start_at/end_at and adds:
--   weekly:      the weekly rules as the record states them (JSON array of { days, start, end }, local HH:MM
--                in the offer's tz);
--   valid_from:  the instant the rules apply from (NULL: from start_at);
--   valid_until: the instant they stop applying (NULL: open-ended).
ALTER TABLE offers_index ADD COLUMN weekly TEXT CHECK (weekly IS NULL OR json_valid(weekly));
ALTER TABLE offers_index ADD COLUMN valid_from INTEGER;
ALTER TABLE offers_index ADD COLUMN valid_until INTEGER;
