/**
 * A throw-away PostgreSQL database per test run, on the server at 127.0.0.1:5432 (or
 * SEALSHARE_TEST_PG, a postgres:// URL of a database to connect to for CREATE/DROP DATABASE).
 * Suites call {@link pgOrSkip} and are skipped — with one clear printed line — only when no
 * server answers there.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { postgresReachable } from "../../service/store/postgres.js";

const ADMIN_CANDIDATES = process.env.SEALSHARE_TEST_PG
  ? [process.env.SEALSHARE_TEST_PG]
  : ["postgres://postgres@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/postgres", "postgres://root@127.0.0.1:5432/test"];

let admin: Promise<string | null> | undefined;

/** The admin URL that answers, or null. */
export function pgAdminUrl(): Promise<string | null> {
  admin ??= (async () => {
    for (const url of ADMIN_CANDIDATES) if (await postgresReachable(url)) return url;
    return null;
  })();
  return admin;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database; `drop()` removes it (terminating its connections). */
export async function createTestDatabase(prefix = "sealshare_test"): Promise<TestDatabase> {
  const adminUrl = await pgAdminUrl();
  if (!adminUrl) throw new Error("PostgreSQL is not reachable");
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const d = new pg.Client({ connectionString: adminUrl });
      await d.connect();
      try {
        await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await d.end();
      }
    },
  };
}

/** In a mocha `before`: skips the suite (printing why) when PostgreSQL is unreachable. */
export async function pgOrSkip(ctx: Mocha.Context, what: string): Promise<boolean> {
  if (await pgAdminUrl()) return true;
  console.log(`    ⚠ skipping ${what}: no PostgreSQL server answers at 127.0.0.1:5432 (set SEALSHARE_TEST_PG to point elsewhere)`);
  ctx.skip();
  return false;
}
