/**
 * The route registry: each route is declared once — method, path, request schemas (path
 * parameters, query, headers, body), response schemas per status, the problem codes it may
 * answer — and that one declaration both mounts the Express handler (parsing every input with
 * its schema, so handlers receive typed values only) and produces the OpenAPI document
 * (./openapi.ts, via `z.toJSONSchema`). A route cannot be served without being documented,
 * and the document cannot describe an input the handler does not validate.
 *
 * With `validateResponses` (tests), every JSON answer is also checked against the schema
 * declared for its status; a mismatch becomes a 500, so a test fails when the document lies.
 */
import express, { type IRouter, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { ProblemError, type ProblemCode } from "../internal/errors.js";

export type Method = "get" | "post" | "delete";

/** Security schemes (components.securitySchemes in the document). */
export type SecurityName = "eip712Request" | "siweSession";

export interface ResponseSpec {
  description: string;
  /** Body schema; JSON unless `contentType` says otherwise. Absent: no body. */
  schema?: z.ZodType;
  contentType?: string;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
}

export interface RequestShape {
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

/** What a handler receives: every input parsed by its schema. */
export interface Input<R extends RequestShape> {
  params: Out<R["params"]>;
  query: Out<R["query"]>;
  headers: Out<R["headers"]>;
  body: Out<R["body"]>;
}

export interface RouteSpec<R extends RequestShape = RequestShape> {
  method: Method;
  /** Express syntax (`/v1/envelopes/:requestId`); documented as `/v1/envelopes/{requestId}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Accepted authentication schemes (any one of them). */
  security?: SecurityName[];
  request: R;
  responses: Record<number, ResponseSpec>;
  /** Problem codes this route may answer besides the ones every route may (see openapi.ts). */
  problems: ProblemCode[];
  /** False for probes (healthz, readyz, metrics): no per-IP rate limit. Default true. */
  rateLimited?: boolean;
  handler(input: Input<R>, req: Request, res: Response): Promise<void> | void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any>;

/** Declares a route (identity at run time; infers the handler's input types). */
export function defineRoute<R extends RequestShape>(spec: RouteSpec<R>): RouteSpec<R> {
  return spec;
}

export const JSON_TYPE = "application/json";
export const BODY_LIMIT = "64kb";

/** Turns a schema failure into the 400 `invalid-request` problem, naming where and what. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: "path" | "query" | "header" | "body"): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new ProblemError("invalid-request", `the request's ${where} does not match the API's schema`, {
      errors: r.error.issues.slice(0, 20).map((i) => ({ in: where, path: i.path.join("."), message: i.message })),
    });
  }
  return r.data;
}

/** Express path → OpenAPI path (`:id` → `{id}`). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

const requireJson = (req: Request, _res: Response, next: NextFunction) =>
  next(req.is("application/json") === false ? new ProblemError("unsupported-media-type", "send the body as application/json") : undefined);

export interface MountOptions {
  validateResponses?: boolean;
  /** Runs before each rate-limited route's handler (the per-IP limiter): the problem when over it. */
  ipLimit?: (req: Request, res: Response) => ProblemError | undefined;
}

/**
 * Mounts `routes` on `router` (the app itself: one router, no nested dispatch): input parsing,
 * JSON bodies (≤ 64 kB, 415 for another media type), and a 405 `method-not-allowed` (with
 * `Allow`) for a known path with another method. A route without a body is one handler (the
 * per-IP limit, parsing and the route's own handler in one step: each extra Express layer is a
 * few microseconds on the hot path); a route with a body counts the per-IP limit before it
 * reads the body.
 */
export function mountRoutes(router: IRouter, routes: readonly AnyRoute[], opts: MountOptions = {}): void {
  const methodsByPath = new Map<string, Set<string>>();
  for (const r of routes) {
    const methods = methodsByPath.get(r.path) ?? new Set<string>();
    methods.add(r.method.toUpperCase());
    if (r.method === "get") methods.add("HEAD");
    methodsByPath.set(r.path, methods);

    const q = r.request;
    const ipLimit = opts.ipLimit && r.rateLimited !== false ? opts.ipLimit : undefined;
    const run = async (req: Request, res: Response) => {
      const input = {
        params: q.params ? parseInput(q.params, req.params, "path") : undefined,
        query: q.query ? parseInput(q.query, req.query, "query") : undefined,
        headers: q.headers ? parseInput(q.headers, req.headers, "header") : undefined,
        body: q.body ? parseInput(q.body, req.body, "body") : undefined,
      };
      if (opts.validateResponses) checkJsonAnswers(r, res);
      await r.handler(input, req, res);
    };
    if (q.body) {
      const limit = (req: Request, res: Response, next: NextFunction) => next(ipLimit?.(req, res));
      router[r.method](r.path, limit, requireJson, express.json({ limit: BODY_LIMIT }), run);
    } else if (ipLimit) {
      router[r.method](r.path, (req: Request, res: Response, next: NextFunction) => {
        const refused = ipLimit(req, res);
        return refused ? next(refused) : run(req, res);
      });
    } else {
      router[r.method](r.path, run);
    }
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].sort().join(", ");
    // route(path).all, not router.all: on an app, app.all registers one handler per HTTP method.
    router.route(path).all((req: Request, res: Response, next: NextFunction) => {
      res.set("Allow", allow);
      next(new ProblemError("method-not-allowed", `${req.method} is not supported on ${path}; use ${allow}`, { allow: [...methods].sort() }));
    });
  }
}

const JSON_CONTENT_TYPE = "application/json; charset=utf-8";
const VALIDATE = Symbol("validate JSON answers");

/**
 * Sends a JSON answer as `res.json` would (status, `application/json; charset=utf-8`,
 * Content-Length, the body; no body for HEAD) without its per-call work (settings lookups,
 * content-type parsing and formatting, the freshness check of a body that has no validators).
 * `text` is `body` already serialized (e.g. cached); with `validateResponses` the answer is
 * still checked against the route's declared schema.
 */
export function sendJson(res: Response, status: number, body: unknown, text?: string): void {
  (res as Response & { [VALIDATE]?: (status: number, body: unknown) => void })[VALIDATE]?.(status, body);
  const payload = text ?? JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", JSON_CONTENT_TYPE);
  res.setHeader("Content-Length", Buffer.byteLength(payload));
  res.end(payload);
}

/** Why a JSON answer `body` with `status` does not match `route`'s declared responses, if it does not. */
export function answerMismatch(route: AnyRoute, status: number, body: unknown): string | undefined {
  const spec = route.responses[status];
  if (!spec) return `status ${status} is not declared`;
  if (!spec.schema || (spec.contentType ?? JSON_TYPE) !== JSON_TYPE) return undefined;
  const r = spec.schema.safeParse(body);
  return r.success ? undefined : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
}

/** Wraps res.json (and {@link sendJson}) so an answer that does not match its declared schema becomes a 500. */
function checkJsonAnswers(route: AnyRoute, res: Response): void {
  const check = (status: number, body: unknown) => {
    const problem = answerMismatch(route, status, body);
    if (problem) throw new Error(`response of ${route.operationId} does not match the API document: ${problem}`);
  };
  (res as Response & { [VALIDATE]?: typeof check })[VALIDATE] = check;
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    check(res.statusCode, body);
    return json(body);
  };
}

/** Every (method, path) Express will answer, found by walking the router (405 catch-alls excluded). */
export function mountedRoutes(app: express.Express): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== "_all") out.push({ method: m, path: layer.route.path });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}
