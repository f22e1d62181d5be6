/**
 * The custodian's pieces that need no chain: log redaction, keys at rest, configuration, the
 * SQLite store's migrations and deployment binding, the replay guard, and the fetch decision.
 */
import { expect } from "chai";
import { Writable } from "node:stream";
import { hexlify, id, randomBytes } from "ethers";
import { createKeyBox } from "../../service/keys/at-rest.js";
import { defaultConfirmations, loadConfig } from "../../service/internal/config.js";
import { FatalError, ProblemError } from "../../service/internal/errors.js";
import { createLogger, REDACTED } from "../../service/internal/logger.js";
import { decide, describe as describeStatus } from "../../service/http/serve.js";
import type { ReleaseRow, RequestState } from "../../service/store/store.js";
import type { Envelope } from "../../sdk/envelope.js";

const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("custodian units", function () {
  describe("logger", function () {
    function capture() {
      const lines: string[] = [];
      const log = createLogger({
        level: "debug",
        destination: new Writable({
          write(chunk: Buffer, _e, cb) {
            lines.push(chunk.toString());
            cb();
          },
        }),
      });
      return { log, lines };
    }

    it("redacts secret-named fields at any depth and keeps the rest", function () {
      const { log, lines } = capture();
      const dek = hexlify(randomBytes(32));
      log.info(
        { requestId: "7", keyId: 3, dek, nested: { deeper: { privateKey: "0xaa", wrappedKey: "0xbb", signature: "0xcc", ok: 1 } }, list: [{ masterKey: "m" }] },
        "hello",
      );
      const line = JSON.parse(lines[0]!) as Record<string, any>;
      expect(line.dek).to.equal(REDACTED);
      expect(line.nested.deeper).to.deep.equal({ privateKey: REDACTED, wrappedKey: REDACTED, signature: REDACTED, ok: 1 });
      expect(line.list[0].masterKey).to.equal(REDACTED);
      expect(line).to.include({ requestId: "7", keyId: 3, msg: "hello" });
      expect(lines[0]).to.not.contain(dek.slice(2));
    });

    it("reduces errors to type, code and message, with long hex blanked", function () {
      const { log, lines } = capture();
      const sig = hexlify(randomBytes(65));
      const err = Object.assign(new Error(`could not send ${sig}`), { code: "SERVER_ERROR", transaction: { data: sig } });
      log.error({ err }, "failed");
      const line = JSON.parse(lines[0]!) as Record<string, any>;
      expect(line.err).to.deep.equal({ type: "Error", code: "SERVER_ERROR", message: "could not send [hex redacted]" });
      expect(lines[0]).to.not.contain(sig.slice(2, 40));
    });
  });

  describe("keys at rest", function () {
    it("round-trips, and a sealed key opens only for its own dataset version and master key", function () {
      const box = createKeyBox(randomBytes(32));
      const dek = randomBytes(32);
      const sealed = box.seal(dek, 5n, 2);
      expect(hexlify(box.open(sealed, 5n, 2))).to.equal(hexlify(dek));
      expect(hexlify(sealed)).to.not.contain(hexlify(dek).slice(2));
      expect(() => box.open(sealed, 5n, 3)).to.throw(/failed authentication/);
      expect(() => box.open(sealed, 6n, 2)).to.throw(/failed authentication/);
      expect(() => createKeyBox(randomBytes(32)).open(sealed, 5n, 2)).to.throw(/failed authentication/);
      const flipped = new Uint8Array(sealed);
      flipped[20]! ^= 1;
      expect(() => box.open(flipped, 5n, 2)).to.throw(/failed authentication/);
    });
  });

  describe("config", function () {
    const good = {
      SEALSHARE_RPC_URL: "http://127.0.0.1:8545",
      SEALSHARE_DEPLOYMENT: "d.json",
      SEALSHARE_CUSTODIAN_KEY: `0x${"11".repeat(32)}`,
      SEALSHARE_ECIES_KEY: "22".repeat(32),
      SEALSHARE_MASTER_KEY: `0x${"33".repeat(32)}`,
    };

    it("applies the defaults and normalizes hex keys", function () {
      const c = loadConfig(good);
      expect(c).to.include({ host: "127.0.0.1", port: 8787, pollMs: 1000, maxBlockRange: 2000, dbPath: ".data/custodian.db" });
      // Unset: the deployment's chain decides — 0 only on the local dev chain, which never reorganises.
      expect(c.confirmations).to.equal(undefined);
      expect([defaultConfirmations("31337"), defaultConfirmations(1n), defaultConfirmations(11155111)]).to.deep.equal([0, 12, 12]);
      expect(c.api.freshness).to.deep.equal({ maxStaleSeconds: 30, maxBehindBlocks: 10 });
      expect(c.eciesKey).to.equal(`0x${"22".repeat(32)}`);
      expect(loadConfig({ ...good, SEALSHARE_PORT: "9000", SEALSHARE_CONFIRMATIONS: "2" })).to.include({ port: 9000, confirmations: 2 });
    });

    it("lists every bad variable without echoing secrets", function () {
      let caught: unknown;
      try {
        loadConfig({ ...good, SEALSHARE_MASTER_KEY: "0x1234abcd", SEALSHARE_PORT: "70000" });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(FatalError);
      const msg = (caught as Error).message;
      expect(msg).to.match(/SEALSHARE_MASTER_KEY/).and.match(/SEALSHARE_PORT/);
      expect(msg).to.not.contain("1234abcd");
    });
  });

  // The store's own tests (both SQLite and PostgreSQL) are in test/service/store.test.ts.

  describe("fetch decision (no chain call)", function () {
    const granted: RequestState = {
      requestId: "1",
      datasetId: "1",
      requester: LEDGER,
      consentId: null,
      keyId: 1,
      kind: 2,
      version: 1,
      expiresAt: 2_000,
      voidReason: null,
      grantBlock: 5,
      grantHash: id("block 5"),
      grantLogIndex: 3,
    };
    const envelope = { requestId: "1", expiresAt: 2_000 } as Envelope;
    const row = (over: Partial<ReleaseRow>): ReleaseRow => ({
      requestId: "1",
      kind: 2,
      status: "pending",
      reason: null,
      attempts: 0,
      nextAttemptAt: 0,
      envelope: null,
      envelopeHash: null,
      receiptState: "none",
      receiptTx: null,
      receiptBlock: null,
      searchFromBlock: null,
      releasedAt: null,
      receiptMode: null,
      batchId: null,
      grantBlock: 5,
      grantHash: id("block 5"),
      grantLogIndex: 3,
      ...over,
    });
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof ProblemError) return `${err.status} ${err.code}`;
        throw err;
      }
      return "no problem";
    };

    it("maps stored state to ready, pending, 410 or 503", function () {
      expect(decide(granted, [row({ status: "released", envelope })], false, 1_000)).to.deep.equal({ status: "ready", envelope });
      expect(decide({ ...granted, kind: 0, expiresAt: null }, [], false, 1_000)).to.include({ status: "pending", reason: "not-granted" });
      expect(decide(granted, [row({ status: "waiting-key" })], false, 1_000)).to.include({ reason: "waiting-for-key" });
      expect(decide(granted, [row({})], false, 1_000)).to.include({ reason: "releasing" });
      // A temporary envelope is not served for a formal grant: the formal one is on its way.
      expect(decide(granted, [row({ kind: 1, status: "released", envelope })], false, 1_000)).to.include({ reason: "releasing" });
      expect(code(() => decide(granted, [row({ status: "released", envelope })], false, 2_000))).to.equal("410 grant-expired");
      expect(code(() => decide({ ...granted, voidReason: "ConsentRevoked" }, [row({ status: "released", envelope })], false, 1_000))).to.equal(
        "410 grant-revoked",
      );
      expect(code(() => decide(granted, [row({ status: "refused", reason: "Revoked" })], false, 1_000))).to.equal("410 grant-revoked");
      expect(code(() => decide(granted, [row({ status: "refused", reason: "ConsentExpired" })], false, 1_000))).to.equal("410 grant-expired");
      expect(code(() => decide(granted, [row({ status: "released", envelope })], true, 1_000))).to.equal("503 ledger-paused");
    });

    it("never serves a release row made from another grant of the same request id (a reorg not rolled back yet)", function () {
      const orphan = row({ status: "released", envelope, grantHash: id("block 5 / orphaned branch"), grantLogIndex: 3 });
      expect(decide(granted, [orphan], false, 1_000)).to.include({ status: "pending", reason: "releasing" });
      expect(decide(granted, [row({ status: "released", envelope, grantLogIndex: 4 })], false, 1_000)).to.include({ status: "pending" });
      expect(describeStatus(granted, [orphan], false, 1_000, "requester")).to.deep.include({ status: "granted", reason: "releasing", released: [] });
      expect(decide(granted, [row({ status: "released", envelope })], false, 1_000)).to.deep.equal({ status: "ready", envelope });
    });
  });
});
