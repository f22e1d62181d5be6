/**
 * Secrets at rest: the encrypted keystore (scrypt + AES-256-GCM), data keys sealed under a KEK
 * with its id, and master key rotation (scripts/rotate-master-key.ts): every stored data key
 * re-wrapped in one transaction, crash-safe at each step, on SQLite and PostgreSQL.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCipheriv } from "node:crypto";
import { getBytes, hexlify, id, randomBytes } from "ethers";
import { rotateMasterKey } from "../../scripts/rotate-master-key.js";
import { createKeyBox } from "../../service/keys/at-rest.js";
import { loadConfig } from "../../service/internal/config.js";
import { FatalError } from "../../service/internal/errors.js";
import { readKeystore, writeKeystore, type CustodianSecrets } from "../../service/keys/keystore.js";
import { openStore } from "../../service/store/open.js";
import type { StoreBinding } from "../../service/store/store.js";
import { createTestDatabase, pgAdminUrl } from "../helpers/pg.js";

const FAST = { N: 2 ** 12, r: 8, p: 1 }; // tests only; production uses 2^17
const BINDING: StoreBinding = { chainId: "31337", ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3", startBlock: 1 };
const key = () => hexlify(randomBytes(32));

describe("secrets at rest", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "sealshare-secrets-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe("keystore", function () {
    const secrets: CustodianSecrets = { custodianKey: key(), eciesKey: key(), masterKey: key() };

    it("round-trips the secrets under a password; the file holds none of them and is private", async function () {
      const path = join(dir, "ks.json");
      await writeKeystore(path, secrets, "correct horse battery", FAST);
      expect(await readKeystore(path, "correct horse battery")).to.deep.equal(secrets);
      const text = await readFile(path, "utf8");
      for (const s of Object.values(secrets)) expect(text).to.not.contain(s.slice(2));
      expect(JSON.parse(text)).to.deep.include({ format: "sealshare-keystore", version: 1 });
      expect(statSync(path).mode & 0o777).to.equal(0o600);
    });

    it("refuses a wrong password, an altered file and weakened KDF parameters, naming no secret", async function () {
      const path = join(dir, "ks2.json");
      await writeKeystore(path, secrets, "correct horse battery", FAST);
      const fails = async (p: string, pw: string) => {
        try {
          await readKeystore(p, pw);
        } catch (err) {
          expect(err).to.be.instanceOf(FatalError);
          return (err as Error).message;
        }
        throw new Error("opened");
      };
      expect(await fails(path, "wrong")).to.match(/does not open with this password/);
      const f = JSON.parse(await readFile(path, "utf8"));
      const flipped = { ...f, ciphertext: f.ciphertext.slice(0, -2) + (f.ciphertext.endsWith("00") ? "01" : "00") };
      await writeFile(join(dir, "flipped.json"), JSON.stringify(flipped));
      expect(await fails(join(dir, "flipped.json"), "correct horse battery")).to.match(/does not open/);
      // Lowering N (to make brute force cheaper) breaks the associated data, so it does not open.
      await writeFile(join(dir, "weak.json"), JSON.stringify({ ...f, kdf: { ...f.kdf, N: 2 ** 10 } }));
      expect(await fails(join(dir, "weak.json"), "correct horse battery")).to.match(/does not open/);
      expect(await fails(join(dir, "missing.json"), "x")).to.match(/cannot read the keystore/);
    });

    it("is accepted by the configuration instead of raw keys in the environment", function () {
      const c = loadConfig({ SEALSHARE_RPC_URL: "http://127.0.0.1:8545", SEALSHARE_DEPLOYMENT: "d.json", SEALSHARE_KEYSTORE: "ks.json", SEALSHARE_KEYSTORE_PASSWORD: "pw" });
      expect(c.keystore).to.deep.equal({ path: "ks.json", password: "pw" });
      expect(c.masterKey).to.equal(undefined);
      expect(() => loadConfig({ SEALSHARE_RPC_URL: "http://127.0.0.1:8545", SEALSHARE_DEPLOYMENT: "d.json", SEALSHARE_KEYSTORE: "ks.json" })).to.throw(
        FatalError,
        /SEALSHARE_KEYSTORE_PASSWORD/,
      );
      expect(() => loadConfig({ SEALSHARE_RPC_URL: "http://127.0.0.1:8545", SEALSHARE_DEPLOYMENT: "d.json" })).to.throw(FatalError, /SEALSHARE_MASTER_KEY: required/);
      const d = loadConfig({ SEALSHARE_RPC_URL: "http://127.0.0.1:8545", SEALSHARE_DEPLOYMENT: "d.json", SEALSHARE_CUSTODIAN_KEY: key(), SEALSHARE_ECIES_KEY: key(), SEALSHARE_MASTER_KEY: key() });
      expect([d.receipts, d.batchSize, d.batchMaxAgeMs, d.txBumpAfterBlocks]).to.deep.equal(["batch", 100, 5000, 3]);
    });
  });

  describe("data keys under a KEK", function () {
    it("tags sealed keys with their KEK's id; a box with the previous KEKs opens keys under any of them", function () {
      const oldKek = randomBytes(32);
      const newKek = randomBytes(32);
      const dek = randomBytes(32);
      const underOld = createKeyBox(oldKek).seal(dek, 3n, 1);
      const both = createKeyBox(newKek, [oldKek]);
      expect(hexlify(both.open(underOld, 3n, 1))).to.equal(hexlify(dek));
      expect(both.isCurrent(underOld)).to.equal(false);
      expect(both.isCurrent(both.seal(dek, 3n, 1))).to.equal(true);
      expect(() => createKeyBox(newKek).open(underOld, 3n, 1)).to.throw(/unknown master key/);
    });

    it("still opens keys sealed in the first cut's format (no KEK id)", function () {
      const kek = randomBytes(32);
      const dek = randomBytes(32);
      const nonce = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", kek, nonce);
      c.setAAD(Buffer.from("3|1"));
      const body = Buffer.concat([c.update(dek), c.final()]);
      const v1 = new Uint8Array(Buffer.concat([Buffer.of(1), nonce, body, c.getAuthTag()]));
      expect(hexlify(createKeyBox(randomBytes(32), [kek]).open(v1, 3n, 1))).to.equal(hexlify(dek));
    });
  });

  for (const flavour of ["SQLite", "PostgreSQL"] as const) {
    describe(`master key rotation (${flavour})`, function () {
      let db: string;
      let drop: (() => Promise<void>) | undefined;
      before(async function () {
        if (flavour === "PostgreSQL") {
          if (!(await pgAdminUrl())) {
            console.log("    ⚠ skipping PostgreSQL rotation: no PostgreSQL server answers at 127.0.0.1:5432");
            return this.skip();
          }
          const t = await createTestDatabase();
          db = t.url;
          drop = t.drop;
        } else db = join(dir, "rotate.db");
      });
      after(async () => drop?.());

      it("re-wraps every data key under a new KEK in one transaction; a crash midway is finished by running it again", async function () {
        const ksPath = join(dir, `rotate-${flavour}.json`);
        const oldKek = key();
        await writeKeystore(ksPath, { custodianKey: key(), eciesKey: key(), masterKey: oldKek }, "pw-rotate", FAST);
        const deks = new Map<number, string>();
        const store = await openStore(db, BINDING);
        const box = createKeyBox(getBytes(oldKek));
        for (let v = 1; v <= 5; v++) {
          const dek = randomBytes(32);
          deks.set(v, hexlify(dek));
          await store.putDatasetKey({ datasetId: "12", version: v, sealed: box.seal(dek, 12n, v), keyCommitment: id("k"), merkleRoot: null, depositedBy: BINDING.ledger, depositedAt: 1 });
        }
        await store.close();

        // First attempt dies after the keystore holds both KEKs, before the database is touched.
        let caught: unknown;
        try {
          await rotateMasterKey({ db, binding: BINDING, keystore: { path: ksPath, password: "pw-rotate", kdf: FAST }, beforeRewrap: () => Promise.reject(new Error("killed")) });
        } catch (err) {
          caught = err;
        }
        expect(String(caught)).to.contain("killed");
        const mid = await readKeystore(ksPath, "pw-rotate");
        expect(mid.previousMasterKeys).to.deep.equal([oldKek]);
        expect(mid.masterKey).to.not.equal(oldKek);
        // Meanwhile a custodian started from this keystore opens every key.
        const s1 = await openStore(db, BINDING);
        const midBox = createKeyBox(getBytes(mid.masterKey), mid.previousMasterKeys!.map((k) => getBytes(k)));
        for (const [v, dek] of deks) expect(hexlify(midBox.open((await s1.datasetKey("12", v))!.sealed, 12n, v))).to.equal(dek);
        await s1.close();

        // Run again: finishes with the same new KEK.
        const result = await rotateMasterKey({ db, binding: BINDING, keystore: { path: ksPath, password: "pw-rotate", kdf: FAST } });
        expect(result.rewrapped).to.equal(5);
        const done = await readKeystore(ksPath, "pw-rotate");
        expect(done.masterKey).to.equal(mid.masterKey);
        expect(done.previousMasterKeys).to.deep.equal([]);
        const s2 = await openStore(db, BINDING);
        try {
          const newBox = createKeyBox(getBytes(done.masterKey));
          for (const [v, dek] of deks) {
            const sealed = (await s2.datasetKey("12", v))!.sealed;
            expect(newBox.isCurrent(sealed)).to.equal(true);
            expect(hexlify(newBox.open(sealed, 12n, v))).to.equal(dek);
            expect(() => box.open(sealed, 12n, v)).to.throw(); // the old KEK opens nothing any more
          }
        } finally {
          await s2.close();
        }
        // Idempotent: a third run re-wraps everything again under yet another KEK, and the count holds.
        expect((await rotateMasterKey({ db, binding: BINDING, keystore: { path: ksPath, password: "pw-rotate", kdf: FAST } })).rewrapped).to.equal(5);
      });
    });
  }
});
