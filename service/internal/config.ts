/**
 * Configuration from the environment, validated with zod. Error messages name the variable and
 * what is wrong with it, never its value (several are secrets).
 *
 * | variable                  | meaning                                                        | default        |
 * |---------------------------|----------------------------------------------------------------|----------------|
 * | SEALSHARE_RPC_URL         | JSON-RPC endpoint of the ledger's chain                        | (required)     |
 * | SEALSHARE_DEPLOYMENT      | path of the deployment file (sdk/contracts.ts `Deployment`)    | (required)     |
 * | SEALSHARE_DB              | SQLite file, or postgres://… (replicas share it; one leads)    | .data/custodian.db |
 * | SEALSHARE_HOST            | interface to listen on                                         | 127.0.0.1      |
 * | SEALSHARE_PORT            | port to listen on (0 = any free port)                          | 8787           |
 * | SEALSHARE_KEYSTORE        | encrypted keystore file holding the three secrets below       | (none)         |
 * | SEALSHARE_KEYSTORE_PASSWORD | its password (scrypt; see service/keys/keystore.ts)      | (with KEYSTORE)|
 * | SEALSHARE_CUSTODIAN_KEY   | private key (hex) of the account holding CUSTODIAN_ROLE        | (required w/o keystore) |
 * | SEALSHARE_ECIES_KEY       | the custodian's ECIES private key (hex); providers wrap to it  | (required w/o keystore) |
 * | SEALSHARE_MASTER_KEY      | 32-byte hex key-encryption key for DEKs at rest                | (required w/o keystore) |
 * | SEALSHARE_CONFIRMATIONS   | blocks behind head before a grant is released (reorg safety)   | 0 on chain 31337, else 12 |
 * | SEALSHARE_POLL_MS         | event follower / release worker poll interval                  | 1000           |
 * | SEALSHARE_MAX_BLOCK_RANGE | largest eth_getLogs range                                      | 2000           |
 * | SEALSHARE_LOG_LEVEL       | pino level                                                      | info           |
 * | SEALSHARE_RPC_TIMEOUT_MS  | one JSON-RPC call gives up after this long                     | 15000          |
 * | SEALSHARE_RECEIPTS        | `batch` (Merkle roots, sealReceiptBatch) or `single` (recordRelease) | batch    |
 * | SEALSHARE_BATCH_SIZE      | seal a receipt batch when this many releases wait              | 100            |
 * | SEALSHARE_BATCH_MAX_AGE_MS | … or when the oldest has waited this long                     | 5000           |
 * | SEALSHARE_TX_BUMP_AFTER_MS | replace an unmined custodian tx (+12.5% fees) after this long | 30000          |
 * | SEALSHARE_TX_BUMP_AFTER_BLOCKS | … or after this many blocks                               | 3              |
 * | SEALSHARE_RELEASE_BATCH   | releases per chunk (a worker round pipelines up to 4 chunks)   | 256            |
 * | SEALSHARE_RELEASE_CONCURRENCY | grant re-checks per batched isGrantValid eth_call (≤ 200)  | 200            |
 * | SEALSHARE_SYNC_CONCURRENCY | backfill eth_getLogs ranges in flight                         | 4              |
 * | SEALSHARE_KEEP_HEADERS    | final block headers kept below the unfinalized window          | 64             |
 * | SEALSHARE_LEADER_POLL_MS  | how often a replica tries to take (or checks) leadership       | 1000           |
 * | (HTTP API variables)      | CORS, rate limits, sessions, readiness: service/http/config.ts | docs/OPERATIONS.md |
 */
import { z } from "zod";
import { API_ENV, apiOptionsFrom, type ApiOptions } from "../http/config.js";
import { FatalError } from "./errors.js";

const hex32 = z
  .string()
  .trim()
  .transform((s) => (s.startsWith("0x") ? s : `0x${s}`))
  .pipe(z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex"));

const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z.object({
  SEALSHARE_RPC_URL: z.url({ protocol: /^(https?|wss?)$/ }),
  SEALSHARE_DEPLOYMENT: z.string().min(1),
  SEALSHARE_DB: z.string().min(1).default(".data/custodian.db"),
  SEALSHARE_HOST: z.string().min(1).default("127.0.0.1"),
  SEALSHARE_PORT: intFromEnv(0, 65535).default(8787),
  SEALSHARE_KEYSTORE: z.string().min(1).optional(),
  SEALSHARE_KEYSTORE_PASSWORD: z.string().min(1).optional(),
  SEALSHARE_CUSTODIAN_KEY: hex32.optional(),
  SEALSHARE_ECIES_KEY: hex32.optional(),
  SEALSHARE_MASTER_KEY: hex32.optional(),
  SEALSHARE_CONFIRMATIONS: intFromEnv(0, 1000).optional(),
  SEALSHARE_POLL_MS: intFromEnv(10, 600_000).default(1000),
  SEALSHARE_MAX_BLOCK_RANGE: intFromEnv(1, 100_000).default(2000),
  SEALSHARE_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SEALSHARE_RPC_TIMEOUT_MS: intFromEnv(100, 600_000).default(15_000),
  SEALSHARE_RECEIPTS: z.enum(["single", "batch"]).default("batch"),
  SEALSHARE_BATCH_SIZE: intFromEnv(1, 65_535).default(100),
  SEALSHARE_BATCH_MAX_AGE_MS: intFromEnv(0, 3_600_000).default(5000),
  SEALSHARE_TX_BUMP_AFTER_MS: intFromEnv(100, 3_600_000).default(30_000),
  SEALSHARE_TX_BUMP_AFTER_BLOCKS: intFromEnv(1, 10_000).default(3),
  SEALSHARE_RELEASE_BATCH: intFromEnv(1, 10_000).default(256),
  SEALSHARE_RELEASE_CONCURRENCY: intFromEnv(1, 1000).default(200),
  SEALSHARE_SYNC_CONCURRENCY: intFromEnv(1, 32).default(4),
  SEALSHARE_KEEP_HEADERS: intFromEnv(1, 10_000).default(64),
  SEALSHARE_LEADER_POLL_MS: intFromEnv(50, 600_000).default(1000),
  ...API_ENV, // the HTTP API's variables: service/http/config.ts
});

export interface Config {
  rpcUrl: string;
  deploymentPath: string;
  dbPath: string;
  host: string;
  port: number;
  /** Encrypted keystore with the secrets (service/keys/keystore.ts), if configured. */
  keystore?: { path: string; password: string };
  /** The secrets from the environment (each undefined when a keystore provides them). */
  custodianKey?: string;
  eciesKey?: string;
  masterKey?: string;
  /** Unset: {@link defaultConfirmations} of the deployment's chain. */
  confirmations?: number;
  pollMs: number;
  maxBlockRange: number;
  logLevel: z.infer<typeof ConfigSchema>["SEALSHARE_LOG_LEVEL"];
  /** One JSON-RPC call gives up after this long (a stalled endpoint must not hang the loops). */
  rpcTimeoutMs: number;
  api: ApiOptions;
  receipts: "single" | "batch";
  batchSize: number;
  batchMaxAgeMs: number;
  txBumpAfterMs: number;
  txBumpAfterBlocks: number;
  releaseBatch: number;
  releaseConcurrency: number;
  syncConcurrency: number;
  keepHeaders: number;
  leaderPollMs: number;
}

/** The local development chain (Hardhat, anvil): never reorganised, so no confirmation depth is needed. */
export const LOCAL_DEV_CHAIN_ID = "31337";
/** Confirmation depth on any other chain unless SEALSHARE_CONFIRMATIONS says otherwise. */
export const SAFE_CONFIRMATIONS = 12;

/**
 * The default confirmation depth: 0 only on the local development chain (31337); every other
 * chain may reorganise, and a release made from a grant that a reorg removes cannot be taken back.
 */
export function defaultConfirmations(chainId: string | bigint | number): number {
  return String(chainId) === LOCAL_DEV_CHAIN_ID ? 0 : SAFE_CONFIRMATIONS;
}

/** Reads and validates the configuration. Throws a FatalError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.superRefine((e, ctx) => {
    if (e.SEALSHARE_KEYSTORE) {
      if (!e.SEALSHARE_KEYSTORE_PASSWORD) ctx.addIssue({ code: "custom", path: ["SEALSHARE_KEYSTORE_PASSWORD"], message: "required with SEALSHARE_KEYSTORE" });
      return;
    }
    for (const k of ["SEALSHARE_CUSTODIAN_KEY", "SEALSHARE_ECIES_KEY", "SEALSHARE_MASTER_KEY"] as const) {
      if (e[k] === undefined && !env[k]) ctx.addIssue({ code: "custom", path: [k], message: "required (or give SEALSHARE_KEYSTORE)" });
    }
  }).safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new FatalError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const e = parsed.data;
  return {
    rpcUrl: e.SEALSHARE_RPC_URL,
    deploymentPath: e.SEALSHARE_DEPLOYMENT,
    dbPath: e.SEALSHARE_DB,
    host: e.SEALSHARE_HOST,
    port: e.SEALSHARE_PORT,
    custodianKey: e.SEALSHARE_CUSTODIAN_KEY,
    eciesKey: e.SEALSHARE_ECIES_KEY,
    masterKey: e.SEALSHARE_MASTER_KEY,
    confirmations: e.SEALSHARE_CONFIRMATIONS,
    pollMs: e.SEALSHARE_POLL_MS,
    maxBlockRange: e.SEALSHARE_MAX_BLOCK_RANGE,
    logLevel: e.SEALSHARE_LOG_LEVEL,
    rpcTimeoutMs: e.SEALSHARE_RPC_TIMEOUT_MS,
    keystore: e.SEALSHARE_KEYSTORE ? { path: e.SEALSHARE_KEYSTORE, password: e.SEALSHARE_KEYSTORE_PASSWORD! } : undefined,
    receipts: e.SEALSHARE_RECEIPTS,
    batchSize: e.SEALSHARE_BATCH_SIZE,
    batchMaxAgeMs: e.SEALSHARE_BATCH_MAX_AGE_MS,
    txBumpAfterMs: e.SEALSHARE_TX_BUMP_AFTER_MS,
    txBumpAfterBlocks: e.SEALSHARE_TX_BUMP_AFTER_BLOCKS,
    releaseBatch: e.SEALSHARE_RELEASE_BATCH,
    releaseConcurrency: e.SEALSHARE_RELEASE_CONCURRENCY,
    syncConcurrency: e.SEALSHARE_SYNC_CONCURRENCY,
    keepHeaders: e.SEALSHARE_KEEP_HEADERS,
    leaderPollMs: e.SEALSHARE_LEADER_POLL_MS,
    api: apiOptionsFrom(e, e.SEALSHARE_POLL_MS),
  };
}
