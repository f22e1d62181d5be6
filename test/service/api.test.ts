/**
 * The HTTP API's own behaviour: RFC 9457 problems for every failure (404, 405, 413, 415, 429,
 * 500 without internals), security headers, CORS for the configured dapp origins only, rate
 * limits per IP and per account, answers checked against the documented schemas; then grant
 * status on a real chain for the requester, the subject and the provider.
 */
import { expect } from "chai";
import { hexlify, randomBytes, type TypedDataDomain, type Wallet } from "ethers";
import { custodianDomain, ENVELOPE_REQUEST_TYPES, GRANT_STATUS_REQUEST_TYPES } from "../../sdk/eip712.js";
import { loadConfig } from "../../service/internal/config.js";
import { FatalError, ProblemError } from "../../service/internal/errors.js";
import type { GrantStatus } from "../../service/http/serve.js";
import { startStubApp } from "../helpers/http-app.js";
import { createWorld, eventually, type RunningCustodian, type World } from "../../devkit/world.js";

const DAPP = "https://dapp.example.org";
type Answer = { status: number; headers: Headers; body: any; text: string };

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

function expectProblem(a: Answer, status: number, code: string) {
  expect(a.status, a.text).to.equal(status);
  expect(a.headers.get("content-type")).to.match(/^application\/problem\+json/);
  expect(a.body).to.include({ status, code, type: `urn:sealshare:problem:${code}` });
  expect(a.body.title).to.be.a("string");
  expect(a.body.detail).to.be.a("string");
}

describe("HTTP API", function () {
  this.timeout(60_000);

  describe("the HTTP layer (no chain)", function () {
    it("answers 404 not-found for an unknown route, as a problem", async function () {
      const app = await startStubApp();
      try {
        expectProblem(await call(`${app.url}/v2/nothing`), 404, "not-found");
        expectProblem(await call(`${app.url}/`), 404, "not-found");
      } finally {
        await app.close();
      }
    });

    it("answers 405 method-not-allowed with Allow for a known path and another method", async function () {
      const app = await startStubApp();
      try {
        const a = await call(`${app.url}/v1/envelopes/1`, { method: "POST" });
        expectProblem(a, 405, "method-not-allowed");
        expect(a.headers.get("allow")).to.equal("GET, HEAD");
        const b = await call(`${app.url}/v1/keys`, { method: "GET" });
        expectProblem(b, 405, "method-not-allowed");
        expect(b.headers.get("allow")).to.equal("POST");
        expectProblem(await call(`${app.url}/healthz`, { method: "DELETE" }), 405, "method-not-allowed");
      } finally {
        await app.close();
      }
    });

    it("answers 413 for a body over 64 kB, 415 for a non-JSON body, 400 for broken JSON", async function () {
      const app = await startStubApp();
      try {
        const big = JSON.stringify({ datasetId: "1", pad: "x".repeat(70_000) });
        expectProblem(await call(`${app.url}/v1/keys`, { method: "POST", headers: { "content-type": "application/json" }, body: big }), 413, "payload-too-large");
        expectProblem(await call(`${app.url}/v1/auth/siwe`, { method: "POST", headers: { "content-type": "application/json" }, body: big }), 413, "payload-too-large");
        expectProblem(await call(`${app.url}/v1/keys`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }), 415, "unsupported-media-type");
        expectProblem(await call(`${app.url}/v1/keys`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" }), 400, "invalid-request");
        const schema = await call(`${app.url}/v1/keys`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        expectProblem(schema, 400, "invalid-request");
        expect(schema.body.errors.map((e: { path: string }) => e.path)).to.include.members(["datasetId", "signature"]);
        expect(schema.body.errors[0].in).to.equal("body");
      } finally {
        await app.close();
      }
    });

    it("answers 500 internal without leaking the error, and logs it", async function () {
      const secret = hexlify(randomBytes(32));
      const app = await startStubApp({
        deposit: async () => {
          throw new Error(`database exploded near ${secret} at /srv/custodian/db.ts:42`);
        },
      });
      try {
        const body = { datasetId: "1", version: 1, wrappedKey: `0x${"04".repeat(97)}`, issuedAt: 1, signature: `0x${"11".repeat(65)}` };
        const a = await call(`${app.url}/v1/keys`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        expectProblem(a, 500, "internal");
        expect(a.text).to.not.contain("exploded").and.not.contain(secret.slice(2)).and.not.contain("db.ts").and.not.contain("at ");
        const logged = app.logLines.join("");
        expect(logged).to.contain("unhandled error").and.contain("exploded");
        expect(logged).to.not.contain(secret.slice(2));
      } finally {
        await app.close();
      }
    });

    it("checks its JSON answers against the documented schemas (a mismatch is a 500)", async function () {
      const app = await startStubApp({ grantStatus: async () => ({ requestId: "1", status: "bogus" }) as unknown as GrantStatus });
      try {
        const a = await call(`${app.url}/v1/grants/1`, { headers: { "x-sealshare-issued-at": "1", "x-sealshare-signature": `0x${"11".repeat(65)}` } });
        expectProblem(a, 500, "internal");
        expect(app.logLines.join("")).to.contain("does not match the API document");
      } finally {
        await app.close();
      }
    });

    it("sets security headers (helmet) and no X-Powered-By", async function () {
      const app = await startStubApp();
      try {
        const a = await call(`${app.url}/healthz`);
        expect(a.status).to.equal(200);
        expect(a.headers.get("x-content-type-options")).to.equal("nosniff");
        expect(a.headers.get("content-security-policy")).to.contain("default-src 'none'");
        expect(a.headers.get("strict-transport-security")).to.match(/max-age=\d+/);
        expect(a.headers.get("x-frame-options")).to.equal("SAMEORIGIN");
        expect(a.headers.get("referrer-policy")).to.equal("no-referrer");
        expect(a.headers.get("x-powered-by")).to.equal(null);
        // Problems too.
        expect((await call(`${app.url}/nope`)).headers.get("x-content-type-options")).to.equal("nosniff");
      } finally {
        await app.close();
      }
    });

    it("allows CORS for the configured dapp origin only", async function () {
      const app = await startStubApp({}, { corsOrigins: [DAPP] });
      try {
        const ok = await call(`${app.url}/healthz`, { headers: { origin: DAPP } });
        expect(ok.headers.get("access-control-allow-origin")).to.equal(DAPP);
        expect(ok.headers.get("access-control-expose-headers")).to.contain("retry-after");
        const evil = await call(`${app.url}/healthz`, { headers: { origin: "https://evil.example" } });
        expect(evil.status).to.equal(200);
        expect(evil.headers.get("access-control-allow-origin")).to.equal(null);

        const preflight = await call(`${app.url}/v1/envelopes/1`, {
          method: "OPTIONS",
          headers: { origin: DAPP, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
        });
        expect(preflight.status).to.equal(204);
        expect(preflight.headers.get("access-control-allow-origin")).to.equal(DAPP);
        expect(preflight.headers.get("access-control-allow-headers")).to.contain("authorization").and.contain("x-sealshare-signature");
        const evilPreflight = await call(`${app.url}/v1/envelopes/1`, {
          method: "OPTIONS",
          headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
        });
        expect(evilPreflight.headers.get("access-control-allow-origin")).to.equal(null);
      } finally {
        await app.close();
      }
      const closed = await startStubApp();
      try {
        expect((await call(`${closed.url}/healthz`, { headers: { origin: DAPP } })).headers.get("access-control-allow-origin")).to.equal(null);
      } finally {
        await closed.close();
      }
    });

    it("rate-limits per IP: 429 rate-limited with Retry-After; probes are not limited", async function () {
      const app = await startStubApp({ identity: () => ({ address: "0x0000000000000000000000000000000000000001", chainId: "1", ledger: "0x0000000000000000000000000000000000000002", encryptionKey: `0x02${"11".repeat(32)}`, keyId: 1 }) }, { rateLimit: { ipPerMinute: 3, accountPerMinute: 100 } });
      try {
        for (let i = 0; i < 3; i++) expect((await call(`${app.url}/v1/custodian`)).status).to.equal(200);
        const limited = await call(`${app.url}/v1/custodian`);
        expectProblem(limited, 429, "rate-limited");
        expect(Number(limited.headers.get("retry-after"))).to.be.within(1, 60);
        expect(limited.body.retryAfter).to.be.within(1, 60);
        expect(limited.headers.get("ratelimit-policy")).to.contain("q=3");
        for (let i = 0; i < 10; i++) expect((await call(`${app.url}/healthz`)).status).to.equal(200);
      } finally {
        await app.close();
      }
    });

    it("rate-limits per account once the caller is authenticated", async function () {
      const status: GrantStatus = {
        requestId: "1", datasetId: "2", requester: "0x0000000000000000000000000000000000000003", status: "requested", kind: "none",
        version: null, expiresAt: null, released: [], reason: null, paused: false, caller: "requester",
      };
      const app = await startStubApp(
        {
          grantStatus: async (req) => {
            await req.gate?.(status.requester);
            return status;
          },
        },
        { rateLimit: { ipPerMinute: 1000, accountPerMinute: 2 } },
      );
      try {
        const h = { "x-sealshare-issued-at": "1", "x-sealshare-signature": `0x${"11".repeat(65)}` };
        expect((await call(`${app.url}/v1/grants/1`, { headers: h })).status).to.equal(200);
        expect((await call(`${app.url}/v1/grants/1`, { headers: h })).status).to.equal(200);
        expectProblem(await call(`${app.url}/v1/grants/1`, { headers: h }), 429, "rate-limited");
      } finally {
        await app.close();
      }
    });

    it("refuses a request that sends both kinds of credentials, or half of one (400)", async function () {
      const app = await startStubApp();
      try {
        const sig = { "x-sealshare-issued-at": "1", "x-sealshare-signature": `0x${"11".repeat(65)}` };
        expectProblem(await call(`${app.url}/v1/envelopes/1`, { headers: { ...sig, authorization: "Bearer abc" } }), 400, "invalid-request");
        expectProblem(await call(`${app.url}/v1/envelopes/1`, { headers: { "x-sealshare-issued-at": "1" } }), 400, "invalid-request");
        expectProblem(await call(`${app.url}/v1/grants/1`, {}), 400, "invalid-request");
        expectProblem(await call(`${app.url}/v1/envelopes/1`, { headers: { authorization: "Basic Zm9vOmJhcg==" } }), 400, "invalid-request");
        const noSession = await call(`${app.url}/v1/events`);
        expectProblem(noSession, 401, "unauthenticated");
        expect(noSession.headers.get("www-authenticate")).to.match(/^Bearer/);
      } finally {
        await app.close();
      }
    });

    it("reads its settings from the one configuration schema, naming every bad variable", function () {
      const base = {
        SEALSHARE_RPC_URL: "http://127.0.0.1:8545",
        SEALSHARE_DEPLOYMENT: "d.json",
        SEALSHARE_CUSTODIAN_KEY: `0x${"11".repeat(32)}`,
        SEALSHARE_ECIES_KEY: `0x${"22".repeat(32)}`,
        SEALSHARE_MASTER_KEY: `0x${"33".repeat(32)}`,
      };
      const c = loadConfig({
        ...base,
        SEALSHARE_CORS_ORIGINS: `${DAPP}, http://localhost:5173`,
        SEALSHARE_TRUST_PROXY: "1",
        SEALSHARE_RATE_LIMIT_IP_PER_MIN: "50",
        SEALSHARE_SESSION_TTL_SECONDS: "600",
        SEALSHARE_READY_MAX_LAG_BLOCKS: "5",
        SEALSHARE_RATE_LIMIT_SIGNIN_PER_MIN: "7",
        SEALSHARE_SERVE_MAX_STALE_SECONDS: "12",
        SEALSHARE_SERVE_MAX_BEHIND_BLOCKS: "3",
      });
      expect(c.api.corsOrigins).to.deep.equal([DAPP, "http://localhost:5173"]);
      expect(c.api).to.deep.include({ trustProxy: 1, sessionTtlSeconds: 600 });
      expect(c.api.rateLimit).to.deep.equal({ ipPerMinute: 50, accountPerMinute: 120, signInPerMinute: 7 });
      expect(c.api.freshness).to.deep.equal({ maxStaleSeconds: 12, maxBehindBlocks: 3 });
      expect(c.api.readiness.maxLagBlocks).to.equal(5);
      expect(loadConfig(base).api.corsOrigins).to.deep.equal([]);
      try {
        loadConfig({ ...base, SEALSHARE_CORS_ORIGINS: "https://dapp.example.org/app", SEALSHARE_RATE_LIMIT_ACCOUNT_PER_MIN: "0", SEALSHARE_PUBLIC_URL: "ftp://x" });
        expect.fail("accepted");
      } catch (err) {
        expect(err).to.be.instanceOf(FatalError);
        const msg = (err as Error).message;
        for (const v of ["SEALSHARE_CORS_ORIGINS", "SEALSHARE_RATE_LIMIT_ACCOUNT_PER_MIN", "SEALSHARE_PUBLIC_URL"]) expect(msg).to.contain(v);
        expect(msg).to.not.contain("33".repeat(32));
      }
    });

    it("maps a thrown ProblemError to its status, with its extension members", async function () {
      const app = await startStubApp({
        readEnvelope: async () => {
          throw new ProblemError("grant-revoked", "the grant is no longer valid (ConsentRevoked)", { reason: "ConsentRevoked" });
        },
      });
      try {
        const a = await call(`${app.url}/v1/envelopes/9`, { headers: { "x-sealshare-issued-at": "1", "x-sealshare-signature": `0x${"11".repeat(65)}` } });
        expectProblem(a, 410, "grant-revoked");
        expect(a.body).to.include({ reason: "ConsentRevoked", instance: "/v1/envelopes/9" });
      } finally {
        await app.close();
      }
    });
  });

  describe("grant status (real chain)", function () {
    let world: World;
    let svc: RunningCustodian;
    let domain: TypedDataDomain;
    let custodianKey: string;
    let issued = Math.floor(Date.now() / 1000) - 200; // distinct issuedAt per signed call

    before(async function () {
      world = await createWorld();
      svc = await world.startCustodian({ api: { validateResponses: true } });
      domain = custodianDomain(BigInt(world.deployment.chainId), world.deployment.ledger);
      custodianKey = (await svc.client.info()).encryptionKey;
    });

    after(async function () {
      await svc?.stop();
      await world?.close();
    });

    async function statusAs(who: Wallet, requestId: bigint, issuedAt = (issued = Math.max(issued + 1, Math.floor(Date.now() / 1000) - 200)), types = GRANT_STATUS_REQUEST_TYPES): Promise<Answer> {
      const signature = await who.signTypedData(domain, types, { requestId, issuedAt });
      return call(`${svc.url}/v1/grants/${requestId}`, { headers: { "x-sealshare-issued-at": String(issuedAt), "x-sealshare-signature": signature } });
    }

    async function statusUntil(requestId: bigint, want: (s: GrantStatus) => boolean, what: string): Promise<GrantStatus> {
      // Every signed call spends one issuedAt second and counts against the per-IP limit, so poll
      // at a pace that neither runs issuedAt past the allowed skew nor trips the limit when a
      // loaded machine makes ingestion slow.
      return eventually(async () => {
        const a = await statusAs(world.accounts.insurer, requestId);
        return a.status === 200 && want(a.body as GrantStatus) ? (a.body as GrantStatus) : undefined;
      }, what, 60_000, 500);
    }

    it("follows a request from requested to granted, released and revoked", async function () {
      const ds = await world.registerDataset();
      const { terms } = await world.consent(ds.datasetId);
      const requestId = await world.request(terms, ds.datasetId);
      const requested = await statusUntil(requestId, (s) => s.status === "requested", "requested");
      expect(requested).to.include({ kind: "none", expiresAt: null, caller: "requester", requester: world.accounts.insurer.address, datasetId: ds.datasetId.toString() });

      await world.approveByProvider(requestId);
      await world.approveBySupervisor(requestId);
      const waiting = await statusUntil(requestId, (s) => s.reason === "waiting-for-key", "waiting for the key");
      expect(waiting).to.include({ status: "granted", kind: "formal" });
      expect(waiting.expiresAt).to.be.greaterThan(await world.chainNow());

      await svc.client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: ds.version, dek: ds.dek, custodianKey });
      const released = await statusUntil(requestId, (s) => s.status === "released", "released");
      expect(released.released).to.have.length(1);
      expect(released.released[0]).to.include({ kind: "formal" });
      expect(released.released[0]!.envelopeHash).to.match(/^0x[0-9a-f]{64}$/);

      await (await world.as(world.accounts.sup).revokeGrant(requestId, 3)).wait();
      const revoked = await statusUntil(requestId, (s) => s.status === "revoked", "revoked");
      expect(revoked.reason).to.equal("Revoked");
    });

    it("answers the subject and the provider too, and refuses anyone else (403 not-party)", async function () {
      const ds = await world.registerDataset();
      const { requestId } = await world.grantedRequest(ds);
      await statusUntil(requestId, (s) => s.status === "granted", "granted");
      const subject = await statusAs(world.accounts.ana, requestId);
      expect(subject.status, subject.text).to.equal(200);
      expect(subject.body.caller).to.equal("subject");
      const provider = await statusAs(world.accounts.bank, requestId);
      expect(provider.status, provider.text).to.equal(200);
      expect(provider.body.caller).to.equal("provider");
      expectProblem(await statusAs(world.accounts.mallory, requestId), 403, "not-party");
      expectProblem(await statusAs(world.accounts.lender, requestId), 403, "not-party");
    });

    it("refuses a replayed status request, and an envelope request's signature standing in for one", async function () {
      const ds = await world.registerDataset();
      const { requestId } = await world.grantedRequest(ds);
      await statusUntil(requestId, (s) => s.status === "granted", "granted");
      const at = ++issued;
      expect((await statusAs(world.accounts.insurer, requestId, at)).status).to.equal(200);
      const replay = await statusAs(world.accounts.insurer, requestId, at);
      expectProblem(replay, 401, "bad-signature");
      expect(replay.body.reason).to.equal("replayed");
      // The subject may use the same second: replay protection is per signer.
      expect((await statusAs(world.accounts.ana, requestId, at)).status).to.equal(200);
      // An EnvelopeRequest signature recovers another address under GrantStatusRequest.
      expectProblem(await statusAs(world.accounts.insurer, requestId, ++issued, ENVELOPE_REQUEST_TYPES), 403, "not-party");
    });

    it("answers 404 unknown-request for an id it never saw, and 400 for a malformed one", async function () {
      expectProblem(await statusAs(world.accounts.insurer, 987_654_321n), 404, "unknown-request");
      expectProblem(await call(`${svc.url}/v1/grants/0x10`, { headers: { authorization: "Bearer x" } }), 400, "invalid-request");
    });
  });
});
