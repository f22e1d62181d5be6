/**
 * The store's threshold-custody aggregate (service/store/share-store.ts, sql-shares.ts) on both
 * implementations: SQLite, and PostgreSQL in a database of its own (skipped with a printed reason
 * only when no server answers). A share per (dataset, version, set), idempotent; a shred deletes
 * it and keeps it out for good; the shred watcher's cursor. And the sealing context: a sealed
 * share does not open as the version's key nor as another set's share.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, hexlify, id, randomBytes } from "ethers";
import { createKeyBox } from "../../service/keys/at-rest.js";
import { rotateMasterKey } from "../../scripts/rotate-master-key.js";
import { shareContext } from "../../service/keys/share-deposit.js";
import { openPostgresStore } from "../../service/store/postgres.js";
import { openSqliteStore } from "../../service/store/sqlite.js";
import type { Store, StoreBinding, StoredShare } from "../../service/store/store.js";
import { createTestDatabase, pgOrSkip, type TestDatabase } from "../helpers/pg.js";

const BINDING: StoreBinding = { chainId: "31337", ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3", startBlock: 5 };
const PROVIDER = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");

function shareRow(o: Partial<StoredShare> = {}): StoredShare {
  return {
    datasetId: "7",
    version: 2,
    setId: 3,
    index: 1,
    sealed: randomBytes(61),
    proof: [id("node a"), id("node b")],
    sharesRoot: id("root"),
    depositedBy: PROVIDER,
    depositedAt: 1_800_000_000,
    ...o,
  };
}

function describeShares(name: string, open: (ctx: Mocha.Context) => Promise<{ store: Store; cleanup: () => Promise<void> } | undefined>): void {
  describe(`Store: custody shares (${name})`, function () {
    this.timeout(30_000);
    let store: Store;
    let cleanup: () => Promise<void> = async () => undefined;

    beforeEach(async function () {
      const made = await open(this);
      if (!made) return this.skip();
      ({ store, cleanup } = made);
    });
    afterEach(async () => {
      await store?.close();
      await cleanup();
    });

    it("stores a share per (dataset, version, set) and reads it back with its proof and root", async function () {
      const s = shareRow();
      expect(await store.putShare(s)).to.deep.equal({ created: true, shredded: false, woken: 0 });
      const back = await store.share("7", 2, 3);
      expect(back).to.deep.equal({ ...s, sealed: new Uint8Array(s.sealed), proof: s.proof.map((p) => p.toLowerCase()), sharesRoot: s.sharesRoot.toLowerCase() });
      expect(await store.share("7", 2, 4), "another set").to.equal(undefined);
      expect(await store.share("7", 1, 3), "another version").to.equal(undefined);
    });

    it("keeps the first share of a slot: a second put changes nothing and says so", async function () {
      const first = shareRow();
      await store.putShare(first);
      const second = shareRow({ sealed: randomBytes(61), index: 2 });
      expect(await store.putShare(second)).to.deep.equal({ created: false, shredded: false, woken: 0 });
      const back = await store.share("7", 2, 3);
      expect(hexlify(back!.sealed)).to.equal(hexlify(first.sealed));
      expect(back!.index).to.equal(1);
    });

    it("a shred deletes the share, is recorded once, and no share is taken for that slot again", async function () {
      await store.putShare(shareRow());
      await store.putShare(shareRow({ setId: 4 })); // another set's share of the same version stays
      const shred = { datasetId: "7", version: 2, setId: 3, orderedBlock: 42, shreddedAt: 1_800_000_100 };
      expect(await store.shredShare(shred)).to.deep.equal({ deleted: true, recorded: true });
      expect(await store.share("7", 2, 3)).to.equal(undefined);
      expect(await store.shredded("7", 2, 3)).to.equal(true);
      expect(await store.shredded("7", 2, 4)).to.equal(false);
      expect(await store.share("7", 2, 4)).to.not.equal(undefined);
      expect(await store.shredShare(shred), "replayed").to.deep.equal({ deleted: false, recorded: false });
      expect(await store.putShare(shareRow())).to.deep.equal({ created: false, shredded: true, woken: 0 });
      expect(await store.share("7", 2, 3)).to.equal(undefined);
    });

    it("a shred of a slot never held is recorded too (a later deposit is refused)", async function () {
      expect(await store.shredShare({ datasetId: "9", version: 1, setId: 1, orderedBlock: 8, shreddedAt: 1 })).to.deep.equal({ deleted: false, recorded: true });
      expect((await store.putShare(shareRow({ datasetId: "9", version: 1, setId: 1 }))).shredded).to.equal(true);
    });

    it("re-seals every share in one pass (master key rotation) and reads the new bytes back", async function () {
      await store.putShare(shareRow());
      await store.putShare(shareRow({ setId: 4, index: 0 }));
      const seen: string[] = [];
      const n = await store.rewrapShares((sh) => {
        seen.push(`${sh.setId}/${sh.index}`);
        return new Uint8Array([sh.setId, sh.index]);
      });
      expect([n, seen]).to.deep.equal([2, ["3/1", "4/0"]]);
      expect(hexlify((await store.share("7", 2, 4))!.sealed)).to.equal("0x0400");
    });

    it("keeps the shred watcher's cursor (−1 before the first scan)", async function () {
      expect(await store.custodyScanned()).to.equal(-1);
      await store.setCustodyScanned(120);
      expect(await store.custodyScanned()).to.equal(120);
      await store.setCustodyScanned(250);
      expect(await store.custodyScanned()).to.equal(250);
    });
  });
}

describeShares("SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealshare-shares-"));
  const store = await openSqliteStore(join(dir, "c.db"), BINDING);
  return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describeShares("PostgreSQL", async (ctx) => {
  if (!(await pgOrSkip(ctx, "the PostgreSQL custody shares suite"))) return undefined;
  const db: TestDatabase = await createTestDatabase("sealshare_shares");
  const store = await openPostgresStore(db.url, BINDING, { max: 2 });
  return { store, cleanup: () => db.drop() };
});

describe("Sealing a share: bound to its dataset, version, set and index", function () {
  it("opens only under its own context: not as the version's key, not as another set's or index's share", function () {
    const box = createKeyBox(randomBytes(32));
    const share = randomBytes(33);
    const sealed = box.seal(share, 7n, 2, shareContext(3, 1));
    expect(hexlify(box.open(sealed, 7n, 2, shareContext(3, 1)))).to.equal(hexlify(share));
    expect(() => box.open(sealed, 7n, 2)).to.throw(/failed authentication/);
    expect(() => box.open(sealed, 7n, 2, shareContext(4, 1))).to.throw(/failed authentication/);
    expect(() => box.open(sealed, 7n, 2, shareContext(3, 0))).to.throw(/failed authentication/);
    expect(() => box.open(sealed, 7n, 3, shareContext(3, 1))).to.throw(/failed authentication/);
  });

  it("master key rotation re-seals stored shares: they open under the new key only", async function () {
    const dir = mkdtempSync(join(tmpdir(), "sealshare-shares-rotate-"));
    try {
      const db = join(dir, "c.db");
      const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
      const share = randomBytes(33);
      const store = await openSqliteStore(db, BINDING);
      await store.putShare(shareRow({ sealed: createKeyBox(oldKey).seal(share, 7n, 2, shareContext(3, 1)) }));
      await store.close();
      const result = await rotateMasterKey({ db, binding: BINDING, oldKey, newKey });
      expect(result.sharesRewrapped).to.equal(1);
      const after = await openSqliteStore(db, BINDING);
      const sealed = (await after.share("7", 2, 3))!.sealed;
      await after.close();
      expect(hexlify(createKeyBox(newKey).open(sealed, 7n, 2, shareContext(3, 1)))).to.equal(hexlify(share));
      expect(() => createKeyBox(oldKey).open(sealed, 7n, 2, shareContext(3, 1))).to.throw(/unknown master key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
