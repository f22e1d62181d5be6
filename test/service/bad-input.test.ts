/**
 * Bad input, property-based (fast-check), against the custodian running as its own process on a
 * real chain: malformed hex, points off the curve in wrapped keys, random JSON, oversized bodies,
 * replayed / expired / other-chain signatures, forged sessions, random paths and methods. Every
 * answer must be the right 4xx problem — never a 5xx — and the process must keep answering
 * /healthz. By default 100 runs per property, and fewer (20–50) for the properties that sign or
 * unwrap with secp256k1 on every run (each costs a few hundred ms on a 2-core machine), so the
 * file stays near a minute; SEALSHARE_FAULTS_LONG=1 runs 1,000 (400 for the costly ones).
 */
import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBytes, hexlify, keccak256, randomBytes, type TypedDataDomain } from "ethers";
import { SiweMessage } from "siwe";
import { writeDeployment } from "../../sdk/deployment-file.js";
import { wrapKey } from "../../sdk/crypto/ecies.js";
import { custodianDomain, ENVELOPE_REQUEST_TYPES, GRANT_STATUS_REQUEST_TYPES, KEY_DEPOSIT_TYPES } from "../../sdk/eip712.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { startCustodianProcess, type CustodianProcess } from "../../devkit/custodian-process.js";
import { createWorld, eventually, type Dataset, type World } from "../../devkit/world.js";

const LONG = process.env.SEALSHARE_FAULTS_LONG === "1";
const RUNS = LONG ? 1000 : 100;
/** For properties whose every run signs or unwraps (secp256k1 in JS): bounded separately. */
const COSTLY = (n: number) => (LONG ? 400 : n);
const nowSec = () => Math.floor(Date.now() / 1000);

type Answer = { status: number; code?: string; reason?: string; type: string };

describe("bad input never breaks the custodian (property-based, real process)", function () {
  this.timeout(LONG ? 1_800_000 : 120_000);
  let world: World;
  let proc: CustodianProcess;
  let work: string;
  let domain: TypedDataDomain;
  let custodianKey: string;
  let ds: Dataset; // registered, key deposited, granted to the insurer
  let requestId: bigint;

  before(async function () {
    world = await createWorld();
    work = mkdtempSync(join(tmpdir(), "sealshare-bad-input-"));
    await writeDeployment(join(work, "deployment.json"), world.deployment);
    proc = await startCustodianProcess({
      rpcUrl: world.chain.url,
      deploymentPath: join(work, "deployment.json"),
      dbPath: join(work, "custodian.db"),
      logPath: join(work, "custodian.log"),
      custodianKey: world.chain.accounts[2]!,
      eciesKey: hexlify(world.secrets.eciesKey),
      masterKey: hexlify(world.secrets.masterKey),
      pollMs: 100,
      env: {
        SEALSHARE_RATE_LIMIT_IP_PER_MIN: "10000000",
        SEALSHARE_RATE_LIMIT_ACCOUNT_PER_MIN: "10000000",
        SEALSHARE_CORS_ORIGINS: "https://dapp.example.org",
        SEALSHARE_LOG_LEVEL: "warn",
      },
    });
    const client = new CustodianClient(proc.url, { chainId: world.deployment.chainId, ledger: world.deployment.ledger });
    custodianKey = (await client.info()).encryptionKey;
    domain = custodianDomain(BigInt(world.deployment.chainId), world.deployment.ledger);
    ds = await world.registerDataset();
    await client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: ds.version, dek: ds.dek, custodianKey });
    ({ requestId } = await world.grantedRequest(ds));
    await eventually(async () => ((await client.fetchEnvelope(world.accounts.insurer, requestId)).status === "ready" ? true : undefined), "the release", 20_000);
  });

  afterEach(async function () {
    // Still alive and answering after every property.
    const res = await fetch(`${proc.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).to.equal(200);
  });

  after(async function () {
    await proc?.stop();
    const log = work ? readFileSync(join(work, "custodian.log"), "utf8") : "";
    if (work) rmSync(work, { recursive: true, force: true });
    await world?.close();
    // No failure escaped as a 500.
    expect(log).to.not.contain("unhandled error");
  });

  async function hit(method: string, path: string, headers: Record<string, string> = {}, body?: string | Uint8Array): Promise<Answer> {
    const payload = body instanceof Uint8Array ? Buffer.from(body) : body;
    const res = await fetch(`${proc.url}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let parsed: { code?: string; reason?: string } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      /* not JSON */
    }
    return { status: res.status, code: parsed.code, reason: parsed.reason, type: res.headers.get("content-type") ?? "" };
  }

  /** A 4xx problem with one of `codes`. */
  function expect4xx(a: Answer, ...codes: string[]) {
    expect(a.status, JSON.stringify(a)).to.be.within(400, 499);
    expect(a.type).to.match(/^application\/problem\+json/);
    if (codes.length) expect(codes, JSON.stringify(a)).to.include(a.code);
  }

  const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });
  const hexish = fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFxXg- "), maxLength: 300 });
  const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((b) => hexlify(b));

  it("envelope fetch: any path segment and any auth headers give a 4xx, 400 for a malformed id", async function () {
    await fc.assert(
      fc.asyncProperty(fc.oneof(printable, hexish, fc.bigInt({ min: 0n, max: 1n << 300n }).map(String)), printable, fc.oneof(printable, hexish, bytes(0, 130)), async (seg, issuedAt, sig) => {
        const a = await hit("GET", `/v1/envelopes/${encodeURIComponent(seg)}`, { "x-sealshare-issued-at": issuedAt, "x-sealshare-signature": sig });
        // "/v1/envelopes/" is another path; "." and ".." are dot-segments, resolved by the client
        // before sending (the URL standard), so they never reach the server as an id.
        if (seg === "" || seg === "." || seg === "..") {
          expect(a.status).to.be.oneOf([404, 405]);
          return;
        }
        expect4xx(a, "invalid-request", "bad-signature", "not-requester", "unknown-request", "not-found");
        const idOk = /^\d{1,78}$/.test(seg) && BigInt(seg) >= 1n && BigInt(seg) < 1n << 256n;
        const headersOk = /^\d{1,13}$/.test(issuedAt) && /^0x(?:[0-9a-fA-F]{2}){65}$/.test(sig);
        if (!idOk || !headersOk) expect(a.code).to.equal("invalid-request");
      }),
      { numRuns: RUNS },
    );
  });

  it("grant status and every session route: forged bearer tokens are 401 bad-session (or 400 when malformed)", async function () {
    const routes: [string, string][] = [
      ["GET", `/v1/grants/${requestId}`],
      ["GET", `/v1/envelopes/${requestId}`],
      ["GET", "/v1/auth/session"],
      ["POST", "/v1/auth/logout"],
      ["GET", "/v1/events"],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.oneof(fc.base64String({ maxLength: 120 }), printable), async ([method, path], token) => {
        const a = await hit(method, path, { authorization: `Bearer ${token}` });
        expect4xx(a, "bad-session", "invalid-request", "unauthenticated");
        if (/^[A-Za-z0-9._~+/-]+=*$/.test(token) && token.length <= 193) expect(a.code).to.equal("bad-session");
      }),
      { numRuns: RUNS },
    );
  });

  it("deposit: random JSON and wrongly typed fields are 400 invalid-request", async function () {
    const almost = fc.record(
      {
        datasetId: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.double()),
        version: fc.oneof(fc.integer({ min: -5, max: 2 ** 33 }), fc.string(), fc.double()),
        wrappedKey: fc.oneof(hexish, bytes(0, 96), fc.integer()),
        issuedAt: fc.oneof(fc.string(), fc.double(), fc.integer({ min: -10, max: -1 })),
        signature: fc.oneof(hexish, bytes(0, 64), bytes(66, 80)),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), almost.map((o) => JSON.stringify(o))), async (body) => {
        const a = await hit("POST", "/v1/keys", { "content-type": "application/json" }, body);
        expect4xx(a, "invalid-request");
      }),
      { numRuns: RUNS },
    );
  });

  it("deposit: a wrapped key whose ephemeral key is off the curve, or that does not decrypt, is 422 unwrap-failed", async function () {
    const offCurve = fc.uint8Array({ minLength: 64, maxLength: 64 }).map((xy) => {
      const b = new Uint8Array(97 + 32);
      b[0] = 4;
      b.set(xy, 1);
      b.set(randomBytes(64), 65);
      return hexlify(b);
    });
    const tampered = fc.integer({ min: 65, max: 97 + 31 }).map((i) => {
      const good = wrapKey(getBytes(custodianKey), ds.dek);
      good[i] = good[i]! ^ 0x01;
      return hexlify(good);
    });
    const wrongRecipient = fc.constant(0).map(() => hexlify(wrapKey(getBytes(world.deviceKeys.lender.publicKey), ds.dek)));
    let t = nowSec() - 250;
    await fc.assert(
      fc.asyncProperty(fc.oneof(offCurve, tampered, wrongRecipient), async (wrappedKey) => {
        const issuedAt = t++;
        const signature = await world.accounts.bank.signTypedData(domain, KEY_DEPOSIT_TYPES, {
          datasetId: ds.datasetId,
          version: ds.version,
          wrappedKeyHash: keccak256(wrappedKey),
          issuedAt,
        });
        const body = JSON.stringify({ datasetId: ds.datasetId.toString(), version: ds.version, wrappedKey, issuedAt, signature });
        const a = await hit("POST", "/v1/keys", { "content-type": "application/json" }, body);
        expect4xx(a, "unwrap-failed");
        expect(a.status).to.equal(422);
      }),
      { numRuns: COSTLY(20) },
    );
  });

  it("oversized bodies are 413 on every body route, whatever the content", async function () {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/v1/keys", "/v1/auth/siwe"), fc.integer({ min: 65 * 1024, max: 1024 * 1024 }), fc.boolean(), async (path, size, json) => {
        const body = json ? JSON.stringify({ message: "x".repeat(size) }) : new Uint8Array(size);
        const a = await hit("POST", path, { "content-type": "application/json" }, body);
        expect4xx(a, "payload-too-large");
      }),
      { numRuns: Math.min(RUNS, 60) },
    );
  });

  it("non-JSON bodies are 415; random content types never reach a handler", async function () {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/v1/keys", "/v1/auth/siwe"), fc.constantFrom("text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "image/png"), printable, async (path, type, body) => {
        expect4xx(await hit("POST", path, { "content-type": type }, body), "unsupported-media-type");
      }),
      { numRuns: RUNS },
    );
  });

  it("replayed, expired and other-chain signatures are refused with the right code", async function () {
    const cases = fc.oneof(
      fc.record({ kind: fc.constant("replay" as const), types: fc.constantFrom("envelope", "status") }),
      fc.record({ kind: fc.constant("expired" as const), skew: fc.oneof(fc.integer({ min: 301, max: 1_000_000_000 }), fc.integer({ min: -1_000_000_000, max: -301 })) }),
      fc.record({ kind: fc.constant("chain" as const), chainId: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }).filter((c) => c !== 31337n), types: fc.constantFrom("envelope", "status") }),
    );
    let t = nowSec() - 290;
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const insurer = world.accounts.insurer;
        if (t > nowSec() + 280) t = nowSec() - 290; // stay inside the window with fresh seconds
        if (c.kind === "expired") {
          const issuedAt = Math.max(0, nowSec() + c.skew);
          const signature = await insurer.signTypedData(domain, ENVELOPE_REQUEST_TYPES, { requestId, issuedAt });
          const a = await hit("GET", `/v1/envelopes/${requestId}`, { "x-sealshare-issued-at": String(issuedAt), "x-sealshare-signature": signature });
          expect4xx(a, "bad-signature");
          expect(a.reason).to.equal("outside-window");
          return;
        }
        const types = c.types === "envelope" ? ENVELOPE_REQUEST_TYPES : GRANT_STATUS_REQUEST_TYPES;
        const path = c.types === "envelope" ? `/v1/envelopes/${requestId}` : `/v1/grants/${requestId}`;
        const issuedAt = t++;
        const d = c.kind === "chain" ? custodianDomain(c.chainId, world.deployment.ledger) : domain;
        const signature = await insurer.signTypedData(d, types, { requestId, issuedAt });
        const headers = { "x-sealshare-issued-at": String(issuedAt), "x-sealshare-signature": signature };
        const first = await hit("GET", path, headers);
        if (c.kind === "chain") {
          expect4xx(first, c.types === "envelope" ? "not-requester" : "not-party");
          return;
        }
        expect(first.status, JSON.stringify(first)).to.equal(200);
        const again = await hit("GET", path, headers);
        expect4xx(again, "bad-signature");
        expect(again.reason).to.equal("replayed");
      }),
      { numRuns: COSTLY(50) },
    );
  });

  it("Sign-In with Ethereum: random messages and fields are 400 or 401 with a reason, never more", async function () {
    const fields = fc.record({
      domain: fc.oneof(fc.constant("dapp.example.org"), fc.domain()),
      uri: fc.oneof(fc.constant("https://dapp.example.org/"), fc.webUrl()),
      chainId: fc.oneof(fc.constant(31337), fc.integer({ min: 1, max: 2 ** 31 })),
      nonce: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.stringMatching(/^[A-Za-z0-9]{8,40}$/)),
      expiresIn: fc.integer({ min: -1_000_000, max: 1_000_000 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(printable.map((m) => ({ raw: m })), fields), fc.oneof(bytes(65, 65), bytes(0, 200), hexish), async (m, signature) => {
        let message: string;
        if ("raw" in m) message = m.raw;
        else {
          try {
            message = new SiweMessage({
              domain: m.domain, address: world.accounts.insurer.address, uri: m.uri, version: "1", chainId: m.chainId, nonce: m.nonce,
              issuedAt: new Date().toISOString(), expirationTime: new Date(Date.now() + m.expiresIn * 1000).toISOString(),
            }).prepareMessage();
          } catch {
            return; // siwe itself refuses to build it
          }
        }
        const a = await hit("POST", "/v1/auth/siwe", { "content-type": "application/json" }, JSON.stringify({ message, signature }));
        expect4xx(a, "invalid-request", "siwe-rejected");
        if (a.code === "siwe-rejected") expect(["chain-id", "domain", "uri", "expired", "nonce", "signature", "not-yet-valid", "issued-in-future"]).to.include(a.reason);
      }),
      { numRuns: COSTLY(40) },
    );
  });

  it("unknown paths are 404 and known paths with another method 405", async function () {
    const known = ["/v1/keys", `/v1/envelopes/${requestId}`, `/v1/grants/${requestId}`, "/v1/events", "/v1/auth/nonce", "/v1/auth/siwe", "/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/custodian"];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.webPath().map((p) => ({ path: p, method: "GET" })),
          fc.record({ path: fc.constantFrom(...known), method: fc.constantFrom("PUT", "PATCH", "DELETE") }),
        ),
        async ({ path, method }) => {
          const a = await hit(method, path.startsWith("/") ? path : `/${path}`);
          if (known.includes(path)) {
            expect4xx(a, "method-not-allowed");
          } else {
            expect(a.status, `${method} ${path}: ${JSON.stringify(a)}`).to.be.oneOf([404, 400, 200, 405, 401, 202]);
            expect(a.status).to.be.lessThan(500);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
