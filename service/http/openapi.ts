/**
 * The OpenAPI 3.1 document, generated from the route registry (./registry.ts): the same zod
 * schemas that validate requests and describe answers, converted with `z.toJSONSchema`
 * (JSON Schema 2020-12, OpenAPI 3.1's dialect). Request schemas are converted as inputs (what
 * a client sends, before transforms), response schemas as outputs. Schemas with `.meta({ id })`
 * become `components.schemas` and are referenced.
 *
 * Every operation also lists the problems any route may answer: 400 `invalid-request` (if it
 * takes input), 413/415 (if it takes a body), 429 `rate-limited` (if rate limited) and 500
 * `internal`; 404 `not-found` and 405 `method-not-allowed` are path-level and said in
 * `info.description`. `npm run openapi` writes docs/openapi.json; a test keeps it current.
 */
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { ProblemCodes, type ProblemCode } from "../internal/errors.js";
import { JSON_TYPE, openApiPath, type AnyRoute, type SecurityName } from "./registry.js";
import { ProblemSchema } from "./schemas.js";
import { PROBLEM_CONTENT_TYPE } from "./problem.js";

type Json = Record<string, unknown>;

export interface DocumentOptions {
  version: string;
  /** Base URLs for `servers` (default: relative "/"). */
  servers?: string[];
}

const SECURITY_SCHEMES: Record<SecurityName, Json> = {
  eip712Request: {
    type: "apiKey",
    in: "header",
    name: "x-sealshare-signature",
    description:
      "An EIP-712 signature in the custodian domain { name: 'Sealshare Custodian', version: '1', chainId, verifyingContract: " +
      "ledger } of the route's request type (EnvelopeRequest or GrantStatusRequest { requestId, issuedAt }), with " +
      "x-sealshare-issued-at = issuedAt (unix seconds, ±300 s). Single use. Types: sdk/eip712.ts.",
  },
  siweSession: {
    type: "http",
    scheme: "bearer",
    description: "A session token from POST /v1/auth/siwe (Sign-In with Ethereum, EIP-4361), at most 15 minutes.",
  },
};

const DESCRIPTION = `Sealshare key custodian: holds dataset keys and releases them, ECIES-wrapped, to approved requesters.

Every error is RFC 9457 \`application/problem+json\` with a stable \`code\` (catalogue: docs/ERRORS-API.md).
Any path answers 404 \`not-found\` when unknown and 405 \`method-not-allowed\` (with \`Allow\`) for another method.
Rate limits answer 429 \`rate-limited\` with \`Retry-After\`.`;

class SchemaConverter {
  readonly components: Record<string, Json> = {};

  convert(schema: z.ZodType, io: "input" | "output"): Json {
    const raw = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;
    const defs = (raw.$defs ?? {}) as Record<string, Json>;
    delete raw.$defs;
    delete raw.$schema;
    for (const [id, def] of Object.entries(defs)) this.#addComponent(id, def);
    if (typeof raw.id === "string") {
      // The schema itself is a named component.
      const id = raw.id;
      delete raw.id;
      this.#addComponent(id, raw);
      return { $ref: `#/components/schemas/${id}` };
    }
    return this.#rewrite(raw) as Json;
  }

  #addComponent(id: string, def: Json): void {
    const clean = this.#rewrite({ ...def, id: undefined }) as Json;
    delete clean.id;
    const known = this.components[id];
    if (known && !isDeepStrictEqual(known, clean)) throw new Error(`schema component ${id} is defined twice, differently`);
    this.components[id] = clean;
  }

  #rewrite(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.#rewrite(x));
    if (v && typeof v === "object") {
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        out[k] = k === "$ref" && typeof x === "string" ? x.replace(/^#\/\$defs\//, "#/components/schemas/") : this.#rewrite(x);
      }
      return out;
    }
    return v;
  }
}

function parameters(conv: SchemaConverter, schema: z.ZodObject | undefined, where: "path" | "query" | "header"): Json[] {
  if (!schema) return [];
  const obj = conv.convert(schema, "input");
  const props = (obj.properties ?? {}) as Record<string, Json>;
  const required = new Set((obj.required ?? []) as string[]);
  // Authorization is described by the security schemes (OpenAPI ignores it as a parameter).
  return Object.entries(props).filter(([name]) => name !== "authorization").map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: where, required: where === "path" || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

function problemResponses(route: AnyRoute): Record<string, Json> {
  const q = route.request;
  const codes = new Set<ProblemCode>(route.problems);
  if (q.params || q.query || q.headers || q.body) codes.add("invalid-request");
  if (q.body) {
    codes.add("payload-too-large");
    codes.add("unsupported-media-type");
  }
  if (route.rateLimited !== false || route.security?.length) codes.add("rate-limited");
  codes.add("internal");
  const byStatus = new Map<number, ProblemCode[]>();
  for (const c of codes) byStatus.set(ProblemCodes[c].status, [...(byStatus.get(ProblemCodes[c].status) ?? []), c]);
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${ProblemCodes[c].title}`).join("; "),
      ...(status === 429 ? { headers: { "Retry-After": { description: "seconds", schema: { type: "string" } } } } : {}),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: "#/components/schemas/Problem" } } },
    };
  }
  return out;
}

export function buildOpenApiDocument(routes: readonly AnyRoute[], opts: DocumentOptions): Json {
  const conv = new SchemaConverter();
  conv.convert(ProblemSchema, "output");
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const q = r.request;
    const responses: Record<string, Json> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.headers
          ? { headers: Object.fromEntries(Object.entries(spec.headers).map(([h, d]) => [h, { description: d.description, schema: conv.convert(d.schema, "output") }])) }
          : {}),
        ...(spec.schema ? { content: { [spec.contentType ?? JSON_TYPE]: { schema: conv.convert(spec.schema, "output") } } } : {}),
      };
    }
    Object.assign(responses, problemResponses(r));
    const op: Json = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: r.tags,
      ...(r.security ? { security: r.security.map((s) => ({ [s]: [] })) } : {}),
      parameters: [...parameters(conv, q.params, "path"), ...parameters(conv, q.query, "query"), ...parameters(conv, q.headers, "header")],
      ...(q.body ? { requestBody: { required: true, content: { [JSON_TYPE]: { schema: conv.convert(q.body, "input") } } } } : {}),
      responses,
    };
    if ((op.parameters as Json[]).length === 0) delete op.parameters;
    (paths[openApiPath(r.path)] ??= {})[r.method] = op;
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Sealshare key custodian",
      version: opts.version,
      description: DESCRIPTION,
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: (opts.servers ?? ["/"]).map((url) => ({ url })),
    tags: [
      { name: "custodian", description: "who the custodian is" },
      { name: "keys", description: "data key and key share deposits (providers)" },
      { name: "envelopes", description: "released keys (requesters)" },
      { name: "grants", description: "grant status (requester, subject, provider)" },
      { name: "receipts", description: "how releases are recorded on chain, with Merkle inclusion proofs" },
      { name: "auth", description: "Sign-In with Ethereum sessions" },
      { name: "events", description: "server-sent events" },
      { name: "operations", description: "health, readiness, metrics, this document" },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(conv.components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
