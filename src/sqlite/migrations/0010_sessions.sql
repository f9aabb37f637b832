-- Dashboard sessions, version 10: a login opens a session, and its cookie holds the session's secret,
-- never an API token. The store keeps only SHA-256 digests: of the secret (the key), and of the token
-- the login used, so a session ends when that token is no longer configured. Logout revokes it;
-- maintenance deletes sessions past their expiry.
CREATE TABLE conveyor_sessions (
  id_hash TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
CREATE INDEX conveyor_sessions_expires_idx ON conveyor_sessions (expires_at);
