/**
 * The PostgreSQL adapter against the real server at 127.0.0.1:5432 (database `test`, or
 * SEALSHARE_TEST_PG): the test creates its own uniquely named table and drops it. Skipped, with
 * one printed line, only when no server answers.
 *
 * Covers: the subject bound as $1, driver values normalized (timestamps, bytea, int8, numeric,
 * jsonb), cursor paging and the row limit, the READ ONLY transaction (a query that would write
 * fails and writes nothing), SQL errors, the statement timeout, an unreachable server, early stop
 * by the consumer, and invalid settings.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { normalizeRecords } from "../../../sdk/sources/normalize.js";
import { PostgresSource, type PostgresSourceSettings } from "../../../sdk/sources/postgres.js";
import { pgAdminUrl, pgOrSkip } from "../../helpers/pg.js";
import { ANA, BEN, collect, expectSourceError, pullOf } from "./helpers.js";

describe("data sources: PostgreSQL query", function () {
  this.timeout(60_000);
  let url: string;
  let admin: pg.Client;
  const table = `sealshare_src_${randomBytes(5).toString("hex")}`;
  const sequence = `${table}_seq`;
  const open: PostgresSource[] = [];

  before(async function () {
    if (!(await pgOrSkip(this, "the PostgreSQL data-source tests"))) return;
    url = (await pgAdminUrl())!;
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE TABLE ${table} (
      id serial PRIMARY KEY, owner text NOT NULL, account text, balance numeric(14,2), big int8,
      as_of timestamptz, raw bytea, meta jsonb, active boolean, note text, day date, at_local timestamp)`);
    await admin.query(`CREATE SEQUENCE ${sequence}`);
    await admin.query(
      `INSERT INTO ${table} (owner, account, balance, big, as_of, raw, meta, active, note, day, at_local) VALUES
       ($1, 'A-1', 120.50, 9007199254740993, '2025-03-01T10:00:00Z', '\\xdeadbeef', '{"iban":"XX00 1234","flags":[1,2]}', true, NULL, '2025-03-01', '2025-03-01 10:00:00'),
       ($1, 'A-2', -3.00, 1, '2025-03-02T00:00:00Z', NULL, NULL, false, 'second', NULL, NULL),
       ($2, 'B-1', 1.00, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
      [ANA, BEN.toLowerCase()],
    );
    for (let i = 0; i < 5; i++) await admin.query(`INSERT INTO ${table} (owner, account) VALUES ($1, $2)`, ["0x" + "c".repeat(40), `C-${i}`]);
  });

  after(async () => {
    for (const s of open) await s.close().catch(() => undefined);
    if (admin) {
      await admin.query(`DROP TABLE IF EXISTS ${table}`);
      await admin.query(`DROP SEQUENCE IF EXISTS ${sequence}`);
      await admin.end();
    }
  });

  function source(over: Partial<PostgresSourceSettings> = {}): PostgresSource {
    const s = new PostgresSource({ type: "postgres", connectionString: url, query: `SELECT account, balance, big, as_of, raw, meta, active, note, day, at_local FROM ${table} WHERE lower(owner) = $1 ORDER BY id`, ...over } as PostgresSourceSettings);
    open.push(s);
    return s;
  }

  it("selects the subject's rows with the address bound as $1, and normalizes driver values to JSON (exact numbers, dates as stored)", async () => {
    const s = source();
    const rows = [];
    for await (const r of normalizeRecords(s.pull(pullOf(ANA)), { source: s.name })) rows.push(r);
    expect(rows).to.deep.equal([
      { account: "A-1", balance: "120.50", big: "9007199254740993", as_of: "2025-03-01T10:00:00.000Z", raw: "0xdeadbeef", meta: { iban: "XX00 1234", flags: [1, 2] }, active: true, note: null, day: "2025-03-01", at_local: "2025-03-01 10:00:00" },
      { account: "A-2", balance: "-3.00", big: "1", as_of: "2025-03-02T00:00:00.000Z", raw: null, meta: null, active: false, note: "second", day: null, at_local: null },
    ]);
    expect(await collect(s, pullOf(BEN))).to.have.length(1);
    expect(await collect(s, pullOf("0x000000000000000000000000000000000000dEaD"))).to.deep.equal([]); // no rows is an answer, not an error
    expect(s.name).to.match(/^postgres 127\.0\.0\.1:5432\//);
    expect(s.name).to.not.include("postgres@"); // no user (or password) in names and messages
  });

  it("pages through a cursor and refuses more than maxRows rows (SOURCE_TOO_LARGE)", async () => {
    const query = `SELECT account FROM ${table} WHERE owner = $1 ORDER BY id`;
    const many = "0x" + "c".repeat(40);
    expect(await collect(source({ query, fetchRows: 2, maxRows: 5 }), pullOf(many))).to.deep.equal([0, 1, 2, 3, 4].map((i) => ({ account: `C-${i}` })));
    await expectSourceError(() => collect(source({ query, fetchRows: 2, maxRows: 4 }), pullOf(many)), "SOURCE_TOO_LARGE", false);
  });

  it("runs read-only: a query that would write fails (SOURCE_QUERY_FAILED) and changes nothing", async () => {
    const writes = source({ query: `SELECT account, nextval('${sequence}') AS n FROM ${table} WHERE lower(owner) = $1` });
    const err = await expectSourceError(() => collect(writes, pullOf(ANA)), "SOURCE_QUERY_FAILED", false);
    expect(err.message).to.match(/read-only/);
    const deletes = source({ query: `WITH gone AS (DELETE FROM ${table} WHERE lower(owner) = $1 RETURNING account) SELECT * FROM gone` });
    await expectSourceError(() => collect(deletes, pullOf(ANA)), "SOURCE_QUERY_FAILED", false);
    expect((await admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).to.equal(8);
    expect((await admin.query(`SELECT last_value, is_called FROM ${sequence}`)).rows[0].is_called).to.equal(false);
  });

  it("SOURCE_QUERY_FAILED (not retryable) for SQL errors, with the SQLSTATE", async () => {
    const err = await expectSourceError(() => collect(source({ query: `SELECT no_such_column FROM ${table} WHERE owner = $1` }), pullOf(ANA)), "SOURCE_QUERY_FAILED", false);
    expect(err.message).to.include("SQLSTATE 42703");
    await expectSourceError(() => collect(source({ query: `SELECT * FROM ${table}_missing WHERE owner = $1` }), pullOf(ANA)), "SOURCE_QUERY_FAILED", false);
  });

  it("SOURCE_TIMEOUT (retryable) when the statement runs past statementTimeoutMs", async () => {
    const slow = source({ query: `SELECT account FROM ${table}, pg_sleep(5) WHERE owner = $1`, statementTimeoutMs: 200 });
    await expectSourceError(() => collect(slow, pullOf(ANA)), "SOURCE_TIMEOUT", true);
    // The connection went back to the pool in a usable state.
    expect(await collect(source(), pullOf(BEN))).to.have.length(1);
  });

  it("releases its connection when the consumer stops early, and serves the next pull", async () => {
    const s = source({ fetchRows: 1 });
    for await (const _ of s.pull(pullOf(ANA))) break;
    expect(await collect(s, pullOf(ANA))).to.have.length(2);
  });

  it("SOURCE_UNAVAILABLE (retryable) when the server cannot be reached", async () => {
    const s = source({ connectionString: "postgres://postgres@127.0.0.1:1/test", statementTimeoutMs: 2000 });
    await expectSourceError(() => collect(s, pullOf(ANA)), "SOURCE_UNAVAILABLE", true);
  });

  it("refuses invalid settings with SOURCE_CONFIG_INVALID", async () => {
    const bad: Partial<PostgresSourceSettings>[] = [
      { query: `SELECT * FROM ${table}` }, // no $1
      { query: `SELECT * FROM ${table} WHERE owner = $1 AND account = $2` }, // a second parameter
      { query: `SELECT * FROM ${table} WHERE owner = $1; DROP TABLE ${table}` }, // two statements
      { query: "   ;  " },
      { connectionString: "mysql://x/y" },
      { connectionStringEnv: "SEALSHARE_SOURCE_DB" }, // both given
      { maxRows: 0 },
    ];
    for (const over of bad) {
      await expectSourceError(() => new PostgresSource({ type: "postgres", connectionString: url, query: `SELECT 1 WHERE $1 = ''`, ...over } as PostgresSourceSettings), "SOURCE_CONFIG_INVALID");
    }
    const unset = await expectSourceError(() => new PostgresSource({ type: "postgres", connectionStringEnv: "SEALSHARE_SOURCE_DB", query: "SELECT 1 WHERE $1 = ''" }, { env: {} }), "SOURCE_CONFIG_INVALID");
    expect(unset.message).to.include("SEALSHARE_SOURCE_DB");
    // A trailing semicolon is fine; the connection string can come from the environment.
    const fromEnv = new PostgresSource({ type: "postgres", connectionStringEnv: "SOURCE_DB", query: `SELECT account FROM ${table} WHERE lower(owner) = $1 ORDER BY id;` }, { env: { SOURCE_DB: url } });
    open.push(fromEnv);
    expect(await collect(fromEnv, pullOf(ANA))).to.deep.equal([{ account: "A-1" }, { account: "A-2" }]);
  });
});
