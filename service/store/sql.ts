/**
 * The seam between the SQL core (./sql-store.ts) and a database: a driver runs statements
 * written once, with `?` placeholders and the SQL both SQLite (≥ 3.35) and PostgreSQL accept
 * (ON CONFLICT, RETURNING, row values, correlated subqueries). Dialect differences live in the
 * drivers (placeholders, BLOB/BYTEA, BIGINT as strings) and in the migrations.
 */

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Row = Record<string, unknown>;

/** Statements on one connection; inside {@link SqlDriver.tx} they are one transaction. */
export interface SqlRunner {
  all(sql: string, params?: SqlValue[]): Promise<Row[]>;
  get(sql: string, params?: SqlValue[]): Promise<Row | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: SqlValue[]): Promise<number>;
  /**
   * Inserts many rows: `INSERT INTO table (columns) VALUES … <suffix>` in as few statements as
   * the database allows. Returns the number of rows inserted (ON CONFLICT DO NOTHING skips count 0).
   */
  insertMany(table: string, columns: readonly string[], rows: SqlValue[][], suffix?: string): Promise<number>;
}

export interface SqlDriver extends SqlRunner {
  readonly dialect: "sqlite" | "postgres";
  /** Runs `fn` in a transaction; commits if it resolves, rolls back if it throws. Serialized. */
  tx<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Runs several reads together, without a transaction: SQLite runs them in one turn of its
   * lock (no write in between, one lock hand-off instead of one per statement); PostgreSQL on
   * the pool, as separate statements.
   */
  read<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A minimal async mutex: `run` calls execute one at a time, in call order. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const bytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? new Uint8Array(v) : new Uint8Array(0));

/**
 * What every aggregate's SQL store shares: the driver, and (SQLite only) the request-view cache
 * of the fetch hot path. With SQLite one process owns the file, so every write goes through
 * these objects: a write that can change a view bumps `cache.generation` AFTER it completes
 * (./sql-store.ts wraps them), and a cached view counts only for the generation it was read in.
 * With PostgreSQL other replicas write too: `views` is undefined, no cache.
 */
export interface SqlContext {
  db: SqlDriver;
  cache: { generation: number; views: Map<string, { generation: number; view: import("./store.js").RequestView }> | undefined };
}
