/**
 * The HTTP API, assembled: security headers (helmet), CORS for the configured dapp origins,
 * access log and metrics, per-IP rate limit, the routes of the registry (./routes/*), then
 * 404 / 405 and one error handler that answers every failure as an RFC 9457 problem without
 * internals (./problem.ts).
 *
 *   GET  /healthz  /readyz  /metrics  /openapi.json            operations
 *   GET  /v1/custodian                                         identity
 *   POST /v1/keys                                              deposit a data key (provider)
 *   POST /v1/shares                                            deposit a key share (provider, threshold custody)
 *   GET  /v1/envelopes/:requestId                              fetch an envelope (requester)
 *   GET  /v1/grants/:requestId                                 grant status (requester, subject, provider)
 *   GET  /v1/receipts/:requestId                               receipt inclusion proofs (public)
 *   POST /v1/auth/nonce  /v1/auth/siwe  /v1/auth/logout        Sign-In with Ethereum sessions
 *   GET  /v1/auth/session                                      the session's account
 *   GET  /v1/events                                            server-sent events (requester)
 *
 * Access is logged (method, route template, status, duration) without headers, query or bodies:
 * failures and slow answers at info, every request at debug.
 *
 * Every request goes through this one Express app. What it does per request is kept to what
 * depends on the request (docs/PERFORMANCE.md, API): helmet's headers and, for a request without
 * an Origin header, cors's are recorded once from the middlewares themselves and replayed; the
 * headers, CORS and access-log steps are one middleware; routes sit on the app's own router; the
 * metrics' label objects are made once per (method, route, status).
 */
import cors from "cors";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import { ProblemError } from "../internal/errors.js";
import type { Metrics } from "../internal/metrics.js";
import { apiOptions, type ApiOptions } from "./config.js";
import { buildOpenApiDocument } from "./openapi.js";
import { problem, sendProblem } from "./problem.js";
import { createRateLimits } from "./ratelimit.js";
import { BODY_LIMIT, mountRoutes, type AnyRoute } from "./registry.js";
import { DOCUMENT_ONLY_DEPS, type RouteDeps } from "./routes/deps.js";
import { ledgerRoutes } from "./routes/ledger.js";
import { shareRoutes } from "./routes/shares.js";
import { opsRoutes } from "./routes/ops.js";
import { sessionRoutes } from "./routes/sessions.js";
import { receiptRoutes } from "./routes/receipts.js";

export { BODY_LIMIT } from "./registry.js";
export type { HealthReport } from "./routes/deps.js";

export const API_VERSION = "1.0.0";

/** Every route of the API, in the order they are mounted and documented. */
export function allRoutes(deps: RouteDeps): AnyRoute[] {
  return [...ledgerRoutes(deps), ...shareRoutes(deps), ...receiptRoutes(deps), ...sessionRoutes(deps), ...opsRoutes(deps)];
}

/** The OpenAPI document of the API (no running custodian needed). */
export function openApiDocument(servers?: string[]): Record<string, unknown> {
  return buildOpenApiDocument(allRoutes(DOCUMENT_ONLY_DEPS), { version: API_VERSION, servers });
}

export type HttpDeps = Omit<RouteDeps, "limits" | "options" | "openapi"> & { options?: Partial<ApiOptions> };

const CORS_HEADERS = ["content-type", "authorization", "x-sealshare-issued-at", "x-sealshare-signature", "last-event-id"];
const CORS_EXPOSED = ["retry-after", "ratelimit", "ratelimit-policy", "www-authenticate", "allow"];

type HeaderValue = string | number | readonly string[];

/** What a synchronous header-setting middleware does to one sample request, or undefined. */
export function recordedHeaders(middleware: express.RequestHandler): { set: [string, HeaderValue][]; removed: string[] } | undefined {
  const set: [string, HeaderValue][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: HeaderValue) {
      set.push([name, value]);
      return recorder;
    },
    removeHeader(name: string) {
      removed.push(name);
    },
    getHeader: () => undefined,
  };
  let called = false;
  middleware({ headers: {}, method: "GET", url: "/", secure: false } as express.Request, recorder as unknown as Response, () => {
    called = true;
  });
  return called ? { set, removed } : undefined;
}

/** The Express app: every route of the API (the custodian serves it; the OpenAPI test walks it). */
export function createHttpApp(deps: HttpDeps): express.Express {
  const { log } = deps;
  const options = apiOptions(deps.options);
  const metrics: Metrics = deps.metrics;
  const limits = createRateLimits({ ...options.rateLimit, log });
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("trust proxy", options.trustProxy);
  app.set("query parser", "simple");

  const securityHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: options.corsOrigins.length > 0 ? "cross-origin" : "same-origin" },
  });
  const corsHeaders = cors({
    origin: options.corsOrigins.length > 0 ? options.corsOrigins : false,
    methods: ["GET", "POST"],
    allowedHeaders: CORS_HEADERS,
    exposedHeaders: CORS_EXPOSED,
    maxAge: 600,
  });
  app.use(headersAndAccessLog({ securityHeaders, corsHeaders, metrics, log }));

  let document: Record<string, unknown> | undefined;
  const routeDeps: RouteDeps = {
    ...deps,
    limits,
    options,
    openapi: () => (document ??= buildOpenApiDocument(routes, { version: API_VERSION, servers: options.publicUrl ? [options.publicUrl] : undefined })),
  };
  const routes = allRoutes(routeDeps);
  mountRoutes(app, routes, { validateResponses: options.validateResponses, ipLimit: limits.ip });

  app.use((req, _res, next) => next(new ProblemError("not-found", `no route ${req.method} ${req.path}`)));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      log.warn({ err, method: req.method, route: req.route?.path ?? "unmatched" }, "error after the answer started");
      res.destroy();
      return;
    }
    const instance = req.path;
    if (err instanceof ProblemError) return sendProblem(res, problem(err.code, err.message, err.extra, instance));
    const type = (err as { type?: unknown } | null)?.type;
    if (type === "entity.too.large") {
      return sendProblem(res, problem("payload-too-large", `the body must be at most ${BODY_LIMIT}`, {}, instance));
    }
    if (type === "entity.parse.failed" || type === "encoding.unsupported" || type === "charset.unsupported" || type === "request.size.invalid") {
      return sendProblem(res, problem("invalid-request", "the body is not valid JSON", {}, instance));
    }
    if (type === "request.aborted") return res.destroy();
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      // Another 4xx from a body-parser or Express itself (e.g. a malformed URI): the client's fault.
      return sendProblem(res, problem("invalid-request", "the request is malformed", {}, instance));
    }
    log.error({ err, method: req.method, route: req.route?.path ?? "unmatched" }, "unhandled error");
    sendProblem(res, problem("internal", "the custodian failed to answer; this was logged", {}, instance));
  });

  return app;
}

/**
 * The first middleware of every request, in one step: helmet's security headers, CORS, and the
 * access log and metrics.
 *
 *  - helmet: with this configuration its headers do not depend on the request, so its answer to
 *    one sample request is recorded at start-up and replayed (the same headers in one loop,
 *    instead of thirteen middlewares each making a call and a setHeader). This is for the shipped
 *    figure `api.fetch.rps.session` (≥ 0.5× a bare Express route, docs/PERFORMANCE.md "API"):
 *    nothing is written by hand — the headers are helmet's and cors's own, recorded from them,
 *    and test/service/envelope-route.test.ts pins them against what the middlewares write;
 *  - cors: a request without an Origin header (SDK, CLI, servers) gets what cors writes for one,
 *    recorded at start-up the same way; a request with an Origin, and every OPTIONS (preflight),
 *    goes through the cors middleware itself;
 *  - access log: answers that went wrong (4xx, 5xx) or took a second or more at info, the rest at
 *    debug (SEALSHARE_LOG_LEVEL=debug logs every request). Every request is counted and timed in
 *    the metrics either way (prom-client children made once per (method, route, status)): a line
 *    per successful fetch was a synchronous write per request on the hot path, and the metrics
 *    already say how many there were and how fast.
 * If either middleware turns out not to be synchronous (a future version), it runs as it is.
 */
function headersAndAccessLog(deps: {
  securityHeaders: express.RequestHandler;
  corsHeaders: express.RequestHandler;
  metrics: Metrics;
  log: HttpDeps["log"];
}): express.RequestHandler {
  const { securityHeaders, corsHeaders, metrics, log } = deps;
  const security = recordedHeaders(securityHeaders);
  const withoutOrigin = recordedHeaders(corsHeaders);
  const accessDebug = log.isLevelEnabled("debug");
  const bound = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  const boundLabels = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let b = bound.get(key);
    if (!b) {
      const labels = { method, route, status: String(status) };
      b = { count: metrics.httpRequests.labels(labels), time: metrics.httpDuration.labels(labels) };
      bound.set(key, b);
    }
    return b;
  };
  const continueWithCors = (req: Request, res: Response, next: NextFunction) => {
    if (withoutOrigin && req.headers.origin === undefined && req.method !== "OPTIONS") {
      for (const [name, value] of withoutOrigin.set) res.setHeader(name, value);
      for (const name of withoutOrigin.removed) res.removeHeader(name);
      next();
    } else corsHeaders(req, res, next);
  };
  return (req, res, next) => {
    const started = performance.now();
    res.once("finish", () => {
      const ms = performance.now() - started;
      const route = (req.route?.path as string | undefined) ?? "unmatched";
      const b = boundLabels(req.method, route, res.statusCode);
      b.count.inc();
      b.time.observe(ms / 1000);
      if (res.statusCode >= 400 || ms >= 1000) log.info({ method: req.method, route, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, "http");
      else if (accessDebug) log.debug({ method: req.method, route, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, "http");
    });
    if (!security) return securityHeaders(req, res, (err?: unknown) => (err ? next(err) : continueWithCors(req, res, next)));
    for (const [name, value] of security.set) res.setHeader(name, value);
    for (const name of security.removed) res.removeHeader(name);
    continueWithCors(req, res, next);
  };
}
