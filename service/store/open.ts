/**
 * Opens the store SEALSHARE_DB names: a `postgres://` / `postgresql://` URL → PostgreSQL
 * (replicas share it), anything else → a SQLite file (one process).
 */
import { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store, StoreBinding } from "./store.js";

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

export async function openStore(db: string, binding: StoreBinding, opts: PostgresStoreOptions = {}): Promise<Store> {
  return isPostgresUrl(db) ? openPostgresStore(db, binding, opts) : openSqliteStore(db, binding);
}
