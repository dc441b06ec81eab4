-- writer_project_counts spells names the same way every time, version 6.
-- Version 3 showed whichever spelling SQLite met last in a group, so one login on two
-- accounts (an old account and the one that took the name later) or blog posts tagging a
-- project in different cases could show either spelling, and a query comparing names
-- exactly could miss the row. Now: a writer is the byte-smallest login among the accounts
-- matching the watched login, a project is spelled as `repos` spells it, else as the
-- byte-smallest spelling among the blog posts tagged with it (COLLATE BINARY: the columns
-- compare without case). The scorer uses the same rule.
-- Same columns, same numbers.
DROP VIEW writer_project_counts;

CREATE VIEW writer_project_counts AS
WITH watched AS (
  SELECT u.id AS user_id,
         (SELECT MIN(u2.login) FROM users u2 WHERE u2.login = w.login COLLATE NOCASE) AS writer
  FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE
),
per_table AS (
  SELECT author_id AS user_id, repo_id, COUNT(*) AS commits, 0 AS issues_opened,
         0 AS prs_opened, 0 AS prs_merged, 0 AS issue_comments, 0 AS review_comments,
         0 AS reviews, 0 AS reactions_received, 0 AS feedback_received
    FROM commits WHERE author_id IN (SELECT user_id FROM watched)
   GROUP BY author_id, repo_id
  UNION ALL
  SELECT user_id, repo_id, 0, SUM(is_pull = 0), SUM(is_pull <> 0),
         SUM(is_pull <> 0 AND merged_at IS NOT NULL), 0, 0, 0, SUM(reactions_total), 0
    FROM issues WHERE user_id IN (SELECT user_id FROM watched)
   GROUP BY user_id, repo_id
  UNION ALL
  SELECT user_id, repo_id, 0, 0, 0, 0, COUNT(*), 0, 0, SUM(reactions_total), 0
    FROM issue_comments WHERE user_id IN (SELECT user_id FROM watched)
   GROUP BY user_id, repo_id
  UNION ALL
  SELECT user_id, repo_id, 0, 0, 0, 0, 0, COUNT(*), 0, SUM(reactions_total), 0
    FROM review_comments WHERE user_id IN (SELECT user_id FROM watched)
   GROUP BY user_id, repo_id
  UNION ALL
  SELECT user_id, repo_id, 0, 0, 0, 0, 0, 0, COUNT(*), 0, 0
    FROM reviews WHERE user_id IN (SELECT user_id FROM watched) AND state <> 'PENDING'
   GROUP BY user_id, repo_id
  UNION ALL
  -- Feedback: others' comments (not the author, not bots; a deleted account counts) on the
  -- writer's issues and pull requests, credited to the item's author.
  SELECT i.user_id, i.repo_id, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*)
    FROM issues i
    JOIN issue_comments ic ON ic.repo_id = i.repo_id AND ic.issue_number = i.number
    LEFT JOIN users cu ON cu.id = ic.user_id
   WHERE i.user_id IN (SELECT user_id FROM watched)
     AND ic.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0
   GROUP BY i.user_id, i.repo_id
  UNION ALL
  SELECT i.user_id, i.repo_id, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*)
    FROM issues i
    JOIN review_comments rc ON rc.repo_id = i.repo_id AND rc.pull_number = i.number
    LEFT JOIN users cu ON cu.id = rc.user_id
   WHERE i.user_id IN (SELECT user_id FROM watched)
     AND rc.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0
   GROUP BY i.user_id, i.repo_id
),
named AS (
  SELECT wa.writer, r.full_name AS project, p.commits, p.issues_opened, p.prs_opened,
         p.prs_merged, p.issue_comments, p.review_comments, p.reviews,
         p.reactions_received, p.feedback_received, 0 AS blog_posts
    FROM per_table p
    JOIN watched wa ON wa.user_id = p.user_id
    JOIN repos r ON r.id = p.repo_id
  UNION ALL
  SELECT COALESCE((SELECT MIN(u.login) FROM users u WHERE u.login = w.login COLLATE NOCASE),
                  w.login),
         COALESCE((SELECT r.full_name FROM repos r WHERE r.full_name = b.project COLLATE NOCASE),
                  (SELECT MIN(b2.project COLLATE BINARY) FROM blog_posts b2
                    WHERE b2.project = b.project COLLATE NOCASE)),
         0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    FROM blog_posts b JOIN writers w ON w.login = b.writer COLLATE NOCASE
)
SELECT MIN(named.writer COLLATE BINARY) AS writer, MIN(named.project COLLATE BINARY) AS project,
       SUM(commits) AS commits, SUM(issues_opened) AS issues_opened,
       SUM(prs_opened) AS prs_opened, SUM(prs_merged) AS prs_merged,
       SUM(issue_comments) AS issue_comments, SUM(review_comments) AS review_comments,
       SUM(reviews) AS reviews, SUM(reactions_received) AS reactions_received,
       SUM(feedback_received) AS feedback_received, SUM(blog_posts) AS blog_posts
FROM named
GROUP BY named.writer COLLATE NOCASE, named.project COLLATE NOCASE;
