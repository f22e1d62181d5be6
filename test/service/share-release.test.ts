/**
 * The release step of threshold custody (service/release/share-release.ts), one case per line of
 * its header, over a custody contract stand-in that answers `custodyOf` / `shareGrant` per block
 * tag and records what it was asked, a real key box and an in-memory share table.
 */
import { expect } from "chai";
import { hexlify, id, randomBytes } from "ethers";
import { createKeyBox } from "../../service/keys/at-rest.js";
import { shareContext } from "../../service/keys/share-deposit.js";
import { shareForRelease, type CustodyCache, type ShareReleaseDeps } from "../../service/release/share-release.js";
import type { Custody } from "../../service/custody/contract.js";
import type { StoredShare } from "../../service/store/store.js";

const SELF = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const FINAL = 40;
const REASON = { None: 0, GrantInvalid: 1, NotDeposited: 2, Shredded: 3, NotInSet: 4 } as const;
type Answer = { valid: boolean; reason: number; setId: number; index: number; threshold: number };
const valid: Answer = { valid: true, reason: REASON.None, setId: 3, index: 1, threshold: 2 };

function world(o: { setAtFinal?: number; atFinal?: Partial<Answer>; atHead?: Partial<Answer>; shredded?: boolean; row?: Partial<StoredShare> | null } = {}) {
  const asked: string[] = [];
  const custody = {
    async custodyOf(d: bigint, v: number, opts: { blockTag: number | string }) {
      asked.push(`custodyOf(${d},${v})@${opts.blockTag}`);
      return { setId: BigInt(o.setAtFinal ?? 3) };
    },
    async shareGrant(requestId: bigint, who: string, opts: { blockTag: number | string }) {
      asked.push(`shareGrant(${requestId},${who})@${opts.blockTag}`);
      const a = { ...valid, ...(opts.blockTag === "latest" ? o.atHead : o.atFinal) };
      return { ...a, reason: BigInt(a.reason), setId: BigInt(a.setId), index: BigInt(a.index), threshold: BigInt(a.threshold) };
    },
  } as unknown as Custody;
  const keyBox = createKeyBox(randomBytes(32));
  const share = randomBytes(33);
  const proof = [id("p0"), id("p1")];
  const row: StoredShare | undefined =
    o.row === null
      ? undefined
      : { datasetId: "7", version: 2, setId: 3, index: 1, sealed: keyBox.seal(share, 7n, 2, shareContext(3, 1)), proof, sharesRoot: id("root"), depositedBy: SELF, depositedAt: 1, ...o.row };
  const deps: ShareReleaseDeps = {
    custody,
    self: SELF,
    keyBox,
    store: {
      async share(d, v, s) {
        return row && row.datasetId === d && row.version === v && row.setId === s ? row : undefined;
      },
      async shredded() {
        return o.shredded ?? false;
      },
    },
  };
  const grant = { requestId: "9", datasetId: 7n, version: 2 };
  return { deps, grant, asked, share, proof, run: (cache: CustodyCache = new Map()) => shareForRelease(deps, grant, FINAL, cache) };
}

describe("Share release: what the custody contract says decides", function () {
  it("no custody record at the finalized block: the version is served with a whole key, shareGrant not asked", async function () {
    const w = world({ setAtFinal: 0 });
    expect(await w.run()).to.deep.equal({ action: "whole-key" });
    expect(w.asked).to.deep.equal([`custodyOf(7,2)@${FINAL}`]);
  });

  it("releases the stored share with set, index, threshold and proof, after asking shareGrant at the finalized block and the head", async function () {
    const w = world();
    const out = await w.run();
    expect(out.action).to.equal("release");
    if (out.action !== "release") return;
    expect(hexlify(out.share)).to.equal(hexlify(w.share));
    expect(out.meta).to.deep.equal({ setId: 3, index: 1, threshold: 2, proof: w.proof });
    expect(w.asked).to.have.members([`custodyOf(7,2)@${FINAL}`, `shareGrant(9,${SELF})@${FINAL}`, `shareGrant(9,${SELF})@latest`]);
  });

  it("refuses for good what cannot change: Shredded, NotInSet at the finalized block", async function () {
    expect(await world({ atFinal: { valid: false, reason: REASON.Shredded } }).run()).to.deep.equal({ action: "refuse", reason: "custody:Shredded" });
    expect(await world({ atFinal: { valid: false, reason: REASON.NotInSet } }).run()).to.deep.equal({ action: "refuse", reason: "custody:NotInSet" });
  });

  it("defers with back-off what may change: GrantInvalid, NotDeposited at the finalized block", async function () {
    expect(await world({ atFinal: { valid: false, reason: REASON.GrantInvalid } }).run()).to.deep.equal({ action: "defer", reason: "custody:GrantInvalid", retry: "backoff" });
    expect(await world({ atFinal: { valid: false, reason: REASON.NotDeposited } }).run()).to.deep.equal({ action: "defer", reason: "custody:NotDeposited", retry: "backoff" });
  });

  it("valid at the finalized block but not at the head: deferred soon, never refused (that block may be orphaned)", async function () {
    expect(await world({ atHead: { valid: false, reason: REASON.Shredded } }).run()).to.deep.equal({ action: "defer", reason: "custody-at-head:Shredded", retry: "soon" });
  });

  it("a set shredded here is refused even while the chain's final answer is still valid", async function () {
    expect(await world({ shredded: true }).run()).to.deep.equal({ action: "refuse", reason: "custody:Shredded" });
  });

  it("no share stored for the serving set: waits for the deposit", async function () {
    expect(await world({ row: null }).run()).to.deep.equal({ action: "wait-share", setId: 3 });
    expect(await world({ atFinal: { setId: 4 }, atHead: { setId: 4 } }).run(), "the set serving now is another").to.deep.equal({ action: "wait-share", setId: 4 });
  });

  it("a stored share at another index than the contract names is held, never served", async function () {
    expect(await world({ row: { index: 0 } }).run()).to.deep.equal({ action: "defer", reason: "share-index-mismatch", retry: "backoff" });
  });

  it("reads each version's custody record once per round", async function () {
    const w = world({ setAtFinal: 0 });
    const cache: CustodyCache = new Map();
    await w.run(cache);
    await w.run(cache);
    expect(w.asked.filter((a) => a.startsWith("custodyOf"))).to.have.length(1);
  });
});
