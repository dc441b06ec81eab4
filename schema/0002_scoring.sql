-- Scoring and reports, version 2.
-- What the reporter last emitted per (reports dir, writer), so a run where nothing changed
-- touches no report file and appends no influence.jsonl line. Internal: not a public view.
CREATE TABLE report_state (
  dir           TEXT NOT NULL,                  -- [reports] dir (absolute)
  writer        TEXT NOT NULL COLLATE NOCASE,
  numbers_hash  TEXT NOT NULL,                  -- k, P, I, C, T, O per project, O, Total, best
  inputs_hash   TEXT NOT NULL,                  -- the counts behind the numbers (blog input)
  run           INTEGER NOT NULL,               -- the run that last changed them
  PRIMARY KEY (dir, writer)
) WITHOUT ROWID;

-- Blog drafts as generated: a draft whose bytes no longer hash to generated_hash was edited
-- by its writer and is never overwritten.
CREATE TABLE report_blogs (
  path            TEXT PRIMARY KEY,             -- absolute path of the draft
  generated_hash  TEXT NOT NULL,
  run             INTEGER NOT NULL
) WITHOUT ROWID;
