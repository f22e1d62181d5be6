/**
 * The embedded store: SQLite through Node's built-in `node:sqlite` (no server to run).
 *
 * Calls are synchronous underneath; the driver serializes transactions with a mutex and makes
 * statements outside a transaction wait for the one in progress, so an HTTP read can never land
 * inside (or see half of) an ingest. Transactions are `BEGIN IMMEDIATE … COMMIT`. WAL journal,
 * synchronous=NORMAL (no fsync per commit; SQLite's automatic checkpoint syncs every ~1,000
 * pages): a committed transaction survives a process crash (kill -9), which is the
 * failure this service must tolerate; power loss may drop the last commits, which are then
 * replayed from the chain (envelopes are re-created identically only if not yet served, so put
 * the database on storage you trust, or use PostgreSQL).
 *
 * One process per database file: leadership is trivially held (use PostgreSQL for replicas).
 */
import { DatabaseSync, type StatementSync, type SQLInputValue } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { MIGRATIONS } from "./migrations.js";
import { bind, createSqlStore, migrate } from "./sql-store.js";
import { Mutex, type Row, type SqlDriver, type SqlRunner, type SqlValue } from "./sql.js";
import type { Leadership, Store, StoreBinding } from "./store.js";

class SqliteRunner implements SqlRunner {
  readonly #db: DatabaseSync;
  readonly #stmts = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  #q(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  allSync(sql: string, params: SqlValue[] = []): Row[] {
    return this.#q(sql).all(...(params as SQLInputValue[])) as Row[];
  }

  runSync(sql: string, params: SqlValue[] = []): number {
    if (params.length === 0 && /;\s*\S/.test(sql)) {
      this.#db.exec(sql); // several statements (migrations)
      return 0;
    }
    return Number(this.#q(sql).run(...(params as SQLInputValue[])).changes);
  }

  async all(sql: string, params?: SqlValue[]): Promise<Row[]> {
    return this.allSync(sql, params);
  }

  async get(sql: string, params?: SqlValue[]): Promise<Row | undefined> {
    return this.allSync(sql, params)[0];
  }

  async run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.runSync(sql, params);
  }

  async insertMany(table: string, columns: readonly string[], rows: SqlValue[][], suffix = ""): Promise<number> {
    if (rows.length === 0) return 0;
    // One cached single-row statement run per row: inside a transaction this is SQLite's fastest path.
    const sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ${suffix}`;
    const stmt = this.#q(sql);
    let n = 0;
    for (const r of rows) n += Number(stmt.run(...(r as SQLInputValue[])).changes);
    return n;
  }
}

class SqliteDriver implements SqlDriver {
  readonly dialect = "sqlite" as const;
  readonly #db: DatabaseSync;
  readonly #runner: SqliteRunner;
  readonly #mutex = new Mutex();

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#runner = new SqliteRunner(db);
  }

  // Outside a transaction a statement still queues behind one in progress (the mutex).
  all(sql: string, params?: SqlValue[]): Promise<Row[]> {
    return this.#mutex.run(() => this.#runner.all(sql, params));
  }
  get(sql: string, params?: SqlValue[]): Promise<Row | undefined> {
    return this.#mutex.run(() => this.#runner.get(sql, params));
  }
  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.#mutex.run(() => this.#runner.run(sql, params));
  }
  insertMany(table: string, columns: readonly string[], rows: SqlValue[][], suffix?: string): Promise<number> {
    return this.tx((q) => q.insertMany(table, columns, rows, suffix));
  }

  read<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => fn(this.#runner));
  }

  tx<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this.#runner);
        this.#db.exec("COMMIT");
        return result;
      } catch (err) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.#mutex.run(async () => {
      if (this.#db.isOpen) this.#db.close();
    });
  }
}

const alwaysLeader: Leadership = {
  acquire: async () => true,
  isLeader: true,
  release: async () => undefined,
};

/** Opens (creating and migrating if needed) the SQLite store at `path` (":memory:" works). */
export async function openSqliteStore(path: string, binding: StoreBinding): Promise<Store> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  // secure_delete: a deleted row (a shredded custody share) is overwritten, not left in free pages.
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = OFF; PRAGMA secure_delete = ON;");
  const driver = new SqliteDriver(db);
  try {
    await migrate(driver, MIGRATIONS);
    await bind(driver, binding);
  } catch (err) {
    await driver.close();
    throw err;
  }
  return createSqlStore(driver, alwaysLeader);
}
