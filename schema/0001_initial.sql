-- ghharvest schema, version 1.
-- Rows are keyed by GitHub's own ids, so an upsert of the same page twice changes nothing.
-- Timestamps are GitHub's ISO 8601 UTC text ('2026-01-31T12:00:00Z'): they sort as text.
-- Public interface (README, analyst section): the views writer_project_counts,
-- writer_activity, writer_project_scores and writer_influence. Tables may change between
-- versions; views change only with a migration and a note in the README.

-- Every GitHub account seen (authors, commenters, reviewers, watched writers).
CREATE TABLE users (
  id          INTEGER PRIMARY KEY,              -- GitHub user id
  login       TEXT NOT NULL,                    -- as GitHub spells it
  type        TEXT NOT NULL DEFAULT 'User',     -- 'User', 'Bot', 'Organization'
  is_bot      INTEGER GENERATED ALWAYS AS
                (type = 'Bot' OR lower(login) LIKE '%[bot]') VIRTUAL,
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX users_login ON users(login COLLATE NOCASE);

-- The watched writers, mirrored from the config on every start. login compares
-- case-insensitively: config 'Alice' watches GitHub 'alice'.
CREATE TABLE writers (
  login       TEXT PRIMARY KEY COLLATE NOCASE,  -- as written in the config
  user_id     INTEGER,                          -- resolved GitHub id, once known
  added_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

-- Repositories (projects), by GitHub id; full_name follows renames.
CREATE TABLE repos (
  id              INTEGER PRIMARY KEY,          -- GitHub repository id
  full_name       TEXT NOT NULL COLLATE NOCASE UNIQUE,  -- 'owner/repo', current name
  default_branch  TEXT,
  html_url        TEXT,
  updated_at      TEXT
);

-- Which projects are watched for which writer, and how each was found.
-- repo_name is the name as configured or discovered; repo_id is set once resolved
-- (after redirects of a renamed repository). status 'gone' (404/410): kept, not polled.
CREATE TABLE watches (
  writer      TEXT NOT NULL COLLATE NOCASE,
  repo_name   TEXT NOT NULL COLLATE NOCASE,
  repo_id     INTEGER,
  source      TEXT NOT NULL,                    -- 'config', 'search', 'user_repos', 'events'
  status      TEXT NOT NULL DEFAULT 'active',   -- 'active', 'gone'
  first_seen  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  gone_at     TEXT,
  PRIMARY KEY (writer, repo_name)
);
CREATE INDEX watches_repo ON watches(repo_id);

-- Commits on a project's default branch. The same sha in a fork is another row.
CREATE TABLE commits (
  repo_id       INTEGER NOT NULL,
  sha           TEXT NOT NULL,
  author_id     INTEGER,                        -- NULL: no GitHub account, counts for nobody
  committed_at  TEXT,
  authored_at   TEXT,
  html_url      TEXT,
  PRIMARY KEY (repo_id, sha)
) WITHOUT ROWID;
CREATE INDEX commits_author ON commits(author_id, repo_id);

-- Issues and pull requests share one number sequence per repository (as on GitHub).
-- The reactions_* columns are GitHub's rollup on the item.
CREATE TABLE issues (
  id                  INTEGER PRIMARY KEY,      -- GitHub issue id
  repo_id             INTEGER NOT NULL,
  number              INTEGER NOT NULL,
  user_id             INTEGER,
  is_pull             INTEGER NOT NULL DEFAULT 0,
  state               TEXT,
  title               TEXT,
  html_url            TEXT,
  created_at          TEXT,
  updated_at          TEXT,
  closed_at           TEXT,
  merged_at           TEXT,                     -- pull requests only
  comments            INTEGER NOT NULL DEFAULT 0,
  reactions_total     INTEGER NOT NULL DEFAULT 0,
  reactions_plus1     INTEGER NOT NULL DEFAULT 0,
  reactions_minus1    INTEGER NOT NULL DEFAULT 0,
  reactions_laugh     INTEGER NOT NULL DEFAULT 0,
  reactions_hooray    INTEGER NOT NULL DEFAULT 0,
  reactions_confused  INTEGER NOT NULL DEFAULT 0,
  reactions_heart     INTEGER NOT NULL DEFAULT 0,
  reactions_rocket    INTEGER NOT NULL DEFAULT 0,
  reactions_eyes      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (repo_id, number)
);
CREATE INDEX issues_user ON issues(user_id, repo_id);

-- Conversation comments on issues and pull requests.
CREATE TABLE issue_comments (
  id                  INTEGER PRIMARY KEY,      -- GitHub comment id
  repo_id             INTEGER NOT NULL,
  issue_number        INTEGER NOT NULL,
  user_id             INTEGER,
  html_url            TEXT,
  created_at          TEXT,
  updated_at          TEXT,
  reactions_total     INTEGER NOT NULL DEFAULT 0,
  reactions_plus1     INTEGER NOT NULL DEFAULT 0,
  reactions_minus1    INTEGER NOT NULL DEFAULT 0,
  reactions_laugh     INTEGER NOT NULL DEFAULT 0,
  reactions_hooray    INTEGER NOT NULL DEFAULT 0,
  reactions_confused  INTEGER NOT NULL DEFAULT 0,
  reactions_heart     INTEGER NOT NULL DEFAULT 0,
  reactions_rocket    INTEGER NOT NULL DEFAULT 0,
  reactions_eyes      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX issue_comments_user ON issue_comments(user_id, repo_id);
CREATE INDEX issue_comments_issue ON issue_comments(repo_id, issue_number);

-- Pull-request review (diff) comments.
CREATE TABLE review_comments (
  id                  INTEGER PRIMARY KEY,
  repo_id             INTEGER NOT NULL,
  pull_number         INTEGER NOT NULL,
  user_id             INTEGER,
  review_id           INTEGER,
  html_url            TEXT,
  created_at          TEXT,
  updated_at          TEXT,
  reactions_total     INTEGER NOT NULL DEFAULT 0,
  reactions_plus1     INTEGER NOT NULL DEFAULT 0,
  reactions_minus1    INTEGER NOT NULL DEFAULT 0,
  reactions_laugh     INTEGER NOT NULL DEFAULT 0,
  reactions_hooray    INTEGER NOT NULL DEFAULT 0,
  reactions_confused  INTEGER NOT NULL DEFAULT 0,
  reactions_heart     INTEGER NOT NULL DEFAULT 0,
  reactions_rocket    INTEGER NOT NULL DEFAULT 0,
  reactions_eyes      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX review_comments_user ON review_comments(user_id, repo_id);
CREATE INDEX review_comments_pull ON review_comments(repo_id, pull_number);

-- Pull-request reviews; PENDING ones are stored but never counted.
CREATE TABLE reviews (
  id            INTEGER PRIMARY KEY,
  repo_id       INTEGER NOT NULL,
  pull_number   INTEGER NOT NULL,
  user_id       INTEGER,
  state         TEXT NOT NULL,                  -- APPROVED, CHANGES_REQUESTED, COMMENTED, ...
  html_url      TEXT,
  submitted_at  TEXT
);
CREATE INDEX reviews_user ON reviews(user_id, repo_id);

-- Posts from a configured blog feed, tagged with a project.
CREATE TABLE blog_posts (
  url           TEXT PRIMARY KEY,
  writer        TEXT NOT NULL COLLATE NOCASE,
  project       TEXT NOT NULL COLLATE NOCASE,   -- 'owner/repo'
  title         TEXT,
  published_at  TEXT
);

-- Conditional-request cache: one row per URL and token identity (a hash, never the token).
-- next_url keeps the page's link rel="next", so a 304 can still walk the following pages.
CREATE TABLE http_cache (
  url            TEXT NOT NULL,
  token_id       TEXT NOT NULL,
  etag           TEXT,
  last_modified  TEXT,
  next_url       TEXT,
  stored_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  PRIMARY KEY (url, token_id)
) WITHOUT ROWID;

-- Sync watermarks per (endpoint, scope): advanced only after a page's rows are committed.
CREATE TABLE sync_state (
  endpoint    TEXT NOT NULL,                    -- e.g. 'issues', 'commits', 'issue_comments'
  scope       TEXT NOT NULL,                    -- e.g. 'octo-org/hello-world' or 'alice@octo-org/hello-world'
  watermark   TEXT,                             -- ISO 8601 (updated_at or commit date)
  cursor      TEXT,                             -- e.g. a next-page URL or an events ETag
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  PRIMARY KEY (endpoint, scope)
) WITHOUT ROWID;

-- Failures worth showing in `ghharvest status`.
CREATE TABLE sync_errors (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  scope     TEXT,
  url       TEXT,
  message   TEXT NOT NULL
);

-- Scoring runs. Older runs are kept (bounded by a retention option).
CREATE TABLE score_runs (
  run                 INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at          TEXT NOT NULL,
  finished_at         TEXT,
  config_fingerprint  TEXT NOT NULL,
  params              TEXT                      -- JSON: weights, window, half-life
);

-- Per run, per (writer, project): every input and output of the model.
CREATE TABLE score_rows (
  run                 INTEGER NOT NULL REFERENCES score_runs(run) ON DELETE CASCADE,
  writer              TEXT NOT NULL,
  project             TEXT NOT NULL,
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
  PRIMARY KEY (run, writer, project)
) WITHOUT ROWID;

-- Per run, per writer: O(w), Total(w) and the best project.
CREATE TABLE score_writers (
  run               INTEGER NOT NULL REFERENCES score_runs(run) ON DELETE CASCADE,
  writer            TEXT NOT NULL,
  opportunity       REAL NOT NULL,
  total_influence   REAL NOT NULL,
  best_project      TEXT,
  PRIMARY KEY (run, writer)
) WITHOUT ROWID;

-- One row per counted activity of a watched writer: the counts view sums these, and
-- scoring's time window and decay filter them by `at`. `amount` is 1, except for
-- 'reactions' rows, where it is the item's reactions.total_count.
CREATE VIEW writer_activity AS
WITH watched AS (
  SELECT u.id AS user_id, u.login AS writer
  FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE
)
SELECT wa.writer, r.full_name AS project, a.kind, a.at, a.amount,
       a.plus1, a.minus1, a.laugh, a.hooray, a.confused, a.heart, a.rocket, a.eyes
FROM (
  SELECT author_id AS user_id, repo_id, 'commit' AS kind, COALESCE(authored_at, committed_at) AS at,
         1 AS amount, 0 AS plus1, 0 AS minus1, 0 AS laugh, 0 AS hooray, 0 AS confused,
         0 AS heart, 0 AS rocket, 0 AS eyes
    FROM commits WHERE author_id IS NOT NULL
  UNION ALL
  SELECT user_id, repo_id, CASE WHEN is_pull THEN 'pr_opened' ELSE 'issue_opened' END,
         created_at, 1, 0, 0, 0, 0, 0, 0, 0, 0
    FROM issues
  UNION ALL
  SELECT user_id, repo_id, 'pr_merged', merged_at, 1, 0, 0, 0, 0, 0, 0, 0, 0
    FROM issues WHERE is_pull AND merged_at IS NOT NULL
  UNION ALL
  SELECT user_id, repo_id, 'issue_comment', created_at, 1, 0, 0, 0, 0, 0, 0, 0, 0
    FROM issue_comments
  UNION ALL
  SELECT user_id, repo_id, 'review_comment', created_at, 1, 0, 0, 0, 0, 0, 0, 0, 0
    FROM review_comments
  UNION ALL
  SELECT user_id, repo_id, 'review', submitted_at, 1, 0, 0, 0, 0, 0, 0, 0, 0
    FROM reviews WHERE state <> 'PENDING'
  UNION ALL
  SELECT user_id, repo_id, 'reactions', created_at, reactions_total, reactions_plus1,
         reactions_minus1, reactions_laugh, reactions_hooray, reactions_confused,
         reactions_heart, reactions_rocket, reactions_eyes
    FROM issues WHERE reactions_total > 0
  UNION ALL
  SELECT user_id, repo_id, 'reactions', created_at, reactions_total, reactions_plus1,
         reactions_minus1, reactions_laugh, reactions_hooray, reactions_confused,
         reactions_heart, reactions_rocket, reactions_eyes
    FROM issue_comments WHERE reactions_total > 0
  UNION ALL
  SELECT user_id, repo_id, 'reactions', created_at, reactions_total, reactions_plus1,
         reactions_minus1, reactions_laugh, reactions_hooray, reactions_confused,
         reactions_heart, reactions_rocket, reactions_eyes
    FROM review_comments WHERE reactions_total > 0
  UNION ALL
  -- Feedback: others' comments (not the author, not bots) on the writer's issues and PRs,
  -- credited to the item's author. A comment whose author account is gone (NULL) is someone
  -- else's, so it counts.
  SELECT i.user_id, i.repo_id, 'feedback', ic.created_at, 1, 0, 0, 0, 0, 0, 0, 0, 0
    FROM issue_comments ic
    JOIN issues i ON i.repo_id = ic.repo_id AND i.number = ic.issue_number
    LEFT JOIN users cu ON cu.id = ic.user_id
   WHERE ic.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0
  UNION ALL
  SELECT i.user_id, i.repo_id, 'feedback', rc.created_at, 1, 0, 0, 0, 0, 0, 0, 0, 0
    FROM review_comments rc
    JOIN issues i ON i.repo_id = rc.repo_id AND i.number = rc.pull_number
    LEFT JOIN users cu ON cu.id = rc.user_id
   WHERE rc.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0
) a
JOIN watched wa ON wa.user_id = a.user_id
JOIN repos r ON r.id = a.repo_id
UNION ALL
SELECT COALESCE((SELECT u.login FROM users u WHERE u.login = w.login COLLATE NOCASE LIMIT 1),
                w.login),
       b.project, 'blog_post', b.published_at, 1, 0, 0, 0, 0, 0, 0, 0, 0
FROM blog_posts b JOIN writers w ON w.login = b.writer COLLATE NOCASE;

-- The public counts contract (docs/schema.md): one row per
-- (writer, project) with any activity.
CREATE VIEW writer_project_counts AS
SELECT writer, project,
       SUM(CASE WHEN kind = 'commit' THEN amount ELSE 0 END)         AS commits,
       SUM(CASE WHEN kind = 'issue_opened' THEN amount ELSE 0 END)   AS issues_opened,
       SUM(CASE WHEN kind = 'pr_opened' THEN amount ELSE 0 END)      AS prs_opened,
       SUM(CASE WHEN kind = 'pr_merged' THEN amount ELSE 0 END)      AS prs_merged,
       SUM(CASE WHEN kind = 'issue_comment' THEN amount ELSE 0 END)  AS issue_comments,
       SUM(CASE WHEN kind = 'review_comment' THEN amount ELSE 0 END) AS review_comments,
       SUM(CASE WHEN kind = 'review' THEN amount ELSE 0 END)         AS reviews,
       SUM(CASE WHEN kind = 'reactions' THEN amount ELSE 0 END)      AS reactions_received,
       SUM(CASE WHEN kind = 'feedback' THEN amount ELSE 0 END)       AS feedback_received,
       SUM(CASE WHEN kind = 'blog_post' THEN amount ELSE 0 END)      AS blog_posts
FROM writer_activity
GROUP BY writer COLLATE NOCASE, project COLLATE NOCASE;

-- The latest scoring run, with every input behind each number.
CREATE VIEW writer_project_scores AS
SELECT sr.run, r.finished_at AS scored_at, sr.writer, sr.project,
       sr.commits, sr.issues_opened, sr.prs_opened, sr.prs_merged, sr.issue_comments,
       sr.review_comments, sr.reviews, sr.reactions_received, sr.feedback_received,
       sr.blog_posts, sr.k, sr.p AS "P", sr.i AS "I", sr.c AS "C", sr.t AS "T", sr.o AS "O"
FROM score_rows sr JOIN score_runs r ON r.run = sr.run
WHERE sr.run = (SELECT MAX(run) FROM score_runs WHERE finished_at IS NOT NULL);

CREATE VIEW writer_influence AS
SELECT sw.run, r.finished_at AS scored_at, sw.writer, sw.opportunity AS "O",
       sw.total_influence AS total, sw.best_project
FROM score_writers sw JOIN score_runs r ON r.run = sw.run
WHERE sw.run = (SELECT MAX(run) FROM score_runs WHERE finished_at IS NOT NULL);
