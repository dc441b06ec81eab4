-- Version 15: commits a force-push took off the default branch. The counts hold the commits
-- on each project's default branch; after a history rewrite (or a new default branch) the
-- harvester reads the branch's whole list again and moves every stored commit it no longer
-- lists here, out of every count, with when it noticed, for an analyst to see. A commit
-- listed again later (the branch restored) goes back to `commits`.
CREATE TABLE commit_tombstones (
  repo_id       INTEGER NOT NULL,
  sha           TEXT NOT NULL,
  author_id     INTEGER,
  committed_at  TEXT,
  authored_at   TEXT,
  html_url      TEXT,
  noticed_at    TEXT NOT NULL,
  PRIMARY KEY (repo_id, sha)
) WITHOUT ROWID;
