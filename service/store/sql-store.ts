/**
 * The store's SQL core, composed: one SQL store per aggregate (./sql-sync.ts, ./sql-release.ts,
 * ./sql-receipts.ts, ./sql-outbox.ts, ./sql-auth.ts, ./sql-shares.ts), written once over a {@link SqlDriver}
 * (SQLite or PostgreSQL), sharing one driver and (SQLite) the request-view cache. See store.ts
 * for what is stored and why; the aggregates' files say how. Also here: migrating and binding a
 * database to its deployment, which every aggregate depends on.
 *
 * Ingestion writes facts in bulk (one multi-row insert per table and chunk, inside one
 * transaction per block range), so a 20,000-grant backlog costs a few hundred statements, not
 * 100,000. Finalization creates release rows with one INSERT … SELECT over the grants of the
 * newly final block range (index grants_block), so no step scans all grants.
 */
import { FatalError } from "../internal/errors.js";
import type { Migration } from "./migrations.js";
import { num, type SqlContext, type SqlDriver } from "./sql.js";
import { SqlAuthStore } from "./sql-auth.js";
import { SqlTxOutbox } from "./sql-outbox.js";
import { SqlReceiptStore } from "./sql-receipts.js";
import { SqlReleaseStore } from "./sql-release.js";
import { SqlShareStore } from "./sql-shares.js";
import { SqlSyncStore } from "./sql-sync.js";
import type { Leadership, Store, StoreBinding } from "./store.js";

export { checkpointOf } from "./sql-rows.js";

/** Applies `migrations` not yet recorded, each in its own transaction. */
export async function migrate(db: SqlDriver, migrations: readonly Migration[]): Promise<void> {
  const ddl =
    db.dialect === "sqlite"
      ? "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT"
      : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
  await db.run(ddl);
  const applied = new Set((await db.all("SELECT version FROM schema_migrations")).map((r) => num(r.version)));
  const known = Math.max(...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new FatalError(`the database has schema version ${newest}, newer than this build knows (${known}); upgrade the service`);
  }
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    await db.tx(async (q) => {
      // Another replica may have migrated meanwhile (PostgreSQL: serialized by the caller's lock).
      if (await q.get("SELECT 1 AS x FROM schema_migrations WHERE version = ?", [m.version])) return;
      await q.run(m.sql);
      await q.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, new Date().toISOString()]);
    });
  }
}

/** Ties the database to one deployment, and refuses another one's database. */
export async function bind(db: SqlDriver, b: StoreBinding): Promise<void> {
  await db.tx(async (q) => {
    const get = async (key: string) => (await q.get("SELECT value FROM meta WHERE key = ?", [key]))?.value as string | undefined;
    const chainId = await get("chainId");
    const ledger = await get("ledger");
    if (chainId === undefined) {
      await q.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", ["chainId", b.chainId]);
      await q.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", ["ledger", b.ledger.toLowerCase()]);
    } else if (chainId !== b.chainId || ledger !== b.ledger.toLowerCase()) {
      throw new FatalError(
        `this database belongs to ledger ${ledger} on chain ${chainId}, not ${b.ledger.toLowerCase()} on chain ${b.chainId}; use another SEALSHARE_DB`,
      );
    }
    const start = Math.max(b.startBlock - 1, -1);
    await q.run(
      "INSERT INTO sync_state (id, tip_number, tip_hash, finalized_number) VALUES (1, ?, NULL, ?) ON CONFLICT (id) DO NOTHING",
      [start, start],
    );
  });
}

/** Store writes that can change a {@link RequestView} (see SqlStore's view cache). */
const VIEW_WRITES = [
  "ingest",
  "finalize",
  "rewind",
  "putDatasetKey",
  "putShare",
  "replaceDatasetKey",
  "rewrapDatasetKeys",
  "settleReleases",
  "saveEnvelopes",
  "markReceiptSent",
  "markReceiptConfirmed",
  "markReceiptUnsent",
  "createBatch",
  "markBatchSent",
] as const;
/** Own methods of an object's class (not the constructor, not `#private` ones). */
function methodsOf(o: object): string[] {
  return Object.getOwnPropertyNames(Object.getPrototypeOf(o)).filter((n) => n !== "constructor" && typeof (o as Record<string, unknown>)[n] === "function");
}

/**
 * The {@link Store} over one driver: each aggregate's methods, bound to its SQL store. On SQLite
 * every write in {@link VIEW_WRITES} bumps the view cache's generation once it completes.
 */
export function createSqlStore(db: SqlDriver, leadership: Leadership): Store {
  const ctx: SqlContext = { db, cache: { generation: 0, views: db.dialect === "sqlite" ? new Map() : undefined } };
  const auth = new SqlAuthStore(ctx);
  const parts = [new SqlSyncStore(ctx), new SqlReleaseStore(ctx), new SqlReceiptStore(ctx), new SqlTxOutbox(ctx), auth, new SqlShareStore(ctx)];
  const store: Record<string, unknown> = {};
  for (const part of parts) {
    for (const name of methodsOf(part)) {
      if (Object.hasOwn(store, name)) throw new Error(`two aggregates define ${name}`);
      store[name] = (part as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!.bind(part);
    }
  }
  delete store.flush; // the auth store's, run by close()
  if (ctx.cache.views) {
    for (const name of VIEW_WRITES) {
      const write = store[name] as (...a: unknown[]) => Promise<unknown>;
      store[name] = async (...args: unknown[]) => {
        try {
          return await write(...args);
        } finally {
          ctx.cache.generation++;
        }
      };
    }
  }
  return Object.assign(store, {
    dialect: db.dialect,
    leadership: () => leadership,
    async close() {
      await auth.flush().catch(() => undefined);
      await leadership.release().catch(() => undefined);
      await db.close();
    },
  }) as unknown as Store;
}
