/**
 * Rate limits, fixed one-minute windows (each key's window opens at its first request):
 *
 *  - per client IP, on every route but the probes (/healthz, /readyz, /metrics): a flood from
 *    one address cannot starve the others. IPv6 clients are counted per /64 ({@link ipBucket}):
 *    a single host is usually handed a whole /64, so counting each address would let it rotate
 *    through 2^64 fresh buckets. Behind a load balancer set SEALSHARE_TRUST_PROXY so
 *    the client's address, not the balancer's, is counted.
 *  - per account, after authentication (envelope fetch, grant status, events, sign-in, logout):
 *    one requester cannot exhaust the service from many addresses.
 *  - sign-in attempts (POST /v1/auth/siwe) per client IP bucket, a tighter limit of its own: a
 *    sign-in may cost signature checks and chain reads (ERC-1271), before any account is known.
 *
 * Over the limit: 429 `rate-limited` problem with `Retry-After` (seconds). Every limited answer
 * carries the IETF `RateLimit-Policy` and `RateLimit` headers (draft-ietf-httpapi-ratelimit-
 * headers-08, as express-rate-limit's "draft-8" writes them, without the optional partition
 * key): `"ip"; q=<limit>; w=60` and `"ip"; r=<remaining>; t=<seconds to reset>`.
 *
 * A counter is a Map entry per key, swept once a window; nothing else happens per request (the
 * envelope fetch is the hot path: express-rate-limit cost two awaits, a SHA-256 for the
 * partition key and several validations per limiter per request). Counters live in each
 * process: with N replicas behind a balancer the effective limit is up to N× the configured
 * one; docs/OPERATIONS.md says how to share them.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIPv6 } from "node:net";
import type { Request } from "express";
import { ProblemError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";

export interface RateLimits {
  /** Counts one request from `req.ip` (its bucket); the 429 problem when over the limit (synchronous). */
  ip(req: Request, res: ServerResponse): ProblemError | undefined;
  /** The same for a client address given as is. */
  ipHit(res: ServerResponse, ip: string): ProblemError | undefined;
  /** Counts one request for `account`; throws the 429 problem when over its limit. */
  account(req: IncomingMessage, res: ServerResponse, account: string): Promise<void>;
  /** Counts one sign-in attempt from `ip` (its bucket); throws the 429 problem when over the limit. */
  signIn(res: ServerResponse, ip: string | undefined): void;
}

/**
 * The rate-limit bucket of a client address: IPv4 (and IPv4-mapped IPv6) as is, any other IPv6
 * address by its /64 prefix (`2001:db8:1:2::/64`); anything else (a fuzzed or absent address)
 * as given.
 */
export function ipBucket(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const bare = ip.replace(/%.*$/, ""); // zone index (fe80::1%eth0)
  if (!isIPv6(bare)) return ip;
  const [head = "", tail = ""] = bare.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // An embedded IPv4 tail (::a.b.c.d forms) fills two groups; only the first four groups matter.
  const groups = bare.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  const prefix = groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16));
  return `${prefix.join(":")}::/64`;
}

const WINDOW_MS = 60_000;

/** A fixed-window counter per key (one window per key, opened by its first hit). */
export class FixedWindowCounter {
  readonly #hits = new Map<string, { count: number; resetAt: number }>();
  #sweptAt = 0;
  constructor(
    readonly limit: number,
    readonly windowMs = WINDOW_MS,
    readonly now: () => number = Date.now,
  ) {}

  /** Counts a hit for `key`: the hits so far in its window, and when the window ends (ms). */
  hit(key: string): { count: number; resetAt: number } {
    const t = this.now();
    if (t - this.#sweptAt >= this.windowMs) this.#sweep(t);
    let e = this.#hits.get(key);
    if (!e || e.resetAt <= t) {
      e = { count: 0, resetAt: t + this.windowMs };
      this.#hits.set(key, e);
    }
    e.count++;
    return e;
  }

  get size(): number {
    return this.#hits.size;
  }

  #sweep(t: number): void {
    this.#sweptAt = t;
    for (const [k, e] of this.#hits) if (e.resetAt <= t) this.#hits.delete(k);
  }
}

function limiter(name: string, limit: number, now: () => number) {
  const counter = new FixedWindowCounter(limit, WINDOW_MS, now);
  const policy = `"${name}"; q=${limit}; w=${WINDOW_MS / 1000}`;
  /** Counts `key`; sets the headers; returns the 429 problem when over the limit. */
  return (res: ServerResponse, key: string): ProblemError | undefined => {
    const { count, resetAt } = counter.hit(key);
    const seconds = Math.max(1, Math.ceil((resetAt - now()) / 1000));
    res.setHeader("RateLimit-Policy", policy);
    res.setHeader("RateLimit", `"${name}"; r=${Math.max(0, limit - count)}; t=${seconds}`);
    if (count <= limit) return undefined;
    res.setHeader("Retry-After", String(seconds));
    return new ProblemError("rate-limited", `too many requests; retry in ${seconds} s`, { retryAfter: seconds });
  };
}

export function createRateLimits(opts: {
  ipPerMinute: number;
  accountPerMinute: number;
  /** Sign-in attempts per minute per client IP bucket (default 30). */
  signInPerMinute?: number;
  log?: Logger;
  now?: () => number;
}): RateLimits {
  const now = opts.now ?? Date.now;
  const ipLimiter = limiter("ip", opts.ipPerMinute, now);
  const byIp = (res: ServerResponse, ip: string) => ipLimiter(res, ipBucket(ip));
  const byAccount = limiter("account", opts.accountPerMinute, now);
  const signInLimiter = limiter("signin", opts.signInPerMinute ?? 30, now);
  return {
    ip(req, res) {
      // The client IP may be any string in fuzzed requests; an absent one is its own bucket.
      return byIp(res, req.ip ?? "unknown");
    },
    ipHit: byIp,
    signIn(res, ip) {
      const refused = signInLimiter(res, ipBucket(ip ?? "unknown"));
      if (refused) throw refused;
    },
    async account(_req, res, account) {
      const refused = byAccount(res, account.toLowerCase());
      if (refused) throw refused;
    },
  };
}
