/** {@link AuthStore} in SQL: single-use request signatures (replay guard) and Sign-In with Ethereum sessions. */
import { num, type SqlDriver, type SqlContext } from "./sql.js";
import type { SessionRow } from "./store.js";
import type { AuthStore } from "./auth-store.js";

/** SQLite: used request digests are written within this many ms, or once this many wait. */
const USED_FLUSH_MS = 50;
const USED_FLUSH_SIZE = 256;

export class SqlAuthStore implements AuthStore {
  readonly #db: SqlDriver;

  constructor(ctx: SqlContext) {
    this.#db = ctx.db;
    this.#usedLater = ctx.db.dialect === "sqlite" ? new Map() : undefined;
  }

  #prunedAt = -Infinity; // when used_signatures was last pruned (unix seconds)

  /** SQLite: used request digests not written yet (digest → expiresAt), and those being checked. */
  readonly #usedLater: Map<string, number> | undefined;

  readonly #claims = new Set<string>();

  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  async consumeSignature(digest: string, expiresAt: number, now: number): Promise<boolean> {
    if (this.#usedLater) return this.#consumeBuffered(digest, expiresAt, now);
    // PostgreSQL (replicas share the database): one statement, at once. An expired record of
    // the same digest is replaced (so pruning can be lazy); a live one makes this a replay.
    const fresh =
      (await this.#db.run(
        `INSERT INTO used_signatures (digest, expires_at) VALUES (?, ?)
         ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at WHERE used_signatures.expires_at < ?`,
        [digest, expiresAt, now],
      )) === 1;
    await this.#pruneUsed(now);
    return fresh;
  }

  async #pruneUsed(now: number): Promise<void> {
    if (now - this.#prunedAt >= 60 || now < this.#prunedAt) {
      this.#prunedAt = now;
      await this.#db.run("DELETE FROM used_signatures WHERE expires_at < ?", [now]);
    }
  }

  /**
   * SQLite: the fetch hot path's one write, batched. A digest is claimed in memory at once (so a
   * concurrent or later replay in this process is refused at once), checked against what is
   * stored (a replay of an earlier use), and written with the others of the last
   * {@link USED_FLUSH_MS} ms in one transaction. A process crash can forget the uses of those
   * last milliseconds: such a signed request could then be used once more, only within its own
   * ±skew window, and would get its own requester the same answer again (an envelope wrapped to
   * the requester's device key, or the grant status) — a bounded loss of a defence in depth,
   * for one WAL commit per request less.
   */
  async #consumeBuffered(digest: string, expiresAt: number, now: number): Promise<boolean> {
    const pending = this.#usedLater!;
    const mine = pending.get(digest);
    if (this.#claims.has(digest) || (mine !== undefined && mine >= now)) return false;
    this.#claims.add(digest);
    try {
      const stored = await this.#db.get("SELECT expires_at FROM used_signatures WHERE digest = ?", [digest]);
      if (stored && num(stored.expires_at) >= now) return false;
      pending.set(digest, expiresAt);
    } finally {
      this.#claims.delete(digest);
    }
    if (pending.size >= USED_FLUSH_SIZE) void this.#flushUsed(now).catch(() => undefined);
    else this.#flushTimer ??= setTimeout(() => void this.#flushUsed(now).catch(() => undefined), USED_FLUSH_MS);
    return true;
  }

  /**
   * Writes the buffered digests in one transaction (what was added meanwhile stays for the
   * next); then prunes expired ones as of `now`, the clock the callers judge expiry by.
   */
  /** Writes the digests not written yet (the store's close). */
  async flush(): Promise<void> {
    await this.#flushUsed();
  }

  async #flushUsed(now?: number): Promise<void> {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const pending = this.#usedLater;
    if (!pending || pending.size === 0) return;
    const batch = [...pending];
    await this.#db.tx(async (q) => {
      for (const [digest, expiresAt] of batch) {
        await q.run(
          `INSERT INTO used_signatures (digest, expires_at) VALUES (?, ?)
           ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at WHERE used_signatures.expires_at < excluded.expires_at`,
          [digest, expiresAt],
        );
      }
    });
    for (const [digest, expiresAt] of batch) if (pending.get(digest) === expiresAt) pending.delete(digest);
    if (now !== undefined) await this.#pruneUsed(now);
  }

  async createSession(s: SessionRow, now: number): Promise<void> {
    await this.#db.tx(async (q) => {
      await q.run("DELETE FROM auth_sessions WHERE expires_at <= ?", [now]);
      await q.run("INSERT INTO auth_sessions (token_hash, address, expires_at, created_at) VALUES (?, ?, ?, ?)", [
        s.tokenHash,
        s.address,
        s.expiresAt,
        s.createdAt,
      ]);
    });
  }

  async session(tokenHash: string, now: number): Promise<SessionRow | undefined> {
    const r = await this.#db.get("SELECT * FROM auth_sessions WHERE token_hash = ? AND expires_at > ?", [tokenHash, now]);
    return r ? { tokenHash: String(r.token_hash), address: String(r.address), expiresAt: num(r.expires_at), createdAt: num(r.created_at) } : undefined;
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return (await this.#db.run("DELETE FROM auth_sessions WHERE token_hash = ?", [tokenHash])) === 1;
  }
}
