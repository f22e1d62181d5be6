/**
 * The HTTP layer alone (service/http/app.ts) over stand-in stages, served on a free port: for
 * tests of what the layer itself does — routing, 404/405/413/415/429/500 problems, CORS,
 * security headers, rate limits, the OpenAPI document — without a chain. A stage a test does
 * not override throws if called (so an unexpected call is a visible 500).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createHttpApp, type HttpDeps } from "../../service/http/app.js";
import type { ApiOptions } from "../../service/http/config.js";
import { createEventBus } from "../../service/events/bus.js";
import { createLogger } from "../../service/internal/logger.js";
import { createMetrics } from "../../service/internal/metrics.js";

export interface StubApp {
  url: string;
  deps: HttpDeps;
  logLines: string[];
  close(): Promise<void>;
}

function unexpected(name: string) {
  return () => {
    throw new Error(`stage ${name} called unexpectedly`);
  };
}

export async function startStubApp(overrides: Partial<HttpDeps> = {}, options: Partial<ApiOptions> = {}): Promise<StubApp> {
  const logLines: string[] = [];
  const log = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    }),
  });
  const deps: HttpDeps = {
    identity: () => undefined,
    deposit: unexpected("deposit"),
    depositShare: unexpected("depositShare"),
    readEnvelope: unexpected("readEnvelope"),
    grantStatus: unexpected("grantStatus"),
    receipts: { receiptsOf: unexpected("receiptsOf"), proofForRelease: unexpected("proofForRelease") },
    sessions: { nonce: unexpected("nonce"), signIn: unexpected("signIn"), resolve: unexpected("resolve"), logout: unexpected("logout") },
    bus: createEventBus(),
    metrics: createMetrics({ defaultMetrics: false }),
    health: async () => ({ status: "ok", cursor: 0, chainTime: 0 }),
    readiness: unexpected("readiness"),
    log,
    ...overrides,
    options: { validateResponses: true, ...options },
  };
  const server: Server = createServer(createHttpApp(deps));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deps,
    logLines,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
