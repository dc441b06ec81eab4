-- Version 12: the budget of each credential of a token pool, for `ghharvest status`.
-- A credential is named by its fingerprint (a salted hash of the token, never the token);
-- `rate_limits` keeps the pool's sum per resource as before.
CREATE TABLE credential_budgets (
  credential TEXT NOT NULL,             -- 'fnv1a:' and 12 hex digits
  resource   TEXT NOT NULL,             -- 'core', 'search', 'graphql'
  quota      INTEGER NOT NULL,          -- x-ratelimit-limit
  remaining  INTEGER NOT NULL,          -- x-ratelimit-remaining
  reset_at   TEXT NOT NULL,             -- x-ratelimit-reset, ISO 8601 UTC
  revoked    INTEGER NOT NULL DEFAULT 0, -- 1: GitHub answered 401, the daemon stopped using it
  seen_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  PRIMARY KEY (credential, resource)
) WITHOUT ROWID;
