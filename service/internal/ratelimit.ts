/**
 * Rate limits (express-rate-limit), fixed one-minute windows:
 *
 *  - per client IP, on every route but the probes (/healthz, /readyz, /metrics): a flood from
 *    one address cannot starve the others. Behind a load balancer set SEALSHARE_TRUST_PROXY so
 *    the client's address, not the balancer's, is counted.
 *  - per account, after authentication (envelope fetch, grant status, events, sign-in, logout):
 *    one requester cannot exhaust the service from many addresses.
 *
 * Over the limit: 429 `rate-limited` problem with `Retry-After` (seconds) and the IETF
 * `RateLimit`/`RateLimit-Policy` headers (draft-8). Counters live in each process (MemoryStore):
 * with N replicas behind a balancer the effective limit is up to N× the configured one;
 * docs/OPERATIONS.md says how to share them.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { rateLimit } from "express-rate-limit";
import { ProblemError } from "./errors.js";
import type { Logger } from "./logger.js";

export interface RateLimits {
  /** Middleware: the per-IP limit. */
  ip: RequestHandler;
  /** Counts one request for `account`; throws the 429 problem when over its limit. */
  account(req: Request, res: Response, account: string): Promise<void>;
}

const ACCOUNT = "sealshareRateLimitAccount";

export function createRateLimits(opts: { ipPerMinute: number; accountPerMinute: number; log: Logger }): RateLimits {
  const logger = { warn: (...a: unknown[]) => opts.log.warn({ detail: a.map(String).join(" ") }, "rate limiter"), error: (...a: unknown[]) => opts.log.error({ detail: a.map(String).join(" ") }, "rate limiter") };
  const common = {
    windowMs: 60_000,
    standardHeaders: "draft-8" as const,
    legacyHeaders: false,
    // Operators choose `trust proxy`; the client IP may be any string in fuzzed requests.
    validate: { trustProxy: false, xForwardedForHeader: false, forwardedHeader: false, ip: false },
    logger,
    handler: (_req: Request, res: Response, next: NextFunction) => {
      const retryAfter = Number(res.getHeader("Retry-After") ?? 60);
      next(new ProblemError("rate-limited", `too many requests; retry in ${retryAfter} s`, { retryAfter }));
    },
  };
  const ip = rateLimit({ ...common, limit: opts.ipPerMinute, identifier: "ip" });
  const perAccount = rateLimit({
    ...common,
    limit: opts.accountPerMinute,
    identifier: "account",
    keyGenerator: (_req: Request, res: Response) => String(res.locals[ACCOUNT]),
  });
  return {
    ip,
    account(req, res, account) {
      res.locals[ACCOUNT] = account.toLowerCase();
      return new Promise<void>((resolve, reject) => {
        void perAccount(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
      });
    },
  };
}
