-- Renamed repositories, version 10. GitHub answers a renamed repository's old URLs with a
-- redirect to its new name, so a blog post that links to the old name is about the renamed
-- project. The store keeps every name a repository is known to have had, and the blog
-- posts view counts a post for the repository's current name.

-- A name a repository had before a rename ghharvest noticed: by the harvest asking for it by
-- that name (a 301 to the new one) or by a payload carrying the repository's new name.
CREATE TABLE repo_old_names (
  name        TEXT PRIMARY KEY COLLATE NOCASE,  -- 'owner/repo' as it was
  repo_id     INTEGER NOT NULL,                 -- repos.id it now belongs to
  noticed_at  TEXT NOT NULL                     -- ISO 8601 UTC
) WITHOUT ROWID;

-- Every rename of a stored repository. A name handed over to another repository (the store
-- marks the old holder 'owner/repo#id') is not a rename: the name now belongs to the other.
CREATE TRIGGER repos_renamed AFTER UPDATE OF full_name ON repos
WHEN NOT (OLD.full_name = NEW.full_name COLLATE NOCASE) AND instr(NEW.full_name, '#') = 0
BEGIN
  INSERT OR REPLACE INTO repo_old_names (name, repo_id, noticed_at)
  VALUES (OLD.full_name, NEW.id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
END;

-- A post's project under its current name: a repository that holds the name now wins, else
-- the repository that had it before a rename, else the name as the post wrote it. A post that
-- links to both the old and the new name still counts once.
CREATE VIEW post_current_projects AS
SELECT post_id, MIN(project COLLATE BINARY) AS project
  FROM (SELECT x.post_id,
               COALESCE((SELECT r.full_name FROM repo_old_names o JOIN repos r ON r.id = o.repo_id
                          WHERE o.name = x.project
                            AND NOT EXISTS (SELECT 1 FROM repos c WHERE c.full_name = x.project)),
                        x.project) AS project
          FROM post_projects x)
 GROUP BY post_id, project COLLATE NOCASE;

DROP VIEW blog_posts;
CREATE VIEW blog_posts AS
SELECT COALESCE(p.link, p.entry_id) AS url, p.writer, pp.project, p.title,
       COALESCE(p.published_at, p.updated_at, p.first_seen_at) AS published_at
  FROM posts p
  JOIN post_current_projects pp ON pp.post_id = p.id;

-- Dropping the view dropped its INSERT trigger (version 9's): the same again.
CREATE TRIGGER blog_posts_insert INSTEAD OF INSERT ON blog_posts
BEGIN
  INSERT INTO posts (writer, feed, link, title, published_at, first_seen_at)
  SELECT NEW.writer, '', NEW.url, NEW.title, NEW.published_at,
         strftime('%Y-%m-%dT%H:%M:%SZ','now')
   WHERE NOT EXISTS (SELECT 1 FROM posts WHERE writer = NEW.writer AND link = NEW.url);
  INSERT OR IGNORE INTO post_projects (post_id, project, feed)
  SELECT id, NEW.project, '' FROM posts WHERE writer = NEW.writer AND link = NEW.url;
END;

DROP VIEW writer_blog_posts;
CREATE VIEW writer_blog_posts AS
SELECT w.login AS writer, pp.project, p.title, COALESCE(p.link, p.entry_id) AS url,
       p.published_at, p.updated_at, p.first_seen_at, p.feed, p.entry_id
  FROM posts p
  JOIN writers w ON w.login = p.writer COLLATE NOCASE
  LEFT JOIN post_current_projects pp ON pp.post_id = p.id;
