/**
 * The HTTP JSON API adapter against a real local HTTP server (127.0.0.1, free port): URL
 * template, credentials from the environment, JSON / wrapped JSON / NDJSON bodies, retries with
 * back-off on 5xx, no retry on 4xx, 404 as "no data", time limit, size limit (announced and
 * streamed), malformed bodies. No assertion depends on how long anything took.
 */
import { expect } from "chai";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpSource, type HttpSourceSettings } from "../../../sdk/sources/http.js";
import { ANA, collect, expectSourceError, pullOf } from "./helpers.js";

const TOKEN = "Bearer s3cr3t-t0ken-value";
const RECORDS = [
  { ticker: "ACME", quantity: 10, price: "12.50" },
  { ticker: "GLOBX", quantity: 3, lots: [{ at: "2025-01-02", n: 3 }] },
];

describe("data sources: HTTP JSON API", function () {
  this.timeout(30_000);
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();
  let lastHeaders: IncomingMessage["headers"] = {};

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    const [, kind, subject] = url.pathname.split("/");
    hits.set(kind!, (hits.get(kind!) ?? 0) + 1);
    lastHeaders = req.headers;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    switch (kind) {
      case "holdings":
        if (subject !== ANA.toLowerCase()) return json(404, { error: "unknown client" });
        if (req.headers.authorization !== TOKEN) return json(401, { error: "no" });
        return json(200, RECORDS);
      case "wrapped":
        return json(200, { data: { items: RECORDS, next: null } });
      case "ndjson":
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        return void res.end(RECORDS.map((r) => JSON.stringify(r)).join("\n") + "\n");
      case "always-500":
        return json(500, { error: "boom" });
      case "flaky": // 503 twice, then fine
        return (hits.get("flaky") ?? 0) <= 2 ? json(503, { error: "busy" }) : json(200, RECORDS);
      case "forbidden":
        return json(403, { error: "no" });
      case "moved":
        res.writeHead(302, { location: `http://127.0.0.1:9/elsewhere/${subject}` });
        return void res.end();
      case "silent": // accepts the request and never answers
        return;
      case "announced-big":
        res.writeHead(200, { "content-type": "application/json", "content-length": String(10 * 1024 * 1024) });
        return void res.write("[");
      case "streamed-big": {
        res.writeHead(200, { "content-type": "application/json" }); // chunked: no length announced
        const piece = JSON.stringify({ pad: "x".repeat(1000) });
        res.write("[" + piece);
        for (let i = 0; i < 200; i++) res.write("," + piece);
        return void res.end("]");
      }
      case "not-json":
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end("<html>maintenance</html>");
      case "not-array":
        return json(200, { items: "nope" });
      case "not-records":
        return json(200, [1, 2]);
      case "bad-ndjson":
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        return void res.end('{"a":1}\n{oops}\n');
      default:
        return json(404, {});
    }
  }

  before(async () => {
    server = createServer(route);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => hits.clear());

  const source = (over: Partial<HttpSourceSettings> & { url: string }, env: NodeJS.ProcessEnv = {}) => new HttpSource({ type: "http", backoffMs: 1, ...over }, { env });

  it("GETs the URL for the subject with credentials from the environment and returns its records", async () => {
    const s = source({ url: `${base}/holdings/{subject}?category={category}`, headersFromEnv: { authorization: "PLATFORM_TOKEN" }, headers: { "x-client": "sealshare" } }, { PLATFORM_TOKEN: TOKEN });
    expect(await collect(s, pullOf(ANA, { category: 2 }))).to.deep.equal(RECORDS);
    expect(lastHeaders).to.include({ authorization: TOKEN, "x-client": "sealshare", accept: "application/json" });
    expect(s.name).to.not.include("category=");
    expect(s.name).to.not.include(TOKEN);
  });

  it("reads the array at `recordsAt` of a wrapped answer, and NDJSON bodies", async () => {
    expect(await collect(source({ url: `${base}/wrapped/{subject}`, recordsAt: "data.items" }), pullOf(ANA))).to.deep.equal(RECORDS);
    expect(await collect(source({ url: `${base}/ndjson/{subject}`, format: "ndjson" }), pullOf(ANA))).to.deep.equal(RECORDS);
  });

  it("retries 5xx with back-off and succeeds when the API recovers", async () => {
    expect(await collect(source({ url: `${base}/flaky/{subject}`, retries: 3 }), pullOf(ANA))).to.deep.equal(RECORDS);
    expect(hits.get("flaky")).to.equal(3);
  });

  it("gives up after `retries` on a persistent 500 (SOURCE_HTTP_STATUS, retryable for a later round)", async () => {
    const err = await expectSourceError(() => collect(source({ url: `${base}/always-500/{subject}`, retries: 2 }), pullOf(ANA)), "SOURCE_HTTP_STATUS", true);
    expect(hits.get("always-500")).to.equal(3);
    expect(err.details).to.include({ status: 500, attempts: 3 });
    expect(err.message).to.include("HTTP 500");
  });

  it("does not retry a 4xx: 404 is SOURCE_NO_DATA, 401/403 SOURCE_HTTP_STATUS with a hint about credentials", async () => {
    await expectSourceError(() => collect(source({ url: `${base}/holdings/{subject}`, retries: 3 }, {}), pullOf("0x000000000000000000000000000000000000dEaD")), "SOURCE_NO_DATA", false);
    expect(hits.get("holdings")).to.equal(1);
    const forbidden = await expectSourceError(() => collect(source({ url: `${base}/forbidden/{subject}`, retries: 3 }), pullOf(ANA)), "SOURCE_HTTP_STATUS", false);
    expect(hits.get("forbidden")).to.equal(1);
    expect(forbidden.hint).to.match(/credentials/);
    // A redirect is not followed: the credentials stay with the configured host.
    const moved = await expectSourceError(() => collect(source({ url: `${base}/moved/{subject}`, headersFromEnv: { authorization: "T" } }, { T: TOKEN }), pullOf(ANA)), "SOURCE_HTTP_STATUS", false);
    expect(moved.details).to.include({ status: 302 });
    expect(moved.hint).to.match(/redirect/);
  });

  it("SOURCE_TIMEOUT when the API does not answer within timeoutMs", async () => {
    const err = await expectSourceError(() => collect(source({ url: `${base}/silent/{subject}`, timeoutMs: 300, retries: 0 }), pullOf(ANA)), "SOURCE_TIMEOUT", true);
    expect(err.message).to.include("300 ms");
  });

  it("SOURCE_TOO_LARGE for a body over maxBytes, announced by Content-Length or only seen while streaming", async () => {
    await expectSourceError(() => collect(source({ url: `${base}/announced-big/{subject}`, maxBytes: 64 * 1024 }), pullOf(ANA)), "SOURCE_TOO_LARGE", false);
    await expectSourceError(() => collect(source({ url: `${base}/streamed-big/{subject}`, maxBytes: 64 * 1024 }), pullOf(ANA)), "SOURCE_TOO_LARGE", false);
    expect(await collect(source({ url: `${base}/streamed-big/{subject}`, maxBytes: 1024 * 1024 }), pullOf(ANA))).to.have.length(201);
  });

  it("SOURCE_BAD_DATA for a body that is not JSON, not an array, not records, or malformed NDJSON", async () => {
    await expectSourceError(() => collect(source({ url: `${base}/not-json/{subject}` }), pullOf(ANA)), "SOURCE_BAD_DATA", false);
    const notArray = await expectSourceError(() => collect(source({ url: `${base}/not-array/{subject}`, recordsAt: "items" }), pullOf(ANA)), "SOURCE_BAD_DATA", false);
    expect(notArray.message).to.include('"items"');
    const bad = await expectSourceError(() => collect(source({ url: `${base}/bad-ndjson/{subject}`, format: "ndjson" }), pullOf(ANA)), "SOURCE_BAD_DATA", false);
    expect(bad.message).to.include("line 2");
    // Non-object entries pass the adapter and are refused by the normalizer (normalize.test.ts).
    expect(await collect(source({ url: `${base}/not-records/{subject}` }), pullOf(ANA))).to.deep.equal([1, 2]);
  });

  it("SOURCE_UNAVAILABLE (retryable) when nothing listens; SOURCE_ABORTED when cancelled", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expectSourceError(() => collect(source({ url: `http://127.0.0.1:${port}/x/{subject}`, retries: 1 }), pullOf(ANA)), "SOURCE_UNAVAILABLE", true);
    const controller = new AbortController();
    const pending = collect(source({ url: `${base}/silent/{subject}`, timeoutMs: 60_000, retries: 0 }), pullOf(ANA, { signal: controller.signal }));
    setImmediate(() => controller.abort());
    await expectSourceError(() => pending, "SOURCE_ABORTED");
  });

  it("refuses invalid settings with SOURCE_CONFIG_INVALID, never echoing a credential", async () => {
    await expectSourceError(() => source({ url: `${base}/holdings` }), "SOURCE_CONFIG_INVALID"); // no {subject}
    await expectSourceError(() => source({ url: "ftp://example.org/{subject}" }), "SOURCE_CONFIG_INVALID");
    await expectSourceError(() => source({ url: `${base}/{subject}/{nope}` }), "SOURCE_CONFIG_INVALID");
    await expectSourceError(() => source({ url: `${base}/{subject}`, timeoutMs: 5 }), "SOURCE_CONFIG_INVALID");
    await expectSourceError(() => source({ url: `${base}/{subject}`, format: "ndjson", recordsAt: "data" }), "SOURCE_CONFIG_INVALID");
    const missing = await expectSourceError(() => source({ url: `${base}/{subject}`, headersFromEnv: { authorization: "PLATFORM_TOKEN" } }, {}), "SOURCE_CONFIG_INVALID");
    expect(missing.message).to.include("PLATFORM_TOKEN");
    const err = await expectSourceError(() => collect(source({ url: `${base}/forbidden/{subject}`, headersFromEnv: { authorization: "T" } }, { T: TOKEN }), pullOf(ANA)), "SOURCE_HTTP_STATUS");
    expect(JSON.stringify({ m: err.message, d: err.details, h: err.hint })).to.not.include("s3cr3t");
  });
});
