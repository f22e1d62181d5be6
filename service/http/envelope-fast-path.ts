/**
 * GET /v1/envelopes/:requestId — the API's hot path — answered on node:http directly, without
 * Express. On this project's 2-core machine Express 5 spends ≈ 0.25 ms of CPU on a route that
 * answers a constant, where node:http alone spends ≈ 0.05 ms (its router, middleware chain and
 * response helpers); for a fetch whose own work (a secp256k1 recovery, one store read, one
 * buffered write) is ≈ 0.15 ms, Express was most of the cost (docs/PERFORMANCE.md, api.fetch).
 *
 * Same answers as the Express route, by construction where it matters:
 *  - the answer itself is ./routes/envelope-reply.ts, shared with the route;
 *  - path and header validation are the route's own zod schemas (its declaration is passed in);
 *  - helmet's and cors's headers are the ones the app records once for a request without an
 *    Origin (./app.ts `recordedHeaders`), and the per-IP and per-account limits are the app's
 *    counters, the client address worked out as Express does (proxy-addr with the app's
 *    compiled `trust proxy`, so behind a balancer the client's address is counted);
 *  - refusals are the same RFC 9457 problems (./problem.ts), failures a logged 500 without
 *    internals; access metrics and log lines as ./app.ts writes them;
 *  - with `validateResponses` (tests) every answer is checked against the route's declared
 *    responses, as the router does.
 * What it does not take, Express does, unchanged: another method (HEAD, the 405s), any path
 * that is not exactly `/v1/envelopes/<decimal id>` (query strings, encodings, trailing slash),
 * and requests with an Origin header (browsers: CORS).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import proxyaddr from "proxy-addr";
import { ProblemError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import type { Metrics } from "../internal/metrics.js";
import type { RateLimits } from "./ratelimit.js";
import { PROBLEM_CONTENT_TYPE, problem, type Problem } from "./problem.js";
import { answerMismatch, parseInput, type AnyRoute } from "./registry.js";
import { envelopeReply } from "./routes/envelope-reply.js";
import type { RouteDeps } from "./routes/deps.js";
import { AuthHeadersSchema, RequestIdParamsSchema } from "./schemas.js";

const PREFIX = "/v1/envelopes/";
/** Up to 78 digits: a uint256 in decimal; anything else is Express's to answer (or refuse). */
const DECIMAL_ID = /^[0-9]{1,78}$/;
const JSON_TYPE = "application/json; charset=utf-8";
const PROBLEM_TYPE = `${PROBLEM_CONTENT_TYPE}; charset=utf-8`;

export interface EnvelopeFastPathDeps extends Pick<RouteDeps, "sessions" | "readEnvelope"> {
  /** The Express route's declaration (operationId fetchEnvelope): its path and answers. */
  route: AnyRoute;
  limits: RateLimits;
  metrics: Metrics;
  log: Logger;
  /** Headers every answer carries (helmet's and cors's for a request without Origin, recorded once). */
  fixedHeaders: readonly (readonly [string, string | number | readonly string[]])[];
  /** Headers helmet removes (X-Powered-By): nothing here sets them, removed all the same. */
  removedHeaders: readonly string[];
  validateResponses: boolean;
  /** Express's compiled `trust proxy` (`app.get("trust proxy fn")`): which hops to see through. */
  trustProxy: (addr: string, hop: number) => boolean;
}

/** Returns a handler that answers the request and returns true, or returns false for Express. */
export function createEnvelopeFastPath(deps: EnvelopeFastPathDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { route, metrics, log } = deps;
  const accessDebug = log.isLevelEnabled("debug");

  function send(res: ServerResponse, status: number, type: string, body: unknown): void {
    if (deps.validateResponses && type === JSON_TYPE) {
      const mismatch = answerMismatch(route, status, body);
      if (mismatch) throw new Error(`response of ${route.operationId} does not match the API document: ${mismatch}`);
    }
    const text = JSON.stringify(body);
    res.statusCode = status;
    res.setHeader("Content-Type", type);
    res.setHeader("Content-Length", Buffer.byteLength(text));
    res.end(text);
  }

  function sendProblem(res: ServerResponse, p: Problem): void {
    send(res, p.status, PROBLEM_TYPE, p);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string, path: string): Promise<void> {
    const started = performance.now();
    try {
      for (const [name, value] of deps.fixedHeaders) res.setHeader(name, value);
      for (const name of deps.removedHeaders) res.removeHeader(name);
      // Express's req.ip, the same way: the socket's address, or the first untrusted hop.
      const limited = deps.limits.ipHit(res, proxyaddr(req, deps.trustProxy) ?? "unknown");
      if (limited) throw limited;
      const params = parseInput(RequestIdParamsSchema, { requestId }, "path");
      const headers = parseInput(AuthHeadersSchema, req.headers, "header");
      const reply = await envelopeReply(deps, { params, headers }, req, res);
      for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
      send(res, reply.status, JSON_TYPE, reply.body);
    } catch (err) {
      if (res.headersSent) {
        log.warn({ err, method: "GET", route: route.path }, "error after the answer started");
        res.destroy();
      } else if (err instanceof ProblemError) {
        sendProblem(res, problem(err.code, err.message, err.extra, path));
      } else {
        log.error({ err, method: "GET", route: route.path }, "unhandled error");
        sendProblem(res, problem("internal", "the custodian failed to answer; this was logged", {}, path));
      }
    } finally {
      const ms = performance.now() - started;
      const labels = { method: "GET", route: route.path, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, ms / 1000);
      const line = { method: "GET", route: route.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 400 || ms >= 1000) log.info(line, "http");
      else if (accessDebug) log.debug(line, "http");
    }
  }

  return (req, res) => {
    if (req.method !== "GET" || req.headers.origin !== undefined) return false;
    const url = req.url ?? "";
    if (!url.startsWith(PREFIX)) return false;
    const requestId = url.slice(PREFIX.length);
    if (!DECIMAL_ID.test(requestId)) return false;
    void serve(req, res, requestId, url);
    return true;
  };
}
