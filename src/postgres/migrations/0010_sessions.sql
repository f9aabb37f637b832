-- Dashboard sessions, version 10 (as SQLite's 0010): a login opens a session, and its cookie holds the
-- session's secret, never an API token. Only SHA-256 digests are kept: of the secret (the key), and of
-- the token the login used. Logout revokes a session; maintenance deletes sessions past their expiry.
CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  token_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
