/**
 * GET /v1/envelopes/:requestId through the one Express app (service/http/app.ts): what clients
 * see — status, body and every header helmet, cors and the rate limits write — pinned exactly,
 * for the SDK's requests (no Origin), a configured dapp origin, an unknown origin and a CORS
 * preflight; answers, refusals (RFC 9457 problems), the per-IP limit behind a proxy, and the
 * access metrics. The headers the app replays for a request without an Origin are recorded from
 * helmet and cors at start-up, so a request from an unknown origin (which goes through cors
 * itself and gets nothing from it) must carry exactly the same.
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
const DAPP = "https://dapp.example.org";
const ELSEWHERE = "https://not-configured.example"; // an Origin cors answers with nothing

/** What helmet and cors write on every answer to a request without a configured Origin (dapp origins configured). */
const SECURITY_AND_CORS = {
  "access-control-expose-headers": "retry-after,ratelimit,ratelimit-policy,www-authenticate,allow",
  "content-security-policy": "default-src 'none';frame-ancestors 'none'",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "cross-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  vary: "Origin",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "SAMEORIGIN",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
};
const ACCOUNT_LIMIT = { ratelimit: '"account"; r=N; t=N', "ratelimit-policy": '"account"; q=120; w=60' };

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

async function ask(url: string, headers: Record<string, string>, method = "GET"): Promise<Answer> {
  const res = await fetch(url, { headers, method });
  const all: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    // The counters' remaining-requests count and seconds to reset move between askings.
    if (k !== "date" && k !== "keep-alive" && k !== "connection") all[k] = k === "ratelimit" ? v.replace(/r=\d+/, "r=N").replace(/t=\d+/, "t=N") : v;
  });
  return { status: res.status, headers: all, text: await res.text() };
}

/** Requests the access metrics counted for the envelope route, by status. */
async function counted(app: StubApp, status: number): Promise<number> {
  const m = await app.deps.metrics.registry.getSingleMetricAsString("sealshare_http_requests_total");
  const line = [...m.matchAll(/^sealshare_http_requests_total\{([^}]*)\} (\d+)$/gm)].find(
    (x) => x[1]!.includes('route="/v1/envelopes/:requestId"') && x[1]!.includes(`status="${status}"`) && x[1]!.includes('method="GET"'),
  );
  return line ? Number(line[2]) : 0;
}

describe("GET /v1/envelopes/:requestId (the Express route)", function () {
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
      { corsOrigins: [DAPP] },
    );
  });

  after(async function () {
    await app?.close();
  });

  it("a ready envelope: 200, the envelope, exactly helmet's, cors's, the limit's and the route's headers; counted once", async function () {
    next = async () => ({ status: "ready", envelope: ENVELOPE });
    const before = await counted(app, 200);
    const a = await ask(`${app.url}/v1/envelopes/7`, SIGNED);
    expect(a.status).to.equal(200);
    expect(JSON.parse(a.text)).to.deep.equal(ENVELOPE);
    expect(a.headers).to.deep.equal({
      ...SECURITY_AND_CORS,
      ...ACCOUNT_LIMIT,
      "cache-control": "no-store",
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength(JSON.stringify(ENVELOPE))),
    });
    expect(await counted(app, 200)).to.equal(before + 1);
    const last = seen.at(-1)!;
    expect(last.requestId).to.equal(7n);
    expect(last.credential).to.deep.equal({ kind: "signature", issuedAt: 1_700_000_000, signature: SIGNED["x-sealshare-signature"] });
  });

  it("the same answer again (its serialized body is reused): the same bytes", async function () {
    next = async () => ({ status: "ready", envelope: ENVELOPE });
    const a = await ask(`${app.url}/v1/envelopes/7`, SIGNED);
    const b = await ask(`${app.url}/v1/envelopes/7`, SIGNED);
    expect(b.text).to.equal(a.text);
    expect(b.text).to.equal(JSON.stringify(ENVELOPE));
  });

  it("from an unknown origin: exactly the headers of a request without one (cors itself adds nothing)", async function () {
    next = async () => ({ status: "ready", envelope: ENVELOPE });
    const without = await ask(`${app.url}/v1/envelopes/7`, SIGNED);
    const unknown = await ask(`${app.url}/v1/envelopes/7`, { ...SIGNED, origin: ELSEWHERE });
    expect(unknown.status).to.equal(200);
    expect(unknown.headers).to.deep.equal(without.headers);
    expect(unknown.text).to.equal(without.text);
  });

  it("from the dapp's origin: the same, plus Access-Control-Allow-Origin", async function () {
    next = async () => ({ status: "ready", envelope: ENVELOPE });
    const without = await ask(`${app.url}/v1/envelopes/7`, SIGNED);
    const dapp = await ask(`${app.url}/v1/envelopes/7`, { ...SIGNED, origin: DAPP });
    expect(dapp.status).to.equal(200);
    expect(dapp.headers).to.deep.equal({ ...without.headers, "access-control-allow-origin": DAPP });
  });

  it("a CORS preflight from the dapp: 204 with the allowed methods and headers", async function () {
    const pre = await ask(`${app.url}/v1/envelopes/7`, { origin: DAPP, "access-control-request-method": "GET", "access-control-request-headers": "x-sealshare-signature" }, "OPTIONS");
    expect(pre.status).to.equal(204);
    expect(pre.headers["access-control-allow-origin"]).to.equal(DAPP);
    expect(pre.headers["access-control-allow-methods"]).to.equal("GET,POST");
    expect(pre.headers["access-control-allow-headers"]).to.equal("content-type,authorization,x-sealshare-issued-at,x-sealshare-signature,last-event-id");
    expect(pre.headers["access-control-max-age"]).to.equal("600");
    expect(pre.headers["x-content-type-options"]).to.equal("nosniff");
  });

  it("not released yet: 202 with the pending answer and Retry-After", async function () {
    next = async (req) => ({ status: "pending", requestId: req.requestId.toString(), reason: "waiting-for-key", retryAfter: 3 });
    const a = await ask(`${app.url}/v1/envelopes/8`, SIGNED);
    expect(a.status).to.equal(202);
    expect(JSON.parse(a.text)).to.deep.equal({ status: "pending", requestId: "8", reason: "waiting-for-key", retryAfter: 3 });
    expect(a.headers).to.deep.equal({
      ...SECURITY_AND_CORS,
      ...ACCOUNT_LIMIT,
      "cache-control": "no-store",
      "retry-after": "3",
      "content-type": "application/json; charset=utf-8",
      "content-length": String(a.text.length),
    });
  });

  it("a session: the Bearer token resolves to its account, with WWW-Authenticate; an unknown token is 401 bad-session", async function () {
    next = async () => ({ status: "ready", envelope: ENVELOPE });
    const a = await ask(`${app.url}/v1/envelopes/7`, { authorization: "Bearer good-token" });
    expect(a.status).to.equal(200);
    expect(a.headers["www-authenticate"]).to.equal('Bearer realm="sealshare-custodian"');
    expect(seen.at(-1)!.credential).to.deep.equal({ kind: "session", address: "0x00000000000000000000000000000000000000A1" });
    const bad = await ask(`${app.url}/v1/envelopes/7`, { authorization: "Bearer stale-token" });
    expect(bad.status).to.equal(401);
    expect(bad.headers["content-type"]).to.equal("application/problem+json; charset=utf-8");
    expect(bad.headers["www-authenticate"]).to.equal('Bearer realm="sealshare-custodian"');
    expect(JSON.parse(bad.text)).to.deep.equal({
      type: "urn:sealshare:problem:bad-session",
      title: JSON.parse(bad.text).title,
      status: 401,
      detail: "the session token is unknown, expired or logged out; sign in again",
      code: "bad-session",
      instance: "/v1/envelopes/7",
    });
  });

  it("refusals are problems: a thrown ProblemError, bad headers, both kinds of auth, none, request id 0", async function () {
    next = async () => {
      throw new ProblemError("grant-revoked", "the grant is no longer valid (ConsentRevoked)", { reason: "ConsentRevoked" });
    };
    const revoked = await ask(`${app.url}/v1/envelopes/9`, SIGNED);
    expect(revoked.status).to.equal(410);
    expect(revoked.headers).to.deep.equal({
      ...SECURITY_AND_CORS,
      ...ACCOUNT_LIMIT,
      "content-type": "application/problem+json; charset=utf-8",
      "content-length": String(revoked.text.length),
    });
    expect(JSON.parse(revoked.text)).to.include({ code: "grant-revoked", reason: "ConsentRevoked", status: 410, instance: "/v1/envelopes/9" });

    const calls = seen.length;
    const malformed = await ask(`${app.url}/v1/envelopes/9`, { "x-sealshare-issued-at": "soon", "x-sealshare-signature": "0x12" });
    expect(malformed.status).to.equal(400);
    expect(JSON.parse(malformed.text).code).to.equal("invalid-request");
    expect(JSON.parse(malformed.text).errors.map((e: { path: string }) => e.path)).to.have.members(["x-sealshare-issued-at", "x-sealshare-signature"]);
    const both = await ask(`${app.url}/v1/envelopes/9`, { ...SIGNED, authorization: "Bearer good-token" });
    expect(both.status).to.equal(400);
    expect(JSON.parse(both.text).detail).to.equal("send either the signed-request headers or a Bearer session, not both");
    const none = await ask(`${app.url}/v1/envelopes/9`, {});
    expect(none.status).to.equal(400);
    expect(JSON.parse(none.text).detail).to.equal("this route needs a signed request or a session");
    const zero = await ask(`${app.url}/v1/envelopes/0`, SIGNED); // request ids start at 1
    expect(zero.status).to.equal(400);
    expect(JSON.parse(zero.text).errors[0]).to.include({ in: "path", path: "requestId" });
    expect(seen.length, "nothing invalid reaches the reader").to.equal(calls);
  });

  it("an unexpected failure is a logged 500 without internals", async function () {
    next = async () => {
      throw new Error("database file is locked at /secret/path");
    };
    const lines = app.logLines.length;
    const a = await ask(`${app.url}/v1/envelopes/10`, SIGNED);
    expect(a.status).to.equal(500);
    expect(a.text).to.not.contain("/secret/path");
    expect(JSON.parse(a.text)).to.include({ code: "internal", instance: "/v1/envelopes/10" });
    expect(app.logLines.slice(lines).filter((l) => l.includes("unhandled error")).length).to.equal(1);
  });

  it("HEAD answers the GET's headers without a body; other methods 405; query strings, trailing slash and odd ids as Express routes them", async function () {
    next = async () => ({ status: "ready", envelope: ENVELOPE });
    const head = await fetch(`${app.url}/v1/envelopes/7`, { method: "HEAD", headers: SIGNED });
    expect(head.status).to.equal(200);
    expect(head.headers.get("content-length")).to.equal(String(Buffer.byteLength(JSON.stringify(ENVELOPE))));
    expect(await head.text()).to.equal("");
    const post = await ask(`${app.url}/v1/envelopes/7`, SIGNED, "POST");
    expect(post.status).to.equal(405);
    expect(post.headers.allow).to.equal("GET, HEAD");
    expect((await ask(`${app.url}/v1/envelopes/7?x=1`, SIGNED)).status).to.equal(200);
    expect((await ask(`${app.url}/v1/envelopes/0x07`, SIGNED)).status).to.equal(400);
    expect((await ask(`${app.url}/v1/envelopes/7/`, SIGNED)).status).to.equal(200);
  });

  it("counts the per-IP limit: over it, 429 rate-limited with Retry-After, before the reader is asked", async function () {
    let reads = 0;
    const limited = await startStubApp(
      {
        readEnvelope: async () => {
          reads++;
          return { status: "ready", envelope: ENVELOPE };
        },
      },
      { rateLimit: { ipPerMinute: 2, accountPerMinute: 1000 } },
    );
    try {
      const first = await ask(`${limited.url}/v1/envelopes/7`, SIGNED);
      expect(first.status).to.equal(200);
      expect(first.headers["ratelimit-policy"]).to.equal('"ip"; q=2; w=60');
      expect((await ask(`${limited.url}/v1/envelopes/7`, SIGNED)).status).to.equal(200);
      const over = await ask(`${limited.url}/v1/envelopes/7`, SIGNED);
      expect(over.status).to.equal(429);
      expect(JSON.parse(over.text)).to.include({ code: "rate-limited" });
      expect(Number(over.headers["retry-after"])).to.be.within(1, 60);
      expect(over.headers.ratelimit).to.equal('"ip"; r=N; t=N');
      expect(reads).to.equal(2);
      const fromBrowser = await ask(`${limited.url}/v1/envelopes/7`, { ...SIGNED, origin: ELSEWHERE });
      expect(fromBrowser.status, "one counter per client address, whatever the Origin").to.equal(429);
    } finally {
      await limited.close();
    }
  });

  it("behind a trusted proxy counts the client's address (X-Forwarded-For)", async function () {
    const proxied = await startStubApp(
      { readEnvelope: async () => ({ status: "ready", envelope: ENVELOPE }) },
      { trustProxy: 1, rateLimit: { ipPerMinute: 2, accountPerMinute: 1000 } },
    );
    try {
      const from = (client: string) => ask(`${proxied.url}/v1/envelopes/7`, { ...SIGNED, "x-forwarded-for": client });
      expect((await from("203.0.113.7")).status).to.equal(200);
      expect((await from("203.0.113.7")).status).to.equal(200);
      expect((await from("203.0.113.7")).status, "the client's third request").to.equal(429);
      expect((await from("198.51.100.9")).status, "another client behind the same proxy").to.equal(200);
    } finally {
      await proxied.close();
    }
  });
});
