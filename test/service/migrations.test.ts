/**
 * Frozen migrations (service/store/migrations/<dialect>/NNNN-date-name.ts):
 *  - each released migration file is pinned by its SHA-256 below: editing one fails this test
 *    (add a new migration instead, and its hash here);
 *  - a database made by an OLDER migration set (the first N migrations only), holding rows,
 *    upgrades to the full set and its rows read back through the store — on SQLite, and on
 *    PostgreSQL in a database of its own (skipped with a printed reason when no server answers).
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { MIGRATIONS, PG_MIGRATIONS, type Migration } from "../../service/store/migrations.js";
import { openPostgresStore } from "../../service/store/postgres.js";
import { openSqliteStore } from "../../service/store/sqlite.js";
import type { Store, StoreBinding } from "../../service/store/store.js";
import { createTestDatabase, pgOrSkip } from "../helpers/pg.js";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "../../service/store/migrations");

/** SHA-256 of every released migration file. Never change a line here: add one. */
const FROZEN: Record<string, string> = {
  "sqlite/0001-2026-11-23-initial.ts": "cf7e8dc035d02613315ad48530b811da711971f5a9acd21af60a9df22e4662e1",
  "sqlite/0002-2026-11-23-facts-headers-batches.ts": "6ec590a0258ccb9db5c57f00c20fa78614f2ec7f7c6df5e4fe26dde8a6f43fc6",
  "sqlite/0003-2026-11-23-auth-sessions.ts": "7bd83560b6469044760e8dd8972dd90dfcfedb4efc89c34379bcfabe373ad384",
  "sqlite/0004-2026-12-07-grant-binding.ts": "c942219f4a1ba4d82e07d684765a574436e4a09ce33dcb94a9bea5f63d80fa3e",
  "sqlite/0005-2026-12-08-merkle-root-commitment.ts": "795f9a7aadc93ba31b983f8d3f79878ea5cbf720ae3e1106fe880c09f8b4840a",
  "sqlite/0006-2026-12-08-custody-shares.ts": "71c3e910f821f7c8ebdac73eb3f4cf8df05e1070a3463eb4a7b9c86286cd7129",
  "postgres/0001-2026-11-23-initial.ts": "cdfb5e069f6a5c61acb2221141c3d0b61cd0a4e41b5168c431275e37634d8583",
  "postgres/0002-2026-11-23-auth-sessions.ts": "95d378ce1b82fed46b3e94bce13ede452c24bdd552fbc17b2bfe692fce4c23d6",
  "postgres/0003-2026-12-07-grant-binding.ts": "2496b327862fbff0dbd82290a44308fdc51606f03adc49a889f4c7fdd11061e6",
  "postgres/0004-2026-12-08-merkle-root-commitment.ts": "91f87ee528274880fad238972f7ead7cd1a79a8f03fa0bfc26a8a6f9ece8ab79",
  "postgres/0005-2026-12-08-custody-shares.ts": "ee2d3631748dfbfb4de061c75fd94b7c307ab12aea9a237aa0085a9a56f331f3",
};

const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const BINDING: StoreBinding = { chainId: "31337", ledger: LEDGER, startBlock: 5 };
const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const GRANT_HASH = "0x" + "ab".repeat(32);

describe("Migrations: frozen as dated files", function () {
  it("pins every migration file by its hash (a released migration never changes)", function () {
    const files = ["sqlite", "postgres"].flatMap((d) => readdirSync(join(DIR, d)).map((f) => `${d}/${f}`)).sort();
    expect(files).to.deep.equal(Object.keys(FROZEN).sort());
    for (const [file, hash] of Object.entries(FROZEN)) {
      const actual = createHash("sha256").update(readFileSync(join(DIR, file))).digest("hex");
      expect(actual, `${file} changed: released migrations are frozen, add a new one`).to.equal(hash);
    }
  });

  it("lists each dialect's files in version order, one per version, named after the file", function () {
    for (const [d, list] of [["sqlite", MIGRATIONS], ["postgres", PG_MIGRATIONS]] as const) {
      const files = readdirSync(join(DIR, d)).sort();
      expect(list.map((m) => m.version)).to.deep.equal(files.map((_, i) => i + 1));
      expect(list.map((m) => m.name)).to.deep.equal(files.map((f) => f.replace(/^\d{4}-\d{4}-\d{2}-\d{2}-|\.ts$/g, "")));
      for (const [i, f] of files.entries()) expect(f.startsWith(String(i + 1).padStart(4, "0") + "-")).to.equal(true);
    }
  });
});

/** Rows written into a database at the pre-grant-binding schema (sqlite v3 / pg v2). */
function oldRows(blob: string): string[] {
  return [
    `INSERT INTO meta (key, value) VALUES ('chainId', '31337'), ('ledger', '${LEDGER.toLowerCase()}')`,
    `INSERT INTO sync_state (id, tip_number, tip_hash, finalized_number, checkpoint, chain_time) VALUES (1, 40, '0x40', 30, '', 1000)`,
    `INSERT INTO requests (request_id, dataset_id, requester, consent_id, key_id, version, kind, block_number, log_index, block_hash)
       VALUES ('7', '3', '${A}', '0xc0', 1, 1, 2, 10, 0, '0x10')`,
    `INSERT INTO grants (request_id, kind, dataset_id, requester, version, expires_at, key_id, block_number, log_index, block_hash)
       VALUES ('7', 2, '3', '${A}', 1, 9999999999, 1, 12, 4, '${GRANT_HASH}')`,
    `INSERT INTO dataset_keys (dataset_id, version, sealed, ciphertext_sha256, key_commitment, deposited_by, deposited_at)
       VALUES ('3', 1, ${blob}, '0xc', '0xk', '${A}', 1)`,
    `INSERT INTO releases (request_id, kind, status, grant_block, dataset_id, version, requester, envelope, envelope_hash, released_at,
                           receipt_mode, receipt_state, receipt_tx, created_at, updated_at)
       VALUES ('7', 2, 'released', 12, '3', 1, '${A}', '{"requestId":"7"}', '0xe', 5, 'single', 'confirmed', '0xt', 1, 2)`,
    `INSERT INTO auth_sessions (token_hash, address, expires_at, created_at) VALUES ('0x5e', '${A}', 9999999999, 1)`,
  ];
}

async function readBack(store: Store): Promise<void> {
  expect(await store.cursor()).to.deep.equal({ blockNumber: 40, blockHash: "0x40" });
  expect(await store.request("7")).to.deep.include({ datasetId: "3", requester: A, kind: 2, grantBlock: 12, grantHash: GRANT_HASH, grantLogIndex: 4 });
  const [r] = await store.releases("7");
  // The grant-binding migration bound the old row to its grant's log.
  expect(r).to.deep.include({ status: "released", envelopeHash: "0xe", receiptState: "confirmed", grantHash: GRANT_HASH, grantLogIndex: 4 });
  const key = await store.datasetKey("3", 1);
  expect(key?.sealed).to.deep.equal(new Uint8Array([1, 2, 3]));
  expect(key?.merkleRoot).to.equal(null);
  expect(await store.session("0x5e", 100)).to.deep.include({ address: A });
}

const applyIn = (list: readonly Migration[], n: number) => list.slice(0, n);

describe("Migrations: a database made by an older migration set upgrades", function () {
  this.timeout(30_000);

  it("SQLite: made with migrations 1–3, rows in it, upgraded to the full set and read back", async function () {
    const dir = mkdtempSync(join(tmpdir(), "sealshare-migrate-"));
    const path = join(dir, "old.db");
    try {
      const db = new DatabaseSync(path);
      db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT");
      for (const m of applyIn(MIGRATIONS, 3)) {
        db.exec(m.sql);
        db.prepare("INSERT INTO schema_migrations VALUES (?, ?, 'then')").run(m.version, m.name);
      }
      for (const sql of oldRows("X'010203'")) db.exec(sql);
      db.close();

      const store = await openSqliteStore(path, BINDING);
      try {
        await readBack(store);
      } finally {
        await store.close();
      }
      const after = new DatabaseSync(path);
      const versions = after.prepare("SELECT version FROM schema_migrations ORDER BY version").all().map((r) => Number(r.version));
      after.close();
      expect(versions).to.deep.equal(MIGRATIONS.map((m) => m.version));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("PostgreSQL: made with migrations 1–2, rows in it, upgraded to the full set and read back", async function () {
    if (!(await pgOrSkip(this, "the PostgreSQL upgrade test"))) return;
    const tdb = await createTestDatabase("sealshare_migrate");
    try {
      const c = new pg.Client({ connectionString: tdb.url });
      await c.connect();
      try {
        await c.query("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
        for (const m of applyIn(PG_MIGRATIONS, 2)) {
          await c.query(m.sql);
          await c.query("INSERT INTO schema_migrations VALUES ($1, $2, 'then')", [m.version, m.name]);
        }
        for (const sql of oldRows("'\\x010203'::bytea")) await c.query(sql);
      } finally {
        await c.end();
      }
      const store = await openPostgresStore(tdb.url, BINDING, { max: 2 });
      try {
        await readBack(store);
      } finally {
        await store.close();
      }
    } finally {
      await tdb.drop();
    }
  });
});
