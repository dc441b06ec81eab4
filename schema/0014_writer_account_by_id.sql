-- Version 14: a writer's account is the GitHub id its lookup resolved, not every account
-- the store ever saw under its login. GitHub frees a deleted account's login, and a new
-- account can take it: the old account's commits (never read again) and items on pages that
-- did not change stay stored under the old id with the login the store last saw, so both
-- accounts counted for the writer. Once writers.user_id is known only that id counts (and
-- only while its stored login is still the writer's, as before); before the first lookup
-- the login decides alone. Same columns and names; the numbers change only for a login that
-- has belonged to more than one account.
DROP VIEW writer_project_counts;
DROP VIEW writer_activity;

CREATE VIEW writer_project_counts AS
WITH watched AS (
  -- The accounts under each watched writer's login; once its lookup resolved the login to a
  -- GitHub id (writers.user_id), only that one. Named as in version 13.
  SELECT u.id AS user_id,
         (SELECT MIN(u2.login) FROM users u2 WHERE u2.login = w.login COLLATE NOCASE) AS writer
  FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE
  WHERE w.gone_at IS NULL AND (w.user_id IS NULL OR u.id = w.user_id)
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

-- As in version 13, the accounts chosen the same way.
CREATE VIEW writer_activity AS
WITH watched AS (
  SELECT u.id AS user_id, u.login AS writer
    FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE
   WHERE w.gone_at IS NULL AND (w.user_id IS NULL OR u.id = w.user_id)
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
