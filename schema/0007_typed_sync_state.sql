-- sync_state said four things in two text columns: a list's watermark, a pull-request walk
-- whose reviews are not all stored yet (cursor 'walking'), the events list's next poll time
-- (in watermark) and the last rate-limit budget seen (endpoint 'rate_limit', cursor text like
-- '4200/5000 remaining'). Each now has a column or a table of its own, so nothing parses text.

-- A pulls walk in progress: the next cycle must not take a 304 for the pulls list.
ALTER TABLE sync_state ADD COLUMN walking INTEGER NOT NULL DEFAULT 0;
-- The events list: not polled again before this time (X-Poll-Interval).
ALTER TABLE sync_state ADD COLUMN next_poll_at TEXT;

UPDATE sync_state SET walking = 1, cursor = NULL WHERE cursor = 'walking';
UPDATE sync_state SET next_poll_at = watermark, watermark = NULL WHERE endpoint = 'events';

-- The budget per rate-limit resource as last seen, for `ghharvest status` and analysts.
CREATE TABLE rate_limits (
  resource   TEXT PRIMARY KEY,          -- 'core', 'search', 'graphql', ...
  quota      INTEGER NOT NULL,          -- x-ratelimit-limit
  remaining  INTEGER NOT NULL,          -- x-ratelimit-remaining
  used       INTEGER,                   -- x-ratelimit-used, when sent
  reset_at   TEXT NOT NULL,             -- x-ratelimit-reset, ISO 8601 UTC
  seen_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
) WITHOUT ROWID;

-- Rows written as '<remaining>/<limit> remaining' move over; anything else was never ours.
INSERT INTO rate_limits (resource, quota, remaining, reset_at, seen_at)
SELECT scope,
       CAST(substr(cursor, instr(cursor, '/') + 1) AS INTEGER),
       CAST(substr(cursor, 1, instr(cursor, '/') - 1) AS INTEGER),
       watermark, updated_at
FROM sync_state
WHERE endpoint = 'rate_limit' AND watermark IS NOT NULL AND cursor LIKE '%/% remaining';
DELETE FROM sync_state WHERE endpoint = 'rate_limit';
