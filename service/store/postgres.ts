/**
 * The production store: PostgreSQL through `pg`, shared by several custodian replicas.
 *
 * All replicas serve HTTP reads (and accept deposits); exactly one — the leader — ingests,
 * releases and seals receipts. Leadership is a session-level advisory lock
 * (`pg_try_advisory_lock`) held on a DEDICATED connection, outside the pool: the server frees it
 * the moment that connection dies (the leader crashed, was SIGKILLed, or lost the network), and
 * another replica's next `acquire()` gets it. The lock key is derived from the chain id and
 * ledger, so custodians of different deployments can share a server.
 *
 * Writes stay safe even if two processes briefly both think they lead (a stalled leader waking
 * up): envelopes are saved only where none exists, a release joins a batch only from 'unsent',
 * a batch id can be sealed once on chain, and facts are insert-or-ignore.
 */
import pg from "pg";
import { keccak256, toUtf8Bytes } from "ethers";
import { PG_MIGRATIONS } from "./migrations.js";
import { bind, createSqlStore, migrate } from "./sql-store.js";
import type { Row, SqlDriver, SqlRunner, SqlValue } from "./sql.js";
import type { Leadership, Store, StoreBinding } from "./store.js";

// BIGINT (int8) comes back as a string by default; every value we store fits a JS number.
pg.types.setTypeParser(20, (v: string) => Number(v));

const placeholderCache = new Map<string, string>();

/** `?` placeholders → `$1, $2, …` (our SQL never has a literal `?`). */
export function toPgPlaceholders(sql: string): string {
  let out = placeholderCache.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    if (placeholderCache.size < 10_000) placeholderCache.set(sql, out);
  }
  return out;
}

function toPg(v: SqlValue): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === "bigint") return v.toString();
  return v;
}

function fromPg(row: Row): Row {
  for (const [k, v] of Object.entries(row)) if (Buffer.isBuffer(v)) row[k] = new Uint8Array(v);
  return row;
}

type Queryable = pg.Pool | pg.PoolClient | pg.Client;

class PgRunner implements SqlRunner {
  constructor(private readonly c: Queryable) {}

  async all(sql: string, params: SqlValue[] = []): Promise<Row[]> {
    const res = params.length === 0 ? await this.c.query(sql) : await this.c.query(toPgPlaceholders(sql), params.map(toPg));
    return (res.rows as Row[]).map(fromPg);
  }

  async get(sql: string, params?: SqlValue[]): Promise<Row | undefined> {
    return (await this.all(sql, params))[0];
  }

  async run(sql: string, params: SqlValue[] = []): Promise<number> {
    const res = params.length === 0 ? await this.c.query(sql) : await this.c.query(toPgPlaceholders(sql), params.map(toPg));
    // A multi-statement string answers with an array of results.
    return Array.isArray(res) ? 0 : (res.rowCount ?? 0);
  }

  async insertMany(table: string, columns: readonly string[], rows: SqlValue[][], suffix = ""): Promise<number> {
    if (rows.length === 0) return 0;
    const perChunk = Math.max(1, Math.min(1000, Math.floor(60_000 / columns.length)));
    let n = 0;
    for (let i = 0; i < rows.length; i += perChunk) {
      const chunk = rows.slice(i, i + perChunk);
      const params: unknown[] = [];
      const tuples = chunk.map((r) => {
        const base = params.length;
        for (const v of r) params.push(toPg(v));
        return `(${r.map((_, j) => `$${base + j + 1}`).join(", ")})`;
      });
      const res = await this.c.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")} ${suffix}`, params);
      n += res.rowCount ?? 0;
    }
    return n;
  }
}

class PgDriver extends PgRunner implements SqlDriver {
  readonly dialect = "postgres" as const;

  constructor(readonly pool: pg.Pool) {
    super(pool);
  }

  async tx<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(new PgRunner(client));
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  read<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** A signed 64-bit advisory-lock key from a label. */
export function lockKey(label: string): string {
  return BigInt.asIntN(64, BigInt(keccak256(toUtf8Bytes(label)).slice(0, 18))).toString();
}

/** Leadership by a session advisory lock on a dedicated connection (see the file header). */
export function createPgLeadership(connectionString: string, key: string, onLost?: () => void): Leadership {
  let client: pg.Client | undefined;
  let leader = false;

  const drop = () => {
    const was = leader;
    leader = false;
    const c = client;
    client = undefined;
    c?.end().catch(() => undefined);
    if (was) onLost?.();
  };

  return {
    get isLeader() {
      return leader;
    },
    async acquire() {
      try {
        if (!client) {
          const c = new pg.Client({ connectionString, keepAlive: true, application_name: "sealshare-custodian-leader" });
          c.on("error", drop);
          c.on("end", () => {
            if (client === c) drop();
          });
          await c.connect();
          client = c;
        }
        if (leader) {
          await client.query("SELECT 1"); // the lock lives as long as this connection does
          return true;
        }
        const res = await client.query("SELECT pg_try_advisory_lock($1::bigint) AS ok", [key]);
        leader = res.rows[0]?.ok === true;
        return leader;
      } catch {
        drop();
        return false;
      }
    },
    async release() {
      const c = client;
      if (!c) return;
      if (leader) await c.query("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => undefined);
      leader = false;
      client = undefined;
      await c.end().catch(() => undefined);
    },
  };
}

export interface PostgresStoreOptions {
  /** Pool size for queries (default 10). */
  max?: number;
  /** Called when this process loses leadership (its lock connection died). */
  onLeadershipLost?: () => void;
}

/** Opens the store on `connectionString` (postgres://…), migrating it under an advisory lock. */
export async function openPostgresStore(connectionString: string, binding: StoreBinding, opts: PostgresStoreOptions = {}): Promise<Store> {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10, keepAlive: true, application_name: "sealshare-custodian" });
  pool.on("error", () => undefined); // an idle client's error; the next query reconnects
  const driver = new PgDriver(pool);
  const label = `sealshare:${binding.chainId}:${binding.ledger.toLowerCase()}`;
  try {
    // Replicas starting together migrate one at a time.
    const c = await pool.connect();
    try {
      await c.query("SELECT pg_advisory_lock($1::bigint)", [lockKey(`${label}:migrate`)]);
      try {
        await migrate(driver, PG_MIGRATIONS);
        await bind(driver, binding);
      } finally {
        await c.query("SELECT pg_advisory_unlock($1::bigint)", [lockKey(`${label}:migrate`)]);
      }
    } finally {
      c.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return createSqlStore(driver, createPgLeadership(connectionString, lockKey(`${label}:leader`), opts.onLeadershipLost));
}

/** True if a PostgreSQL server answers at `connectionString` within `timeoutMs`. */
export async function postgresReachable(connectionString: string, timeoutMs = 2000): Promise<boolean> {
  const c = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}
