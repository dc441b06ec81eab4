-- Scoring records only what changed, version 4.
-- Version 1 wrote every (writer, project) row of every run: a million rows (about 200 MB and
-- 2-4 s) per run at 10,000 writers x 100 projects, although between two runs few writers
-- change. Now a row holds the numbers of one (writer, project) from the run that produced
-- them (from_run) until the first run that produced different ones (to_run; NULL while they
-- are current). A run rewrites the rows of a writer only when that writer's digest changes.
-- The public views keep their columns and meaning; two history views replace joining
-- score_rows / score_writers by run.

CREATE TABLE score_pair_spans (
  writer              TEXT NOT NULL,
  project             TEXT NOT NULL,
  from_run            INTEGER NOT NULL,         -- first run these numbers belong to
  to_run              INTEGER,                  -- first run they do not; NULL: current
  commits             REAL NOT NULL,
  issues_opened       REAL NOT NULL,
  prs_opened          REAL NOT NULL,
  prs_merged          REAL NOT NULL,
  issue_comments      REAL NOT NULL,
  review_comments     REAL NOT NULL,
  reviews             REAL NOT NULL,
  reactions_received  REAL NOT NULL,
  feedback_received   REAL NOT NULL,
  blog_posts          REAL NOT NULL,
  k                   REAL NOT NULL,
  p                   REAL NOT NULL,
  i                   REAL NOT NULL,
  c                   REAL NOT NULL,
  t                   REAL NOT NULL,
  o                   REAL NOT NULL,
  -- A writer is rewritten whole, so its current rows share one from_run: ending them is one
  -- range of this key, however much history the writer has.
  PRIMARY KEY (writer, from_run, project)
) WITHOUT ROWID;
-- Pruning finds the ended rows without reading the current ones.
CREATE INDEX score_pair_spans_ended ON score_pair_spans(to_run) WHERE to_run IS NOT NULL;

CREATE TABLE score_writer_spans (
  writer            TEXT NOT NULL,
  from_run          INTEGER NOT NULL,
  to_run            INTEGER,
  opportunity       REAL NOT NULL,
  total_influence   REAL NOT NULL,
  best_project      TEXT,
  digest            INTEGER NOT NULL,           -- hash of every number of the writer's rows
  PRIMARY KEY (writer, from_run)
) WITHOUT ROWID;
CREATE INDEX score_writer_spans_ended ON score_writer_spans(to_run) WHERE to_run IS NOT NULL;
-- What a run compares against: each writer's current digest and where its rows start.
CREATE INDEX score_writer_spans_current ON score_writer_spans(writer, from_run, digest)
  WHERE to_run IS NULL;

-- Each stored run's rows become rows of one run: they end at the next stored run. Digest 0
-- matches no computed digest, so the next run rewrites every writer once.
INSERT INTO score_pair_spans (writer, project, from_run, to_run, commits, issues_opened,
                              prs_opened, prs_merged, issue_comments, review_comments, reviews,
                              reactions_received, feedback_received, blog_posts, k, p, i, c, t, o)
SELECT sr.writer, sr.project, sr.run,
       (SELECT MIN(r.run) FROM score_runs r WHERE r.run > sr.run AND r.finished_at IS NOT NULL),
       sr.commits, sr.issues_opened, sr.prs_opened, sr.prs_merged, sr.issue_comments,
       sr.review_comments, sr.reviews, sr.reactions_received, sr.feedback_received,
       sr.blog_posts, sr.k, sr.p, sr.i, sr.c, sr.t, sr.o
FROM score_rows sr JOIN score_runs r0 ON r0.run = sr.run WHERE r0.finished_at IS NOT NULL;

INSERT INTO score_writer_spans (writer, from_run, to_run, opportunity, total_influence,
                                best_project, digest)
SELECT sw.writer, sw.run,
       (SELECT MIN(r.run) FROM score_runs r WHERE r.run > sw.run AND r.finished_at IS NOT NULL),
       sw.opportunity, sw.total_influence, sw.best_project, 0
FROM score_writers sw JOIN score_runs r0 ON r0.run = sw.run WHERE r0.finished_at IS NOT NULL;

-- A run that never finished left no rows worth keeping (runs are written in one transaction).
DELETE FROM score_runs WHERE finished_at IS NULL;

DROP VIEW writer_project_scores;
DROP VIEW writer_influence;
DROP TABLE score_rows;
DROP TABLE score_writers;

-- The latest run: every (writer, project) it scored, with every input of each number.
CREATE VIEW writer_project_scores AS
SELECT r.run, r.finished_at AS scored_at, s.writer, s.project,
       s.commits, s.issues_opened, s.prs_opened, s.prs_merged, s.issue_comments,
       s.review_comments, s.reviews, s.reactions_received, s.feedback_received,
       s.blog_posts, s.k, s.p AS "P", s.i AS "I", s.c AS "C", s.t AS "T", s.o AS "O"
FROM score_pair_spans s
JOIN (SELECT run, finished_at FROM score_runs WHERE finished_at IS NOT NULL
      ORDER BY run DESC LIMIT 1) r
WHERE s.to_run IS NULL;

CREATE VIEW writer_influence AS
SELECT r.run, r.finished_at AS scored_at, s.writer, s.opportunity AS "O",
       s.total_influence AS total, s.best_project
FROM score_writer_spans s
JOIN (SELECT run, finished_at FROM score_runs WHERE finished_at IS NOT NULL
      ORDER BY run DESC LIMIT 1) r
WHERE s.to_run IS NULL;

-- Every kept run, as writer_project_scores showed it then: for changes over time.
CREATE VIEW writer_project_score_history AS
SELECT r.run, r.finished_at AS scored_at, s.writer, s.project,
       s.commits, s.issues_opened, s.prs_opened, s.prs_merged, s.issue_comments,
       s.review_comments, s.reviews, s.reactions_received, s.feedback_received,
       s.blog_posts, s.k, s.p AS "P", s.i AS "I", s.c AS "C", s.t AS "T", s.o AS "O"
FROM score_runs r
JOIN score_pair_spans s ON s.from_run <= r.run AND (s.to_run IS NULL OR s.to_run > r.run)
WHERE r.finished_at IS NOT NULL;

CREATE VIEW writer_influence_history AS
SELECT r.run, r.finished_at AS scored_at, s.writer, s.opportunity AS "O",
       s.total_influence AS total, s.best_project
FROM score_runs r
JOIN score_writer_spans s ON s.from_run <= r.run AND (s.to_run IS NULL OR s.to_run > r.run)
WHERE r.finished_at IS NOT NULL;
