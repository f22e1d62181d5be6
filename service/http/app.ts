/**
 * The HTTP API, assembled: security headers (helmet), CORS for the configured dapp origins,
 * access log and metrics, per-IP rate limit, the routes of the registry (./routes/*), then
 * 404 / 405 and one error handler that answers every failure as an RFC 9457 problem without
 * internals (./problem.ts).
 *
 *   GET  /healthz  /readyz  /metrics  /openapi.json            operations
 *   GET  /v1/custodian                                         identity
 *   POST /v1/keys                                              deposit a data key (provider)
 *   GET  /v1/envelopes/:requestId                              fetch an envelope (requester)
 *   GET  /v1/grants/:requestId                                 grant status (requester, subject, provider)
 *   GET  /v1/receipts/:requestId                               receipt inclusion proofs (public)
 *   POST /v1/auth/nonce  /v1/auth/siwe  /v1/auth/logout        Sign-In with Ethereum sessions
 *   GET  /v1/auth/session                                      the session's account
 *   GET  /v1/events                                            server-sent events (requester)
 *
 * Access is logged (method, route template, status, duration) without headers, query or bodies:
 * failures and slow answers at info, every request at debug.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import cors from "cors";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import { ProblemError } from "../internal/errors.js";
import type { Metrics } from "../internal/metrics.js";
import { createRateLimits } from "./ratelimit.js";
import { apiOptions, type ApiOptions } from "./config.js";
import { createEnvelopeFastPath } from "./envelope-fast-path.js";
import { buildOpenApiDocument } from "./openapi.js";
import { problem, sendProblem } from "./problem.js";
import { BODY_LIMIT, mountRoutes, type AnyRoute } from "./registry.js";
import { DOCUMENT_ONLY_DEPS, type RouteDeps } from "./routes/deps.js";
import { ledgerRoutes } from "./routes/ledger.js";
import { opsRoutes } from "./routes/ops.js";
import { sessionRoutes } from "./routes/sessions.js";
import { receiptRoutes } from "./routes/receipts.js";

export { BODY_LIMIT } from "./registry.js";
export type { HealthReport } from "./routes/deps.js";

export const API_VERSION = "1.0.0";

/** Every route of the API, in the order they are mounted and documented. */
export function allRoutes(deps: RouteDeps): AnyRoute[] {
  return [...ledgerRoutes(deps), ...receiptRoutes(deps), ...sessionRoutes(deps), ...opsRoutes(deps)];
}

/** The OpenAPI document of the API (no running custodian needed). */
export function openApiDocument(servers?: string[]): Record<string, unknown> {
  return buildOpenApiDocument(allRoutes(DOCUMENT_ONLY_DEPS), { version: API_VERSION, servers });
}

export type HttpDeps = Omit<RouteDeps, "limits" | "options" | "openapi"> & { options?: Partial<ApiOptions> };

const CORS_HEADERS = ["content-type", "authorization", "x-sealshare-issued-at", "x-sealshare-signature", "last-event-id"];
const CORS_EXPOSED = ["retry-after", "ratelimit", "ratelimit-policy", "www-authenticate", "allow"];

/**
 * Helmet's headers, computed once: with this configuration they do not depend on the request,
 * so instead of helmet's thirteen middlewares per request (each a call and a setHeader), its
 * answer to one sample request is recorded and replayed — the same headers, set in one loop.
 */
export function fixedHeaders(middleware: express.RequestHandler): express.RequestHandler {
  const recorded = recordedHeaders(middleware);
  if (!recorded) return middleware; // not synchronous after all: keep it as it is
  const { set, removed } = recorded;
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}

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

/**
 * The API as a node:http request listener: the envelope fetch's fast path
 * (./envelope-fast-path.ts) for what it takes, the Express app for everything else.
 */
export function createHttpHandler(deps: HttpDeps): {
  app: express.Express;
  /** The fast path alone: true when it took the request. */
  fast: (req: IncomingMessage, res: ServerResponse) => boolean;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
} {
  const { app, fast } = build(deps);
  return {
    app,
    fast,
    handler(req, res) {
      if (!fast(req, res)) app(req, res);
    },
  };
}

/** The Express app alone (every route; the OpenAPI test walks it). */
export function createHttpApp(deps: HttpDeps): express.Express {
  return build(deps).app;
}

function build(deps: HttpDeps): { app: express.Express; fast: ReturnType<typeof createEnvelopeFastPath> } {
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
  app.use(fixedHeaders(securityHeaders));
  const corsHeaders = cors({
    origin: options.corsOrigins.length > 0 ? options.corsOrigins : false,
    methods: ["GET", "POST"],
    allowedHeaders: CORS_HEADERS,
    exposedHeaders: CORS_EXPOSED,
    maxAge: 600,
  });
  app.use(corsHeaders);

  // Access log: answers that went wrong (4xx, 5xx) or took a second or more at info, the rest
  // at debug (SEALSHARE_LOG_LEVEL=debug logs every request). Every request is counted and timed
  // in the metrics either way; a line per successful fetch was a synchronous write per request
  // on the hot path, and the metrics already say how many there were and how fast.
  const accessDebug = log.isLevelEnabled("debug");
  app.use((req, res, next) => {
    const started = performance.now();
    res.on("finish", () => {
      const ms = performance.now() - started;
      const route = (req.route?.path as string | undefined) ?? "unmatched";
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, ms / 1000);
      if (res.statusCode >= 400 || ms >= 1000) log.info({ method: req.method, route, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, "http");
      else if (accessDebug) log.debug({ method: req.method, route, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, "http");
    });
    next();
  });

  let document: Record<string, unknown> | undefined;
  const routeDeps: RouteDeps = {
    ...deps,
    limits,
    options,
    openapi: () => (document ??= buildOpenApiDocument(routes, { version: API_VERSION, servers: options.publicUrl ? [options.publicUrl] : undefined })),
  };
  const routes = allRoutes(routeDeps);
  const router = express.Router();
  mountRoutes(router, routes, { validateResponses: options.validateResponses, ipLimit: limits.ip });
  app.use(router);

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

  // What helmet and cors write on a request without an Origin header (the only kind the fast
  // path takes), recorded once: the fast path writes the same.
  const security = recordedHeaders(securityHeaders);
  const cross = recordedHeaders(corsHeaders);
  const fast =
    security && cross && cross.removed.length === 0
      ? createEnvelopeFastPath({
          route: routes.find((r) => r.operationId === "fetchEnvelope")!,
          sessions: deps.sessions,
          readEnvelope: deps.readEnvelope,
          limits,
          metrics,
          log,
          fixedHeaders: [...security.set, ...cross.set],
          removedHeaders: security.removed,
          validateResponses: options.validateResponses,
          trustProxy: app.get("trust proxy fn") as (addr: string, hop: number) => boolean,
        })
      : () => false; // a middleware stopped being synchronous: everything through Express

  return { app, fast };
}
