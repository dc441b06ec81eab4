-- Version 8: lists read in creation order, page by page, and what vanished from them.
-- The harvester reads the issues list and both comment lists of a repository sorted by
-- creation, ascending, and revalidates every page with its ETag. A page that answers 200
-- again is compared with what the store holds for the same stretch of the list: an item no
-- longer there was deleted on GitHub. To know that stretch, the last id of every page is
-- kept here (a page that answers 304 keeps its stretch).
CREATE TABLE list_pages (
  endpoint    TEXT NOT NULL,                    -- 'issues', 'issue_comments', 'review_comments'
  scope       TEXT NOT NULL,                    -- 'owner/repo' as asked for
  page        INTEGER NOT NULL,                 -- 1-based, in the order the walk reads them
  last_id     INTEGER,                          -- the greatest item id on the page; NULL: empty
  checked_at  TEXT NOT NULL,                    -- when it was last read (200 or 304)
  PRIMARY KEY (endpoint, scope, page)
) WITHOUT ROWID;

-- Items GitHub no longer lists: removed from their table (so from every count) and kept
-- here, with when the harvester noticed, for an analyst to see.
CREATE TABLE tombstones (
  kind        TEXT NOT NULL,                    -- 'issue', 'issue_comment', 'review_comment'
  id          INTEGER NOT NULL,                 -- GitHub id
  repo_id     INTEGER NOT NULL,
  number      INTEGER,                          -- the issue's, or the commented issue's number
  user_id     INTEGER,
  created_at  TEXT,
  reactions_total INTEGER NOT NULL DEFAULT 0,
  noticed_at  TEXT NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX tombstones_by_repo ON tombstones(repo_id, noticed_at);
