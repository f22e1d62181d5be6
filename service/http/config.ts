/**
 * The HTTP API's settings: the environment variables below are part of the one configuration
 * schema (service/internal/config.ts spreads {@link API_ENV} into it, so a bad value fails the
 * start with every other bad variable), and {@link apiOptionsFrom} turns them into
 * {@link ApiOptions}. Defaults suit one instance on a developer's machine.
 *
 * | variable                              | meaning                                                          | default |
 * |---------------------------------------|------------------------------------------------------------------|---------|
 * | SEALSHARE_PUBLIC_URL                  | the custodian's public base URL (OpenAPI `servers`, SIWE origin) | http://HOST:PORT |
 * | SEALSHARE_CORS_ORIGINS                | comma-separated dapp origins allowed by CORS and as SIWE domains | (none)  |
 * | SEALSHARE_TRUST_PROXY                 | Express `trust proxy`: false, true, a hop count, or addresses/CIDRs | false |
 * | SEALSHARE_RATE_LIMIT_IP_PER_MIN       | requests per minute per client IP (probes excluded)              | 600     |
 * | SEALSHARE_RATE_LIMIT_ACCOUNT_PER_MIN  | authenticated requests per minute per account                    | 120     |
 * | SEALSHARE_RATE_LIMIT_SIGNIN_PER_MIN   | sign-in attempts per minute per client IP (IPv6: per /64)        | 30      |
 * | SEALSHARE_SESSION_TTL_SECONDS         | Sign-In with Ethereum session lifetime                           | 900     |
 * | SEALSHARE_SERVE_MAX_STALE_SECONDS     | envelopes/grant status answer 503 chain-view-stale when the last successful chain-head read is older | 30 |
 * | SEALSHARE_SERVE_MAX_BEHIND_BLOCKS     | … or when the stored tip was more blocks behind that head         | 10      |
 * | SEALSHARE_READY_MAX_LAG_BLOCKS        | /readyz fails when ingestion is further behind the confirmed head | 20     |
 * | SEALSHARE_READY_CHAIN_TIMEOUT_MS      | /readyz's chain probe timeout                                    | 2000    |
 */
import { z } from "zod";

export interface ApiOptions {
  /** Origins (scheme://host[:port]) the dapp runs on: CORS allow-list and SIWE domains/URIs. */
  corsOrigins: string[];
  /** The custodian's own public base URL; also accepted as a SIWE origin. */
  publicUrl?: string;
  /** Express `trust proxy` (which X-Forwarded-For hops to believe for the client IP). */
  trustProxy: boolean | number | string;
  rateLimit: { ipPerMinute: number; accountPerMinute: number; signInPerMinute?: number };
  sessionTtlSeconds: number;
  readiness: { maxLagBlocks: number; chainTimeoutMs: number; probeEveryMs: number };
  /** Envelopes and grant status are served only while the chain view is this fresh (fail closed). */
  freshness: { maxStaleSeconds: number; maxBehindBlocks: number };
  /** Server-sent events: heartbeat period and open streams per account. */
  sse: { heartbeatMs: number; maxStreamsPerAccount: number };
  /** Check every JSON answer against its documented schema (tests; a mismatch is a 500). */
  validateResponses: boolean;
}

export const DEFAULT_API_OPTIONS: ApiOptions = {
  corsOrigins: [],
  trustProxy: false,
  rateLimit: { ipPerMinute: 600, accountPerMinute: 120, signInPerMinute: 30 },
  sessionTtlSeconds: 900,
  readiness: { maxLagBlocks: 20, chainTimeoutMs: 2000, probeEveryMs: 5000 },
  freshness: { maxStaleSeconds: 30, maxBehindBlocks: 10 },
  sse: { heartbeatMs: 15_000, maxStreamsPerAccount: 5 },
  validateResponses: false,
};

/** Merges partial options over the defaults (one level deep). */
export function apiOptions(o: Partial<ApiOptions> = {}): ApiOptions {
  const d = DEFAULT_API_OPTIONS;
  return {
    ...d,
    ...o,
    rateLimit: { ...d.rateLimit, ...o.rateLimit },
    readiness: { ...d.readiness, ...o.readiness },
    freshness: { ...d.freshness, ...o.freshness },
    sse: { ...d.sse, ...o.sse },
  };
}

const origin = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && u.origin === s.replace(/\/$/, "");
    } catch {
      return false;
    }
  }, "each origin must be scheme://host[:port] with no path, e.g. https://dapp.example.org")
  .transform((s) => new URL(s).origin);

const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The variables, as zod schemas (spread into ConfigSchema). */
export const API_ENV = {
  SEALSHARE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SEALSHARE_CORS_ORIGINS: z
    .string()
    .default("")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(origin)),
  SEALSHARE_TRUST_PROXY: z
    .string()
    .trim()
    .default("false")
    .transform((s): boolean | number | string => (s === "true" ? true : s === "false" ? false : /^\d+$/.test(s) ? Number(s) : s)),
  SEALSHARE_RATE_LIMIT_IP_PER_MIN: intFromEnv(1, 10_000_000).default(600),
  SEALSHARE_RATE_LIMIT_ACCOUNT_PER_MIN: intFromEnv(1, 10_000_000).default(120),
  SEALSHARE_RATE_LIMIT_SIGNIN_PER_MIN: intFromEnv(1, 10_000_000).default(30),
  SEALSHARE_SESSION_TTL_SECONDS: intFromEnv(60, 86_400).default(900),
  SEALSHARE_SERVE_MAX_STALE_SECONDS: intFromEnv(1, 86_400).default(30),
  SEALSHARE_SERVE_MAX_BEHIND_BLOCKS: intFromEnv(0, 1_000_000).default(10),
  SEALSHARE_READY_MAX_LAG_BLOCKS: intFromEnv(0, 1_000_000).default(20),
  SEALSHARE_READY_CHAIN_TIMEOUT_MS: intFromEnv(100, 60_000).default(2000),
};

type ApiEnv = z.output<z.ZodObject<typeof API_ENV>>;

export function apiOptionsFrom(e: ApiEnv, pollMs: number): ApiOptions {
  return apiOptions({
    corsOrigins: e.SEALSHARE_CORS_ORIGINS,
    publicUrl: e.SEALSHARE_PUBLIC_URL,
    trustProxy: e.SEALSHARE_TRUST_PROXY,
    rateLimit: {
      ipPerMinute: e.SEALSHARE_RATE_LIMIT_IP_PER_MIN,
      accountPerMinute: e.SEALSHARE_RATE_LIMIT_ACCOUNT_PER_MIN,
      signInPerMinute: e.SEALSHARE_RATE_LIMIT_SIGNIN_PER_MIN,
    },
    sessionTtlSeconds: e.SEALSHARE_SESSION_TTL_SECONDS,
    freshness: { maxStaleSeconds: e.SEALSHARE_SERVE_MAX_STALE_SECONDS, maxBehindBlocks: e.SEALSHARE_SERVE_MAX_BEHIND_BLOCKS },
    readiness: {
      maxLagBlocks: e.SEALSHARE_READY_MAX_LAG_BLOCKS,
      chainTimeoutMs: e.SEALSHARE_READY_CHAIN_TIMEOUT_MS,
      probeEveryMs: Math.min(5000, Math.max(250, pollMs)),
    },
  });
}
