-- Version 11: which rows an import from GH Archive stored first, and from which line; and
-- which projects the writers touched in imported history (archive_touches, for discovery).
-- An analyst tells API rows from archive rows by archive_file: set (the file's name, e.g.
-- '2012-03-10-15.json.gz') when the row was first stored from an archive line, with that
-- event's time (UTC) in archive_event_at; NULL when the REST harvest or the Events API stored
-- it first. A later REST harvest completes such a row and leaves both columns alone.
ALTER TABLE issues ADD COLUMN archive_file TEXT;
ALTER TABLE issues ADD COLUMN archive_event_at TEXT;
ALTER TABLE issue_comments ADD COLUMN archive_file TEXT;
ALTER TABLE issue_comments ADD COLUMN archive_event_at TEXT;
ALTER TABLE review_comments ADD COLUMN archive_file TEXT;
ALTER TABLE review_comments ADD COLUMN archive_event_at TEXT;
ALTER TABLE reviews ADD COLUMN archive_file TEXT;
ALTER TABLE reviews ADD COLUMN archive_event_at TEXT;

-- What imported history says each writer touched: one row per event by a watched writer
-- that opened an issue or pull request, commented, reviewed or pushed (kept even where the
-- event stored no item, e.g. a push). Discovery reads it (watches.source 'archive'), most
-- touched first. Keyed by the event, so importing a file twice adds nothing.
CREATE TABLE archive_touches (
  login       TEXT NOT NULL COLLATE NOCASE,     -- the actor's login as the archive spells it
  repo_name   TEXT NOT NULL COLLATE NOCASE,     -- 'owner/repo' as the event names it
  repo_id     INTEGER,
  type        TEXT NOT NULL,                    -- 'PushEvent', 'IssuesEvent', ...
  at          TEXT NOT NULL,                    -- the event's time, UTC
  PRIMARY KEY (login, repo_name, at, type)
) WITHOUT ROWID;
