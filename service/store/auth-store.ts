/** Authentication and replay: single-use request signatures and Sign-In with Ethereum sessions (service/http/). */

/** A Sign-In with Ethereum session of the HTTP API; only the token's SHA-256 is stored. */
export interface SessionRow {
  tokenHash: string; // 0x hex SHA-256 of the bearer token
  address: string; // checksummed; the account that signed in
  expiresAt: number; // unix seconds
  createdAt: number;
}

export interface AuthStore {
  /**
   * Records a signed-request digest as used until `expiresAt`. False if it was already used
   * and has not expired (a replay); an expired record is replaced. Expired records are pruned
   * now and then (at most once a minute), not on every call. SQLite writes the records in
   * batches (within 50 ms; a process crash may forget the last ones, see sql-auth.ts);
   * PostgreSQL at once.
   */
  consumeSignature(digest: string, expiresAt: number, now: number): Promise<boolean>;

  /** Stores a session by the SHA-256 of its token; prunes expired ones. */
  createSession(session: SessionRow, now: number): Promise<void>;
  /** The live session with this token hash (expired ones are not returned). */
  session(tokenHash: string, now: number): Promise<SessionRow | undefined>;
  /** Ends a session (logout). False if there was none. */
  deleteSession(tokenHash: string): Promise<boolean>;
}
