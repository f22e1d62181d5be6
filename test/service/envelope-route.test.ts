/**
 * The envelope fetch's node:http fast path (service/http/envelope-fast-path.ts) answers exactly
 * as the Express route does. Every case is asked twice of one stub app: without an Origin
 * header (the fast path takes it) and with one that is not a configured origin (Express takes
 * it, and adds nothing for an unknown origin) — status, body and every header but Date must be
 * equal. The stub counts what Express answered, so the comparison cannot be between two
 * Express answers.
 */
import { expect } from "chai";
import { ProblemError } from "../../service/internal/errors.js";
import type { Envelope } from "../../sdk/envelope.js";
import type { FetchAnswer, FetchRequest } from "../../service/http/serve.js";
import { startStubApp, type StubApp } from "../helpers/http-app.js";

const ENVELOPE: Envelope = {
  requestId: "7",
  datasetId: "3",
  version: 1,
  kind: 2,
  expiresAt: 1_900_000_000,
  keyId: 1,
  wrappedKey: `0x${"ab".repeat(129)}`,
  custodian: "0x00000000000000000000000000000000000000c5",
  signature: `0x${"11".repeat(64)}1b`,
};
const SIGNED = { "x-sealshare-issued-at": "1700000000", "x-sealshare-signature": `0x${"22".repeat(64)}1c` };
const ELSEWHERE = "https://not-configured.example"; // an Origin Express answers without CORS headers

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

async function ask(url: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, { headers });
  const all: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    // The counters' remaining-requests count moves by one between the two askings.
    if (k !== "date" && k !== "keep-alive" && k !== "connection") all[k] = k === "ratelimit" ? v.replace(/r=\d+/, "r=N") : v;
  });
  return { status: res.status, headers: all, text: await res.text() };
}

/** Requests the access metrics counted for the envelope route. */
async function counted(app: StubApp): Promise<number> {
  const m = await app.deps.metrics.registry.getSingleMetricAsString("sealshare_http_requests_total");
  return [...m.matchAll(/route="\/v1\/envelopes\/:requestId"[^}]*} (\d+)/g)].reduce((n, x) => n + Number(x[1]), 0);
}

async function bothWays(app: StubApp, path: string, headers: Record<string, string>): Promise<Answer> {
  const before = app.viaExpress();
  const fast = await ask(`${app.url}${path}`, headers);
  expect(app.viaExpress(), "the fast path answered").to.equal(before);
  const viaExpress = await ask(`${app.url}${path}`, { ...headers, origin: ELSEWHERE });
  expect(app.viaExpress(), "Express answered").to.equal(before + 1);
  expect(fast.status, fast.text).to.equal(viaExpress.status);
  expect(JSON.parse(fast.text)).to.deep.equal(JSON.parse(viaExpress.text));
  expect(fast.headers).to.deep.equal(viaExpress.headers);
  return fast;
}

describe("envelope fetch fast path", function () {
  this.timeout(30_000);
  let app: StubApp;
  let next: (req: FetchRequest) => Promise<FetchAnswer>;
  const seen: FetchRequest[] = [];

  before(async function () {
    app = await startStubApp(
      {
        readEnvelope: async (req) => {
          seen.push(req);
          await req.gate?.("0x00000000000000000000000000000000000000a1");
          return next(req);
        },
        sessions: {
          nonce: () => {
            throw new Error("unused");
          },
          signIn: async () => {
            throw new Error("unused");
          },
          resolve: async (token) => {
            if (token !== "good-token") throw new ProblemError("bad-session", "the session token is unknown, expired or logged out; sign in again");
            return { address: "0x00000000000000000000000000000000000000A1", expiresAt: 2_000_000_000 };
          },
          logout: async () => undefined,
        },
      },
      { corsOrigins: ["https://dapp.example.org"] },
    );
  });

  after(async function () {
    await app?.close();
  });

  it("a ready envelope: 200, the same body and headers as the Express route, counted once per answer", async function () {
    next = async () => ({ status: "ready", envelope: ENVELOPE });
    const before = await counted(app);
    const a = await bothWays(app, "/v1/envelopes/7", SIGNED);
    expect(a.status).to.equal(200);
    expect(JSON.parse(a.text)).to.deep.equal(ENVELOPE);
    expect(a.headers["content-type"]).to.equal("application/json; charset=utf-8");
    expect(a.headers["cache-control"]).to.equal("no-store");
    expect(a.headers["content-security-policy"]).to.contain("default-src 'none'");
    expect(a.headers["x-content-type-options"]).to.equal("nosniff");
    expect(a.headers.ratelimit).to.match(/^"account"; r=N; t=\d+$/);
    expect(await counted(app)).to.equal(before + 2);
    const last = seen.at(-1)!;
    expect(last.requestId).to.equal(7n);
    expect(last.credential).to.deep.equal({ kind: "signature", issuedAt: 1_700_000_000, signature: SIGNED["x-sealshare-signature"] });
  });

  it("not released yet: 202 with Retry-After", async function () {
    next = async (req) => ({ status: "pending", requestId: req.requestId.toString(), reason: "waiting-for-key", retryAfter: 3 });
    const a = await bothWays(app, "/v1/envelopes/8", SIGNED);
    expect(a.status).to.equal(202);
    expect(a.headers["retry-after"]).to.equal("3");
  });

  it("a session: the Bearer token resolves to its account, WWW-Authenticate as on the route", async function () {
    next = async () => ({ status: "ready", envelope: ENVELOPE });
    const a = await bothWays(app, "/v1/envelopes/7", { authorization: "Bearer good-token" });
    expect(a.status).to.equal(200);
    expect(a.headers["www-authenticate"]).to.contain("Bearer");
    expect(seen.at(-1)!.credential).to.deep.equal({ kind: "session", address: "0x00000000000000000000000000000000000000A1" });
    const bad = await bothWays(app, "/v1/envelopes/7", { authorization: "Bearer stale-token" });
    expect(bad.status).to.equal(401);
    expect(JSON.parse(bad.text)).to.include({ code: "bad-session", instance: "/v1/envelopes/7" });
  });

  it("refusals are the same problems: a thrown ProblemError, bad headers, both kinds of auth, none", async function () {
    next = async () => {
      throw new ProblemError("grant-revoked", "the grant is no longer valid (ConsentRevoked)", { reason: "ConsentRevoked" });
    };
    const revoked = await bothWays(app, "/v1/envelopes/9", SIGNED);
    expect(revoked.status).to.equal(410);
    expect(revoked.headers["content-type"]).to.equal("application/problem+json; charset=utf-8");
    expect(JSON.parse(revoked.text)).to.include({ code: "grant-revoked", reason: "ConsentRevoked", instance: "/v1/envelopes/9" });

    const calls = seen.length;
    const malformed = await bothWays(app, "/v1/envelopes/9", { "x-sealshare-issued-at": "soon", "x-sealshare-signature": "0x12" });
    expect(malformed.status).to.equal(400);
    expect(JSON.parse(malformed.text).errors.map((e: { path: string }) => e.path)).to.include.members(["x-sealshare-issued-at", "x-sealshare-signature"]);
    expect((await bothWays(app, "/v1/envelopes/9", { ...SIGNED, authorization: "Bearer good-token" })).status).to.equal(400);
    expect((await bothWays(app, "/v1/envelopes/9", {})).status).to.equal(400);
    expect((await bothWays(app, "/v1/envelopes/0", SIGNED)).status).to.equal(400); // request ids start at 1
    expect(seen.length, "nothing invalid reaches the reader").to.equal(calls);
  });

  it("an unexpected failure is a logged 500 without internals", async function () {
    next = async () => {
      throw new Error("database file is locked at /secret/path");
    };
    const a = await bothWays(app, "/v1/envelopes/10", SIGNED);
    expect(a.status).to.equal(500);
    expect(a.text).to.not.contain("/secret/path");
    expect(JSON.parse(a.text)).to.include({ code: "internal" });
    expect(app.logLines.filter((l) => l.includes("unhandled error")).length).to.be.greaterThan(1);
  });

  it("leaves to Express what it does not take: HEAD, other methods, query strings, odd paths", async function () {
    next = async () => ({ status: "ready", envelope: ENVELOPE });
    const before = app.viaExpress();
    const head = await fetch(`${app.url}/v1/envelopes/7`, { method: "HEAD", headers: SIGNED });
    expect(head.status).to.equal(200);
    const post = await fetch(`${app.url}/v1/envelopes/7`, { method: "POST", headers: SIGNED });
    expect(post.status).to.equal(405);
    expect((await ask(`${app.url}/v1/envelopes/7?x=1`, SIGNED)).status).to.equal(200);
    expect((await ask(`${app.url}/v1/envelopes/0x07`, SIGNED)).status).to.equal(400);
    expect((await ask(`${app.url}/v1/envelopes/7/`, SIGNED)).status).to.equal(200);
    expect(app.viaExpress()).to.equal(before + 5);
  });

  it("counts the per-IP limit like the route: over it, 429 rate-limited with Retry-After", async function () {
    const limited = await startStubApp({ readEnvelope: async () => ({ status: "ready", envelope: ENVELOPE }) }, { rateLimit: { ipPerMinute: 2, accountPerMinute: 1000 } });
    try {
      expect((await ask(`${limited.url}/v1/envelopes/7`, SIGNED)).status).to.equal(200);
      expect((await ask(`${limited.url}/v1/envelopes/7`, SIGNED)).status).to.equal(200);
      const over = await ask(`${limited.url}/v1/envelopes/7`, SIGNED);
      expect(over.status).to.equal(429);
      expect(JSON.parse(over.text)).to.include({ code: "rate-limited" });
      expect(Number(over.headers["retry-after"])).to.be.within(1, 60);
      const viaExpress = await ask(`${limited.url}/v1/envelopes/7`, { ...SIGNED, origin: ELSEWHERE });
      expect(viaExpress.status, "one counter for both paths").to.equal(429);
      expect(limited.viaExpress()).to.equal(1);
    } finally {
      await limited.close();
    }
  });

  it("behind a trusted proxy counts the client's address as Express does (X-Forwarded-For)", async function () {
    const proxied = await startStubApp(
      { readEnvelope: async () => ({ status: "ready", envelope: ENVELOPE }) },
      { trustProxy: 1, rateLimit: { ipPerMinute: 2, accountPerMinute: 1000 } },
    );
    try {
      const from = (client: string, extra: Record<string, string> = {}) => ask(`${proxied.url}/v1/envelopes/7`, { ...SIGNED, "x-forwarded-for": client, ...extra });
      expect((await from("203.0.113.7")).status).to.equal(200);
      expect((await from("203.0.113.7")).status).to.equal(200);
      expect((await from("203.0.113.7")).status, "the client's third request").to.equal(429);
      expect((await from("198.51.100.9")).status, "another client behind the same proxy").to.equal(200);
      expect(proxied.viaExpress(), "all of them on the fast path").to.equal(0);
      expect((await from("198.51.100.9", { origin: ELSEWHERE })).status, "Express counts the same bucket").to.equal(200);
      expect((await from("198.51.100.9", { origin: ELSEWHERE })).status).to.equal(429);
      expect(proxied.viaExpress()).to.equal(2);
    } finally {
      await proxied.close();
    }
  });
});
