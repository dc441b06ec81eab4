-- Version 10: which rows an import from GH Archive stored first, and from which line.
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
