/**
 * Rate limits, fixed one-minute windows (each key's window opens at its first request):
 *
 *  - per client IP, on every route but the probes (/healthz, /readyz, /metrics): a flood from
 *    one address cannot starve the others. Behind a load balancer set SEALSHARE_TRUST_PROXY so
 *    the client's address, not the balancer's, is counted.
 *  - per account, after authentication (envelope fetch, grant status, events, sign-in, logout):
 *    one requester cannot exhaust the service from many addresses.
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
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ProblemError } from "./errors.js";
import type { Logger } from "./logger.js";

export interface RateLimits {
  /** Middleware: the per-IP limit. */
  ip: RequestHandler;
  /** The per-IP limit outside Express (the envelope fast path): the 429 problem when over it. */
  ipHit(res: ServerResponse, ip: string): ProblemError | undefined;
  /** Counts one request for `account`; throws the 429 problem when over its limit. */
  account(req: IncomingMessage, res: ServerResponse, account: string): Promise<void>;
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

export function createRateLimits(opts: { ipPerMinute: number; accountPerMinute: number; log?: Logger; now?: () => number }): RateLimits {
  const now = opts.now ?? Date.now;
  const byIp = limiter("ip", opts.ipPerMinute, now);
  const byAccount = limiter("account", opts.accountPerMinute, now);
  return {
    ip(req: Request, res: Response, next: NextFunction) {
      // The client IP may be any string in fuzzed requests; an absent one is its own bucket.
      next(byIp(res, req.ip ?? "unknown"));
    },
    ipHit: byIp,
    async account(_req, res, account) {
      const refused = byAccount(res, account.toLowerCase());
      if (refused) throw refused;
    },
  };
}
