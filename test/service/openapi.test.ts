/**
 * The OpenAPI 3.1 document: generated from the route registry, it must cover every route
 * Express mounts (and nothing else), be structurally sound, match the committed
 * docs/openapi.json, and be what GET /openapi.json serves. Also: every problem code is in the
 * catalogue (docs/ERRORS-API.md). No chain needed.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { createHttpApp, openApiDocument } from "../../service/http/app.js";
import { mountedRoutes, openApiPath } from "../../service/http/registry.js";
import { DOCUMENT_ONLY_DEPS } from "../../service/http/routes/deps.js";
import { ProblemCodes } from "../../service/internal/errors.js";
import { createLogger } from "../../service/internal/logger.js";
import { createMetrics } from "../../service/internal/metrics.js";
import { OPENAPI_PATH, openApiText } from "../../scripts/openapi.js";
import { startStubApp } from "../helpers/http-app.js";

type Json = Record<string, any>;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

describe("OpenAPI document", function () {
  this.timeout(20_000);
  const doc = openApiDocument() as Json;

  function operations(): { path: string; method: string; op: Json }[] {
    const out: { path: string; method: string; op: Json }[] = [];
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) if (METHODS.includes(method)) out.push({ path, method, op: op as Json });
    }
    return out;
  }

  it("documents every route Express mounts, and only those", function () {
    const app = createHttpApp({ ...DOCUMENT_ONLY_DEPS, metrics: createMetrics({ defaultMetrics: false }), log: createLogger({ level: "silent" }) } as never);
    const mounted = mountedRoutes(app).map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`);
    const documented = operations().map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(mounted.length).to.be.greaterThan(10);
    expect(mounted.filter((m) => !documented.includes(m)), "mounted but not documented").to.deep.equal([]);
    expect(documented.filter((d) => !mounted.includes(d)), "documented but not mounted").to.deep.equal([]);
    for (const expected of ["GET /v1/grants/{requestId}", "GET /v1/events", "POST /v1/auth/siwe", "GET /readyz", "GET /metrics", "GET /openapi.json"]) {
      expect(documented).to.include(expected);
    }
  });

  it("is structurally a valid OpenAPI 3.1 document", function () {
    expect(doc.openapi).to.equal("3.1.0");
    expect(doc.info.title).to.be.a("string").and.not.empty;
    expect(doc.info.version).to.match(/^\d+\.\d+\.\d+$/);
    expect(doc.servers).to.be.an("array").that.is.not.empty;
    const ids = new Set<string>();
    const schemes = Object.keys(doc.components.securitySchemes);
    for (const { path, method, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(path, where).to.match(/^\//);
      expect(op.operationId, where).to.be.a("string");
      expect(ids.has(op.operationId), `duplicate operationId ${op.operationId}`).to.equal(false);
      ids.add(op.operationId);
      expect(op.summary, where).to.be.a("string").and.not.empty;
      // Every {param} of the path is declared as a required path parameter, and nothing else is.
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p: Json) => p.in === "path");
      expect(declared.map((p: Json) => p.name).sort(), where).to.deep.equal(inPath.sort());
      for (const p of op.parameters ?? []) {
        expect(["path", "query", "header", "cookie"], where).to.include(p.in);
        expect(p.schema, `${where} ${p.name}`).to.be.an("object");
        if (p.in === "path") expect(p.required, `${where} ${p.name}`).to.equal(true);
      }
      expect(Object.keys(op.responses).length, where).to.be.greaterThan(1);
      for (const [status, r] of Object.entries(op.responses as Json)) {
        expect(status, where).to.match(/^[1-5]\d\d$/);
        expect((r as Json).description, `${where} ${status}`).to.be.a("string").and.not.empty;
        if (Number(status) >= 400) expect((r as Json).content["application/problem+json"].schema.$ref).to.equal("#/components/schemas/Problem");
      }
      expect(op.responses["500"], `${where} documents 500`).to.exist;
      for (const s of op.security ?? []) for (const name of Object.keys(s)) expect(schemes, where).to.include(name);
      if (op.requestBody) {
        expect(op.responses["413"], `${where} documents 413`).to.exist;
        expect(op.responses["415"], `${where} documents 415`).to.exist;
      }
    }
  });

  it("resolves every $ref to a component", function () {
    const refs: string[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) (k === "$ref" ? refs.push(String(x)) : walk(x));
    };
    walk(doc);
    expect(refs.length).to.be.greaterThan(10);
    for (const r of refs) {
      expect(r).to.match(/^#\/components\/schemas\//);
      expect(doc.components.schemas[r.split("/").pop()!], r).to.be.an("object");
    }
  });

  it("lists every problem code in the Problem schema", function () {
    expect(doc.components.schemas.Problem.properties.code.enum).to.have.members(Object.keys(ProblemCodes));
  });

  it("is committed as docs/openapi.json, current (run `npm run openapi` after changing a route)", function () {
    expect(readFileSync(OPENAPI_PATH, "utf8")).to.equal(openApiText());
  });

  it("is served at GET /openapi.json", async function () {
    const app = await startStubApp({}, { publicUrl: "https://custodian.example.org" });
    try {
      const res = await fetch(`${app.url}/openapi.json`);
      expect(res.status).to.equal(200);
      const served = (await res.json()) as Json;
      expect(served.servers).to.deep.equal([{ url: "https://custodian.example.org" }]);
      expect({ ...served, servers: doc.servers }).to.deep.equal(doc);
    } finally {
      await app.close();
    }
  });

  it("every problem code is in the catalogue (docs/ERRORS-API.md)", function () {
    const catalogue = readFileSync(new URL("../../docs/ERRORS-API.md", import.meta.url), "utf8");
    for (const [code, { status }] of Object.entries(ProblemCodes)) {
      expect(catalogue, code).to.match(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
    }
  });
});
