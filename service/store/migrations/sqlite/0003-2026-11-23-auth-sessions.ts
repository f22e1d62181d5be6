/**
 * SQLite migration 3 (auth-sessions), released 2026-11-23: the literal SQL it ran.
 * FROZEN: never edit this file (test/service/migrations.test.ts pins its hash); add a new migration.
 */
export const version = 3;
export const name = "auth-sessions";
export const sql = `
    CREATE TABLE auth_sessions (
      token_hash TEXT PRIMARY KEY,
      address    TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);
`;
