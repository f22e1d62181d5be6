/**
 * Operations routes: liveness, readiness, Prometheus metrics, the OpenAPI document. Not rate
 * limited per IP except the document (probes come from the load balancer and the scraper).
 */
import { z } from "zod";
import { ProblemError } from "../../internal/errors.js";
import { defineRoute, type AnyRoute } from "../registry.js";
import { HealthSchema, ReadinessSchema } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

export function opsRoutes(deps: RouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/healthz",
      operationId: "health",
      summary: "Liveness: the process answers",
      description: "Never touches the chain; answers while the RPC endpoint is down. `starting` until the startup checks pass.",
      tags: ["operations"],
      request: {},
      responses: { 200: { description: "alive", schema: HealthSchema } },
      problems: [],
      rateLimited: false,
      async handler(_input, _req, res) {
        res.set("Cache-Control", "no-store").json(await deps.health());
      },
    }),
    defineRoute({
      method: "get",
      path: "/readyz",
      operationId: "readiness",
      summary: "Readiness: startup done, database and chain reachable, ingestion caught up",
      description:
        "503 `not-ready` names the failed checks (`failed`, and `checks` with details). The chain probe has a short " +
        "timeout (SEALSHARE_READY_CHAIN_TIMEOUT_MS) and its result is reused for a second, so polling this route never " +
        "becomes a chain call per request.",
      tags: ["operations"],
      request: {},
      responses: { 200: { description: "ready", schema: ReadinessSchema } },
      problems: ["not-ready"],
      rateLimited: false,
      async handler(_input, _req, res) {
        const r = await deps.readiness();
        res.set("Cache-Control", "no-store");
        if (!r.ready) {
          const failed = Object.entries(r.checks)
            .filter(([, c]) => !c.ok)
            .map(([name]) => name);
          throw new ProblemError("not-ready", `failed checks: ${failed.join(", ")}`, { failed, checks: r.checks });
        }
        res.json({ status: "ready", checks: r.checks });
      },
    }),
    defineRoute({
      method: "get",
      path: "/metrics",
      operationId: "metrics",
      summary: "Prometheus metrics (text exposition format)",
      description: "See docs/OPERATIONS.md for what each metric means. Expose it to the scraper only.",
      tags: ["operations"],
      request: {},
      responses: { 200: { description: "metrics", schema: z.string(), contentType: "text/plain; version=0.0.4; charset=utf-8" } },
      problems: [],
      rateLimited: false,
      async handler(_input, _req, res) {
        const { contentType, body } = await deps.metrics.render();
        res.set("Cache-Control", "no-store").type(contentType).send(body);
      },
    }),
    defineRoute({
      method: "get",
      path: "/openapi.json",
      operationId: "openapi",
      summary: "This API's OpenAPI 3.1 document",
      tags: ["operations"],
      request: {},
      responses: { 200: { description: "the document", schema: z.looseObject({ openapi: z.string() }) } },
      problems: [],
      handler(_input, _req, res) {
        res.json(deps.openapi());
      },
    }),
  ];
}
