-- writer_project_counts, same columns and meaning, computed table by table.
-- Version 1 summed writer_activity, which materializes one row per activity and sorts them
-- all (about 8 s of CPU for a million (writer, project) pairs). This version aggregates each
-- table along its (user, repo) index, restricted to watched writers first, and sums the few
-- per-table rows. writer_activity stays as it was, for time windows and decay.
DROP VIEW writer_project_counts;

CREATE VIEW writer_project_counts AS
WITH watched AS (
  SELECT u.id AS user_id, u.login AS writer
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
  SELECT COALESCE((SELECT u.login FROM users u WHERE u.login = w.login COLLATE NOCASE LIMIT 1),
                  w.login),
         b.project, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    FROM blog_posts b JOIN writers w ON w.login = b.writer COLLATE NOCASE
)
SELECT writer, project,
       SUM(commits) AS commits, SUM(issues_opened) AS issues_opened,
       SUM(prs_opened) AS prs_opened, SUM(prs_merged) AS prs_merged,
       SUM(issue_comments) AS issue_comments, SUM(review_comments) AS review_comments,
       SUM(reviews) AS reviews, SUM(reactions_received) AS reactions_received,
       SUM(feedback_received) AS feedback_received, SUM(blog_posts) AS blog_posts
FROM named
GROUP BY writer COLLATE NOCASE, project COLLATE NOCASE;
