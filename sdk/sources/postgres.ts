/**
 * Data source: a PostgreSQL query with the subject's address as its one parameter, e.g.
 *
 *   SELECT account, currency, balance, as_of FROM deposits WHERE lower(owner) = $1 ORDER BY as_of
 *
 * `$1` is the subject's address in lower case ("0xab…"; compare with lower(column) if the table
 * stores checksummed addresses). The query is sent as a prepared statement with the address as
 * a bound parameter — never spliced into SQL — and runs:
 *
 * - in a READ ONLY transaction: an adapter never writes to the source database;
 * - through a server-side cursor, fetched `fetchRows` rows at a time, so memory stays bounded
 *   and more than `maxRows` rows fail the pull (SOURCE_TOO_LARGE) instead of loading them all;
 * - under `statement_timeout` (SOURCE_TIMEOUT when it fires).
 *
 * The connection string comes from `connectionStringEnv` (an environment variable: keep
 * passwords out of the sources file) or `connectionString`. Values: int8, numeric, date and
 * timestamp (without time zone) stay text as stored; timestamptz becomes ISO 8601 UTC; bytea
 * "0x…" hex; json/jsonb objects (normalize.ts).
 */
import pg from "pg";
import { z } from "zod";
import type { DataRecord } from "../convert/records.js";
import { SourceError, throwIfAborted } from "./errors.js";
import type { DataSource, PullRequest } from "./types.js";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const PostgresSourceConfig = z
  .object({
    type: z.literal("postgres"),
    connectionString: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional(),
    connectionStringEnv: z.string().regex(ENV_NAME, "not an environment variable name").optional(),
    /** One SELECT with $1 (the subject) as its only parameter. */
    query: z
      .string()
      .transform((q) => q.trim().replace(/;+\s*$/, ""))
      .pipe(
        z
          .string()
          .min(1, "the query is empty")
          .refine((q) => /\$1(?!\d)/.test(q), { message: "must use $1 (the subject's address)" })
          .refine((q) => !/\$(?:[2-9]|1\d)/.test(q), { message: "may use only $1: the subject's address is the one parameter" })
          .refine((q) => !q.includes(";"), { message: "must be a single statement (no ';' inside)" }),
      ),
    /** Refuse more rows than this (SOURCE_TOO_LARGE). Default 100,000. */
    maxRows: z.number().int().positive().default(100_000),
    /** Rows per cursor fetch. Default 500. */
    fetchRows: z.number().int().min(1).max(100_000).default(500),
    /** Server-side limit for each statement, and the connection timeout. Default 10 s. */
    statementTimeoutMs: z.number().int().min(100).max(3_600_000).default(10_000),
  })
  .strict()
  .refine((c) => (c.connectionString === undefined) !== (c.connectionStringEnv === undefined), {
    message: "give exactly one of connectionString and connectionStringEnv",
    path: ["connectionString"],
  });
export type PostgresSourceSettings = z.input<typeof PostgresSourceConfig>;

/** Column types whose text form is kept as is (see {@link AS_STORED}). */
const TEXT_AS_STORED = new Set([
  20, // int8: JSON numbers lose digits beyond 2^53
  1700, // numeric: exact decimal
  1082, // date: a calendar day, not an instant ("2025-03-01")
  1114, // timestamp without time zone: the driver would read it in the worker's time zone
]);

/**
 * Type parsers of this adapter's connections: the types above stay text exactly as the database
 * wrote them, whatever global parsers another module of the process set with
 * `pg.types.setTypeParser` (the custodian's store turns int8 into numbers, for instance).
 * timestamptz stays a Date and becomes ISO 8601 UTC: an instant, unambiguous.
 */
const AS_STORED: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    TEXT_AS_STORED.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** SQLSTATE 57014: the statement was cancelled (statement_timeout). */
const QUERY_CANCELED = "57014";
/** SQLSTATE classes that mean "the server is not there (yet)": connection exceptions, shutdown. */
const UNAVAILABLE_SQLSTATE = /^(08|57P)/;

export interface PostgresSourceOptions {
  env?: NodeJS.ProcessEnv;
}

export class PostgresSource implements DataSource {
  readonly kind = "postgres";
  readonly name: string;
  readonly #config: z.output<typeof PostgresSourceConfig>;
  readonly #pool: pg.Pool;

  constructor(settings: PostgresSourceSettings, opts: PostgresSourceOptions = {}) {
    const parsed = PostgresSourceConfig.safeParse(settings);
    if (!parsed.success) {
      throw new SourceError("SOURCE_CONFIG_INVALID", `invalid postgres source: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    }
    const c = parsed.data;
    const env = opts.env ?? process.env;
    const connectionString = c.connectionString ?? env[c.connectionStringEnv!];
    if (!connectionString) {
      throw new SourceError("SOURCE_CONFIG_INVALID", `the environment variable ${c.connectionStringEnv} (the PostgreSQL connection string) is not set`);
    }
    if (!/^postgres(ql)?:\/\//.test(connectionString)) {
      throw new SourceError("SOURCE_CONFIG_INVALID", `${c.connectionStringEnv} does not hold a postgres:// URL`);
    }
    this.#config = c;
    this.name = `postgres ${describeConnection(connectionString)}`;
    this.#pool = new pg.Pool({
      connectionString,
      max: 2,
      connectionTimeoutMillis: c.statementTimeoutMs,
      statement_timeout: c.statementTimeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: "sealshare-provider",
      types: AS_STORED,
    });
    // An idle client losing its connection emits here; without a listener it would crash the process.
    this.#pool.on("error", () => undefined);
  }

  async *pull(request: PullRequest): AsyncGenerator<DataRecord> {
    throwIfAborted(request.signal, this.name);
    const { query, maxRows, fetchRows } = this.#config;
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw this.#error(err, "connect");
    }
    let inTransaction = false;
    let healthy = true;
    try {
      await client.query("BEGIN READ ONLY");
      inTransaction = true;
      await client.query(`DECLARE sealshare_pull NO SCROLL CURSOR FOR ${query}`, [request.subject.toLowerCase()]);
      let total = 0;
      for (;;) {
        throwIfAborted(request.signal, this.name);
        const batch = await client.query(`FETCH ${fetchRows} FROM sealshare_pull`);
        total += batch.rows.length;
        if (total > maxRows) {
          throw new SourceError("SOURCE_TOO_LARGE", `${this.name} returned more than ${maxRows} rows (maxRows)`, { details: { maxRows } });
        }
        for (const row of batch.rows as DataRecord[]) yield row;
        if (batch.rows.length < fetchRows) break;
      }
      await client.query("COMMIT");
      inTransaction = false;
    } catch (err) {
      throw this.#error(err, "query");
    } finally {
      // Also reached when the consumer stops early: end the transaction before the connection
      // goes back to the pool, or drop a connection that is in an unknown state.
      if (inTransaction) {
        try {
          await client.query("ROLLBACK");
        } catch {
          healthy = false;
        }
      }
      client.release(healthy ? undefined : true);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  #error(err: unknown, stage: "connect" | "query"): SourceError {
    if (err instanceof SourceError) return err;
    const e = err as Error & { code?: string };
    if (e.code === QUERY_CANCELED) {
      return new SourceError("SOURCE_TIMEOUT", `${this.name}: the query ran longer than ${this.#config.statementTimeoutMs} ms (statementTimeoutMs)`, { cause: err });
    }
    if (stage === "connect" || (e.code !== undefined && UNAVAILABLE_SQLSTATE.test(e.code)) || /ECONNREFUSED|ENOTFOUND|ECONNRESET|timeout/i.test(String(e.code ?? e.message))) {
      return new SourceError("SOURCE_UNAVAILABLE", `could not reach ${this.name}: ${e.message}`, { cause: err });
    }
    // A SQL error (unknown table or column, bad syntax, permission): retrying cannot help.
    return new SourceError("SOURCE_QUERY_FAILED", `${this.name} refused the query: ${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ""}`, {
      cause: err,
      hint: "check `query` in the sources file: one SELECT using $1 for the subject",
    });
  }
}

/** host:port/database of a connection string, without user or password. */
function describeConnection(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "(connection string)";
  }
}
