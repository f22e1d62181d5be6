/**
 * Issue 11 ("close the trust holes"), the custodian's parts that need no ledger:
 *  - per-IP rate limits bucket IPv6 clients by /64;
 *  - sign-in attempts are rate-limited, and a failed SIWE sign-in for an address without code
 *    costs no ERC-1271 call (getCode first, cached);
 *  - RPC URLs with credentials never reach the logs;
 *  - /readyz names the failed check, never the database's error text;
 *  - a custodian pointed at a node of another chain exits non-zero naming both chain ids, having
 *    asked the node nothing but eth_chainId.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { FetchRequest, getAddress, hexlify, JsonRpcProvider, Network, randomBytes, Wallet, type Provider } from "ethers";
import { SiweMessage } from "siwe";
import { startCustodianProcess } from "../../devkit/custodian-process.js";
import { createCustodian } from "../../service/custodian.js";
import { createSessionService } from "../../service/http/siwe.js";
import { createHealthMonitor } from "../../service/http/health.js";
import { createLogger, redactUrls } from "../../service/internal/logger.js";
import { createRateLimits, ipBucket } from "../../service/http/ratelimit.js";
import { openStore } from "../../service/store/open.js";
import type { Store } from "../../service/store/store.js";
import { startStubApp } from "../helpers/http-app.js";

const stubRes = () => ({ setHeader() {} }) as unknown as import("node:http").ServerResponse;

function collector() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, log: createLogger({ level: "debug", destination: sink }) };
}

describe("trust holes: the HTTP layer and start-up (no ledger)", function () {
  this.timeout(60_000);

  describe("per-IP rate limit", function () {
    it("counts two IPv6 addresses of one /64 in one bucket, another /64 in its own", function () {
      expect(ipBucket("2001:db8:1:2::1")).to.equal(ipBucket("2001:db8:1:2:ffff:ffff:ffff:fffe"));
      expect(ipBucket("2001:0db8:0001:0002:0000:0000:0000:0009")).to.equal("2001:db8:1:2::/64");
      expect(ipBucket("2001:db8:1:3::1")).to.not.equal(ipBucket("2001:db8:1:2::1"));
      expect(ipBucket("::ffff:10.0.0.1")).to.equal("10.0.0.1");
      expect(ipBucket("10.0.0.1")).to.equal("10.0.0.1");

      const limits = createRateLimits({ ipPerMinute: 2, accountPerMinute: 100 });
      expect(limits.ipHit(stubRes(), "2001:db8:1:2::1")).to.equal(undefined);
      expect(limits.ipHit(stubRes(), "2001:db8:1:2:aaaa::7")).to.equal(undefined);
      // A third address of the same /64 is over the shared limit…
      expect(limits.ipHit(stubRes(), "2001:db8:1:2:ffff::9")?.code).to.equal("rate-limited");
      // …another /64 is not.
      expect(limits.ipHit(stubRes(), "2001:db8:1:3::1")).to.equal(undefined);
    });
  });

  describe("Sign-In with Ethereum", function () {
    const DAPP = "https://dapp.example.org";

    function fakeProvider(hasCode: boolean) {
      const calls = { getCode: 0, call: 0 };
      const provider = {
        async getCode() {
          calls.getCode++;
          return hasCode ? "0x6080" : "0x";
        },
        async call() {
          calls.call++;
          return "0x" + "00".repeat(32); // not the ERC-1271 magic value
        },
        async getNetwork() {
          return Network.from(31337n);
        },
        async resolveName(n: string) {
          return n;
        },
      };
      return { calls, provider: provider as unknown as Provider };
    }

    function service(provider: Provider) {
      return createSessionService({
        store: {} as Store, // a refused sign-in never reaches the store
        chainId: 31337,
        origins: () => [DAPP],
        secret: randomBytes(32),
        now: () => Math.floor(Date.now() / 1000),
        ttlSeconds: 900,
        maxSkewSeconds: 300,
        provider,
      });
    }

    async function badSignIn(svc: ReturnType<typeof service>, who: string) {
      const text = new SiweMessage({
        domain: "dapp.example.org",
        address: who,
        uri: `${DAPP}/x`,
        version: "1",
        chainId: 31337,
        nonce: svc.nonce().nonce,
        issuedAt: new Date().toISOString(),
      }).prepareMessage();
      const signature = await Wallet.createRandom().signMessage(text); // somebody else's signature
      const err = await svc.signIn(text, signature).then(
        () => undefined,
        (e: unknown) => e as { code?: string; extra?: { reason?: string } },
      );
      expect(err?.code).to.equal("siwe-rejected");
      expect(err?.extra?.reason).to.equal("signature");
    }

    it("costs no ERC-1271 call for an address without code, and reads its code once", async function () {
      const { calls, provider } = fakeProvider(false);
      const svc = service(provider);
      const who = Wallet.createRandom().address;
      await badSignIn(svc, who);
      await badSignIn(svc, who);
      await badSignIn(svc, who);
      expect(calls).to.deep.equal({ getCode: 1, call: 0 });
    });

    it("still asks ERC-1271 for an address with code (a smart account)", async function () {
      const { calls, provider } = fakeProvider(true);
      const svc = service(provider);
      await badSignIn(svc, Wallet.createRandom().address);
      expect(calls.getCode).to.equal(1);
      expect(calls.call).to.be.greaterThan(0);
    });

    it("limits sign-in attempts per client IP before any signature check", async function () {
      let signIns = 0;
      const app = await startStubApp(
        {
          sessions: {
            nonce: () => ({ nonce: "00", expiresAt: 0, chainId: 31337, domains: [] }),
            signIn: async () => {
              signIns++;
              throw new (await import("../../service/internal/errors.js")).ProblemError("siwe-rejected", "no", { reason: "signature" });
            },
            resolve: async () => ({ address: getAddress(Wallet.createRandom().address), expiresAt: 0 }),
            logout: async () => undefined,
          },
        },
        { rateLimit: { ipPerMinute: 1000, accountPerMinute: 1000, signInPerMinute: 3 } },
      );
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await fetch(`${app.url}/v1/auth/siwe`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ message: "m", signature: hexlify(randomBytes(65)) }),
          });
          statuses.push(res.status);
          if (res.status === 429) expect(((await res.json()) as { code: string }).code).to.equal("rate-limited");
          else await res.arrayBuffer();
        }
        expect(statuses).to.deep.equal([401, 401, 401, 429, 429]);
        expect(signIns).to.equal(3);
      } finally {
        await app.close();
      }
    });
  });

  describe("secrets in RPC URLs", function () {
    it("cuts URLs to scheme://host[:port] in any text", function () {
      expect(redactUrls('request to https://u:p4ss@rpc.example.org/v3/abc123?apikey=k3y failed, url="wss://x.example/ws/k"')).to.equal(
        'request to https://rpc.example.org/[redacted] failed, url="wss://x.example/[redacted]"',
      );
      expect(redactUrls("listening on http://127.0.0.1:8787")).to.equal("listening on http://127.0.0.1:8787");
    });

    it("never logs the credentials of an unreachable RPC endpoint's URL", async function () {
      const tmp = mkdtempSync(join(tmpdir(), "sealshare-redact-"));
      // The provider's gateway answers, the node behind it does not: HTTP 502 to every call
      // (ethers then quotes the request URL in its error message).
      const gateway = createServer((_req, res) => {
        res.statusCode = 502;
        res.end("bad gateway: upstream node unreachable");
      });
      await new Promise<void>((r) => gateway.listen(0, "127.0.0.1", () => r()));
      const { port } = gateway.address() as AddressInfo;
      const secrets = ["pw-S3CRET-USERINFO", "S3CRET-PATH-KEY", "S3CRET-QUERY-KEY"];
      const url = `http://user:${secrets[0]}@127.0.0.1:${port}/v3/${secrets[1]}?apikey=${secrets[2]}`;
      const rpc = new FetchRequest(url);
      rpc.timeout = 500;
      const provider = new JsonRpcProvider(rpc, Network.from(31337n), { staticNetwork: true, cacheTimeout: -1 });
      const deployment = { chainId: "31337", ledger: getAddress(hexlify(randomBytes(20))), deployBlock: 0, deployedAt: 0 };
      const store = await openStore(join(tmp, "c.db"), { chainId: "31337", ledger: deployment.ledger, startBlock: 0 });
      const { lines, log } = collector();
      const custodian = createCustodian({
        provider,
        signer: new Wallet(hexlify(randomBytes(32)), provider),
        deployment: deployment as never,
        eciesPrivateKey: randomBytes(32),
        masterKey: randomBytes(32),
        store,
        log,
        startupTimeoutMs: 1500,
      });
      try {
        const err = await custodian.start().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, "start-up must fail without a node").to.not.equal(undefined);
        // Any ethers error logged anywhere goes through the same path.
        const direct = await provider.getBlockNumber().then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(direct?.message).to.contain(secrets[1]); // ethers does quote it…
        log.warn({ err: direct }, `chain read failed: ${direct?.message}`);
        const text = lines.join("");
        expect(text).to.match(/RPC endpoint unavailable/); // it did log the failures…
        expect(text).to.contain("127.0.0.1");
        for (const s of secrets) expect(text).to.not.contain(s); // …without the URL's secrets
      } finally {
        gateway.closeAllConnections();
        gateway.close();
        await custodian.stop();
        await store.close();
        provider.destroy();
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  });

  describe("/readyz", function () {
    it("names the failed check without the database's error text", async function () {
      const secret = 'password authentication failed for user "sealshare_S3CRET" at db-internal-10-1-2-3';
      const { lines, log } = collector();
      const health = createHealthMonitor({
        provider: { getBlockNumber: async () => 7 } as unknown as Provider,
        store: {
          cursor: async () => {
            throw new Error(secret);
          },
        } as unknown as Store,
        confirmations: 0,
        started: () => true,
        maxLagBlocks: 20,
        chainTimeoutMs: 500,
        log,
      });
      const app = await startStubApp({ readiness: () => health.probe() });
      try {
        const res = await fetch(`${app.url}/readyz`);
        const text = await res.text();
        expect(res.status).to.equal(503);
        const body = JSON.parse(text) as { code: string; failed: string[] };
        expect(body.code).to.equal("not-ready");
        expect(body.failed).to.include("database");
        expect(text).to.not.contain("S3CRET").and.not.contain("db-internal").and.not.contain("password");
        // The operator still finds it in the log.
        expect(lines.join("")).to.contain("readiness: the database check failed");
      } finally {
        await app.close();
      }
    });
  });

  describe("serve freshness (revocation must not fail open)", function () {
    it("is fresh only while the last head read is recent and the store is close to that head", async function () {
      let up = true;
      let head = 10;
      let cursor = 10;
      const health = createHealthMonitor({
        provider: {
          getBlockNumber: async () => {
            if (!up) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
            return head;
          },
        } as unknown as Provider,
        store: { cursor: async () => ({ blockNumber: cursor, blockHash: null }) } as unknown as Store,
        confirmations: 0,
        started: () => true,
        maxLagBlocks: 20,
        chainTimeoutMs: 500,
        minIntervalMs: 0,
      });
      const bound = { maxStaleSeconds: 1, maxBehindBlocks: 2 };
      // staleness() may leave a background probe in flight (started before the change below): wait it out, then probe anew.
      const reprobe = async () => {
        await health.probe();
        await health.probe();
      };
      expect(await health.staleness(bound)).to.equal(undefined); // the first call waits for a probe
      head = 15; // the follower is 5 blocks behind the head it read
      await reprobe();
      expect(await health.staleness(bound)).to.deep.include({ reason: "ingestion-behind", behindBlocks: 5 });
      cursor = 15;
      await reprobe();
      expect(await health.staleness(bound)).to.equal(undefined);
      up = false; // the chain is out of sight: fresh for the bound, then not
      await reprobe();
      expect(await health.staleness(bound)).to.equal(undefined);
      await new Promise((r) => setTimeout(r, 2100));
      expect(await health.staleness(bound)).to.deep.include({ reason: "head-read-too-old" });
    });
  });

  describe("start-up against the wrong chain", function () {
    let server: Server | undefined;
    let tmp: string | undefined;
    after(async function () {
      server?.closeAllConnections();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it("exits non-zero naming both chain ids, having asked the node nothing but eth_chainId", async function () {
      this.timeout(90_000);
      // A node of chain 5 (that would happily answer anything else, so only the check can stop it).
      const methods: string[] = [];
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          const msgs = JSON.parse(body) as { id: number; method: string }[] | { id: number; method: string };
          const answer = (m: { id: number; method: string }) => {
            methods.push(m.method);
            const result =
              m.method === "eth_chainId" ? "0x5" : m.method === "eth_getCode" ? "0x6080" : m.method === "eth_blockNumber" ? "0x10" : `0x${"00".repeat(31)}01`;
            return { jsonrpc: "2.0", id: m.id, result };
          };
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify(Array.isArray(msgs) ? msgs.map(answer) : answer(msgs)));
        });
      });
      await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
      const { port } = server.address() as AddressInfo;
      tmp = mkdtempSync(join(tmpdir(), "sealshare-chain-"));
      const deploymentPath = join(tmp, "deployment.json");
      writeFileSync(deploymentPath, JSON.stringify({ chainId: "31337", ledger: getAddress(hexlify(randomBytes(20))), deployBlock: 1, deployedAt: 0 }));
      const logPath = join(tmp, "custodian.log");
      const started = startCustodianProcess({
        rpcUrl: `http://127.0.0.1:${port}`,
        deploymentPath,
        dbPath: join(tmp, "custodian.db"),
        logPath,
        custodianKey: hexlify(randomBytes(32)),
        eciesKey: hexlify(randomBytes(32)),
        masterKey: hexlify(randomBytes(32)),
        timeoutMs: 60_000,
      });
      const err = await started.then(
        async (p) => {
          await p.stop();
          return undefined;
        },
        (e: unknown) => e as Error,
      );
      expect(err?.message).to.match(/exited with code 1/);
      await new Promise((r) => setTimeout(r, 200)); // the log file's last write
      const text = readFileSync(logPath, "utf8");
      expect(text).to.match(/chain 5\b/).and.match(/chain 31337\b/);
      expect([...new Set(methods)]).to.deep.equal(["eth_chainId"]);
    });
  });
});
