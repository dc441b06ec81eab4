-- Blog feeds, version 9. Posts harvested from each writer's configured feeds (RSS 2.0, Atom
-- 1.0, JSON Feed 1.1) in tables of their own; blog_posts, which nothing filled before, becomes
-- a view over them with the same columns, so the counts views and the scorer read posts as
-- they read them before (one row per post and project).

-- One row per configured (writer, feed): the validators for the next conditional request and
-- how the last fetch went, for `ghharvest status`.
CREATE TABLE feeds (
  writer         TEXT NOT NULL COLLATE NOCASE,   -- the configured login
  url            TEXT NOT NULL,                  -- as configured
  etag           TEXT,
  last_modified  TEXT,
  format         TEXT,                           -- 'RSS', 'Atom', 'JSON Feed' as last parsed
  last_fetch_at  TEXT,                           -- the last attempt, ISO 8601 UTC
  last_ok_at     TEXT,                           -- the last 2xx or 304
  last_status    TEXT,                           -- 'ok', 'not modified' or the failure
  PRIMARY KEY (writer, url)
) WITHOUT ROWID;

-- One row per post of a writer, whichever of the writer's feeds carried it. A post is its
-- entry id (guid, Atom id, JSON Feed id) or else its link: two entries of one writer with the
-- same id or the same link are one post (the RSS and Atom feeds of one blog). Posts that drop
-- out of a feed stay: feeds show a window of recent posts.
CREATE TABLE posts (
  id             INTEGER PRIMARY KEY,
  writer         TEXT NOT NULL COLLATE NOCASE,
  feed           TEXT NOT NULL,                  -- the feed it was last read from
  entry_id       TEXT,                           -- NULL when the feed gave none
  link           TEXT,                           -- absolute; NULL when the entry had none
  title          TEXT,
  published_at   TEXT,
  updated_at     TEXT,
  first_seen_at  TEXT NOT NULL
);
CREATE INDEX posts_entry ON posts(writer, entry_id);
CREATE INDEX posts_link ON posts(writer, link);

-- The projects a post counts for ('owner/repo', the counts contract's attribution rules), as
-- each feed that carried it says: a blog's RSS feed may carry a summary and its Atom feed the
-- whole text, and neither may undo the other. A post counts once per project however many
-- feeds name it.
CREATE TABLE post_projects (
  post_id  INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  project  TEXT NOT NULL COLLATE NOCASE,
  feed     TEXT NOT NULL,
  PRIMARY KEY (post_id, project, feed)
) WITHOUT ROWID;
CREATE INDEX post_projects_project ON post_projects(project);

-- Which feeds carried a post (a post in the RSS and the Atom feed of a blog has two rows).
CREATE TABLE post_feeds (
  post_id  INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  feed     TEXT NOT NULL,
  PRIMARY KEY (post_id, feed)
) WITHOUT ROWID;

-- Rows someone put in the old table move over, one post per URL.
INSERT INTO posts (writer, feed, link, title, published_at, first_seen_at)
SELECT writer, '', url, title, published_at, strftime('%Y-%m-%dT%H:%M:%SZ','now')
  FROM blog_posts;
INSERT INTO post_projects (post_id, project, feed)
SELECT p.id, b.project, '' FROM blog_posts b JOIN posts p ON p.link = b.url AND p.feed = '';
DROP TABLE blog_posts;

-- The old table's shape: one row per (post, project). A post's date is when it was
-- published, else when it was updated, else when ghharvest first saw it; window_days and
-- half_life_days age posts by it like any other item.
CREATE VIEW blog_posts AS
SELECT COALESCE(p.link, p.entry_id) AS url, p.writer, pp.project, p.title,
       COALESCE(p.published_at, p.updated_at, p.first_seen_at) AS published_at
  FROM posts p
  JOIN (SELECT post_id, MIN(project COLLATE BINARY) AS project FROM post_projects
         GROUP BY post_id, project) pp ON pp.post_id = p.id;

-- An INSERT of the old shape still works (scripts and tests that wrote blog_posts by hand):
-- one post per URL, the project added to it.
CREATE TRIGGER blog_posts_insert INSTEAD OF INSERT ON blog_posts
BEGIN
  INSERT INTO posts (writer, feed, link, title, published_at, first_seen_at)
  SELECT NEW.writer, '', NEW.url, NEW.title, NEW.published_at,
         strftime('%Y-%m-%dT%H:%M:%SZ','now')
   WHERE NOT EXISTS (SELECT 1 FROM posts WHERE writer = NEW.writer AND link = NEW.url);
  INSERT OR IGNORE INTO post_projects (post_id, project, feed)
  SELECT id, NEW.project, '' FROM posts WHERE writer = NEW.writer AND link = NEW.url;
END;

-- For analysts: every harvested post of a watched writer, one row per project it counts for
-- (project NULL for a post about none), the writer spelled as in the config.
CREATE VIEW writer_blog_posts AS
SELECT w.login AS writer, pp.project, p.title, COALESCE(p.link, p.entry_id) AS url,
       p.published_at, p.updated_at, p.first_seen_at, p.feed, p.entry_id
  FROM posts p
  JOIN writers w ON w.login = p.writer COLLATE NOCASE
  LEFT JOIN (SELECT post_id, MIN(project COLLATE BINARY) AS project FROM post_projects
              GROUP BY post_id, project) pp ON pp.post_id = p.id;
