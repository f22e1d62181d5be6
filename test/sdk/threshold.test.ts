/**
 * Threshold custody on the client (sdk/threshold/): Shamir shares of a data key, their on-chain
 * commitment (the shares root), wrapping to custodians, fetching from every custodian at once and
 * combining only shares that verify — with bad shares attributed to the custodian that gave them.
 */
import { expect } from "chai";
import { AbiCoder, getAddress, keccak256, Wallet } from "ethers";
import { PrivateKey } from "eciesjs";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { combine as rawCombine } from "shamir-secret-sharing";
import { SealshareError, THRESHOLD_ERROR_CODES } from "../../sdk/errors.js";
import { generateDataKey, keyCommitment, toHex, type KeyBinding } from "../../sdk/stream/index.js";
import {
  SHARE_LEAF_ENCODING,
  combineShares,
  commitShares,
  fetchShares,
  shareLeaf,
  splitDataKey,
  unwrapShare,
  verifyShare,
  verifyShareInSlot,
  wrapShares,
  type CustodianAnswer,
  type FetchedShare,
  type ShareAnswer,
  type ShareProgress,
  type ShareSlot,
  type ShareTarget,
} from "../../sdk/threshold/index.js";
import { rejection, rejects } from "./helpers/rejects.js";

const CUSTODY = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const MERKLE_ROOT = `0x${"ab".repeat(32)}`;

/** One version dealt to an n-custodian set with threshold t, as the provider would. */
async function deal(n: number, t: number, slotOverrides: Partial<ShareSlot> = {}) {
  const dek = generateDataKey();
  const custodians = Array.from({ length: n }, () => Wallet.createRandom().address);
  const slot: ShareSlot = { chainId: 31337n, custody: CUSTODY, datasetId: 7n, version: 2, setId: 3, ...slotOverrides };
  const binding: KeyBinding = { chainId: slot.chainId, ledger: LEDGER, datasetId: slot.datasetId, version: slot.version, merkleRoot: MERKLE_ROOT };
  const shares = await splitDataKey(dek, { n, t });
  const commitment = commitShares(slot, shares);
  const answers: ShareAnswer[] = custodians.map((custodian, index) => ({ custodian, index, share: shares[index]!, proof: commitment.shareProof(index) }));
  const params = (a: readonly CustodianAnswer[]) => ({
    slot,
    sharesRoot: commitment.root,
    set: { custodians, threshold: t },
    answers: a,
    key: { binding, commitment: keyCommitment(dek, binding) },
  });
  return { dek, custodians, slot, binding, shares, commitment, answers, params };
}

/** Every k-element subset of [0, n). */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}

const flipped = (share: Uint8Array, at = 0) => {
  const copy = Uint8Array.from(share);
  copy[at]! ^= 0x01;
  return copy;
};

describe("threshold custody (sdk/threshold)", () => {
  describe("split and combine", () => {
    for (const [t, n] of [
      [1, 1],
      [2, 3],
      [3, 5],
    ] as const) {
      it(`rebuilds the key from every set of ${t} of ${n} shares, and from all ${n}`, async () => {
        const w = await deal(n, t);
        expect(w.shares).to.have.length(n);
        for (const s of w.shares) expect(s).to.have.length(33);
        const all = await combineShares(w.params(w.answers));
        expect(toHex(all.dataKey)).to.equal(toHex(w.dek));
        expect(all.used).to.deep.equal(w.custodians.slice(0, t));
        expect(all.failures).to.deep.equal([]);
        for (const subset of subsets(n, t)) {
          const { dataKey, used, failures } = await combineShares(w.params(subset.map((i) => w.answers[i]!)));
          expect(toHex(dataKey), `subset ${subset}`).to.equal(toHex(w.dek));
          expect(used).to.deep.equal(subset.map((i) => w.custodians[i]));
          // The custodians not asked are listed as silent, not as liars.
          expect(failures.map((f) => [f.index, f.error.code])).to.deep.equal(
            [...Array(n).keys()].filter((i) => !subset.includes(i)).map((i) => [i, "THRESHOLD_CUSTODIAN_FAILED"]),
          );
        }
      });
    }

    it("at t = 1 every share is the key itself followed by its index + 1 (the same API, no field arithmetic)", async () => {
      const dek = generateDataKey();
      const shares = await splitDataKey(dek, { n: 3, t: 1 });
      shares.forEach((s, i) => {
        expect(toHex(s.subarray(0, 32))).to.equal(toHex(dek));
        expect(s[32]).to.equal(i + 1);
      });
    });

    it("at t ≥ 2 no share contains the key, and shares of the same key differ from one split to the next", async () => {
      const dek = generateDataKey();
      const a = await splitDataKey(dek, { n: 3, t: 2 });
      const b = await splitDataKey(dek, { n: 3, t: 2 });
      for (const s of a) expect(toHex(s.subarray(0, 32))).to.not.equal(toHex(dek));
      expect(a.map((s) => toHex(s))).to.not.deep.equal(b.map((s) => toHex(s)));
      expect(new Set(a.map((s) => s[32])).size).to.equal(3); // distinct points
    });

    it("refuses a shape no custodian set can have (THRESHOLD_INVALID_SET) and a key that is not 32 bytes", async () => {
      const dek = generateDataKey();
      for (const shape of [
        { n: 3, t: 0 },
        { n: 2, t: 3 },
        { n: 17, t: 2 },
        { n: 0, t: 0 },
        { n: 3, t: 1.5 },
      ]) {
        const err = await rejects(splitDataKey(dek, shape), "THRESHOLD_INVALID_SET");
        expect(err.details).to.deep.equal(shape);
      }
      let thrown: unknown;
      await splitDataKey(new Uint8Array(31), { n: 3, t: 2 }).catch((e: unknown) => (thrown = e));
      expect(thrown).to.be.instanceOf(RangeError);
    });
  });

  describe("t − 1 shares reveal nothing", () => {
    for (const [t, n] of [
      [2, 3],
      [3, 5],
    ] as const) {
      it(`combineShares refuses ${t - 1} good share(s) of a ${t}-of-${n} set with THRESHOLD_NOT_ENOUGH`, async () => {
        const w = await deal(n, t);
        const err = await rejects(combineShares(w.params(w.answers.slice(0, t - 1))), "THRESHOLD_NOT_ENOUGH");
        expect(err.details).to.include({ threshold: t, good: t - 1 });
      });

      it(`with ${t - 1} real share(s) of a ${t}-of-${n} split, every value of a key byte stays possible`, async () => {
        const w = await deal(n, t);
        const known = w.shares.slice(0, t - 1);
        const usedX = new Set(w.shares.map((s) => s[32]));
        const freeX = [...Array(255).keys()].map((i) => i + 1).find((x) => !usedX.has(x))!;
        // Complete the t − 1 real points with one invented point, its y swept over GF(2^8): the
        // interpolated key byte takes every one of the 256 values, so the real shares fix none.
        const firstBytes = new Set<number>();
        for (let y = 0; y < 256; y++) {
          const invented = new Uint8Array(33);
          invented[0] = y;
          invented[32] = freeX;
          const candidate = await rawCombine([...known.map((s) => Uint8Array.from(s)), invented]);
          firstBytes.add(candidate[0]!);
        }
        expect(firstBytes.size).to.equal(256);
      });
    }
  });

  describe("the shares root", () => {
    it("is the StandardMerkleTree root of [chainId, custody, datasetId, version, setId, index, keccak256(share)] leaves", async () => {
      const w = await deal(3, 2);
      expect([...SHARE_LEAF_ENCODING]).to.deep.equal(["uint256", "address", "uint64", "uint32", "uint32", "uint8", "bytes32"]);
      const values = w.shares.map((s, i) => ["31337", getAddress(CUSTODY), "7", 2, 3, i, keccak256(s)]);
      expect(w.commitment.root).to.equal(StandardMerkleTree.of(values, [...SHARE_LEAF_ENCODING]).root);
    });

    it("of a 1-of-1 set is the double-hashed ABI-encoded leaf itself (what the custody contract's MerkleProof checks)", async () => {
      const w = await deal(1, 1);
      const encoded = AbiCoder.defaultAbiCoder().encode([...SHARE_LEAF_ENCODING], [31337n, CUSTODY, 7n, 2, 3, 0, keccak256(w.shares[0]!)]);
      expect(w.commitment.root).to.equal(keccak256(keccak256(encoded)));
      expect(w.commitment.shareProof(0)).to.deep.equal([]);
    });

    it("verifies each share in its own slot with its proof", async () => {
      const w = await deal(5, 3);
      w.shares.forEach((s, i) => expect(verifyShareInSlot(w.commitment.root, w.slot, i, s, w.commitment.shareProof(i)), `share ${i}`).to.equal(true));
      expect(verifyShare(w.commitment.root, shareLeaf(w.slot, 4, w.shares[4]!), w.commitment.shareProof(4))).to.equal(true);
    });

    const elsewhere: [string, Partial<ShareSlot>][] = [
      ["another chain", { chainId: 1n }],
      ["another custody contract", { custody: LEDGER }],
      ["another dataset", { datasetId: 8n }],
      ["another version", { version: 3 }],
      ["another custodian set", { setId: 4 }],
    ];
    for (const [where, change] of elsewhere) {
      it(`fails verification for a share claimed for ${where}`, async () => {
        const w = await deal(3, 2);
        expect(verifyShareInSlot(w.commitment.root, { ...w.slot, ...change }, 1, w.shares[1]!, w.commitment.shareProof(1))).to.equal(false);
      });
    }

    it("fails verification for a share claimed at another index, a flipped byte or a malformed proof or root", async () => {
      const w = await deal(3, 2);
      const proof = w.commitment.shareProof(1);
      expect(verifyShareInSlot(w.commitment.root, w.slot, 0, w.shares[1]!, proof)).to.equal(false);
      expect(verifyShareInSlot(w.commitment.root, w.slot, 1, flipped(w.shares[1]!), proof)).to.equal(false);
      expect(verifyShareInSlot(w.commitment.root, w.slot, 1, w.shares[1]!, ["0x1234"])).to.equal(false);
      expect(verifyShareInSlot("0xdead", w.slot, 1, w.shares[1]!, proof)).to.equal(false);
      expect(verifyShareInSlot(w.commitment.root, w.slot, 300, w.shares[1]!, proof)).to.equal(false);
    });
  });

  describe("combine attributes every bad answer to its custodian", () => {
    it("a flipped share byte (value or point) is THRESHOLD_BAD_SHARE naming that custodian, and the key still comes from the others", async () => {
      for (const at of [0, 17, 32]) {
        const w = await deal(3, 2);
        const answers = [...w.answers];
        answers[0] = { ...w.answers[0]!, share: flipped(w.shares[0]!, at) };
        const { dataKey, used, failures } = await combineShares(w.params(answers));
        expect(toHex(dataKey)).to.equal(toHex(w.dek));
        expect(used).to.deep.equal([w.custodians[1], w.custodians[2]]);
        expect(failures).to.have.length(1);
        expect(failures[0]!.custodian).to.equal(w.custodians[0]);
        expect(failures[0]!.error.code).to.equal("THRESHOLD_BAD_SHARE");
        expect(failures[0]!.error.details).to.include({ custodian: w.custodians[0], index: 0 });
        expect(failures[0]!.error.message).to.contain(w.custodians[0]!);
      }
    });

    it("a share dealt for another version, or another custodian's share under one's own index, is a bad share", async () => {
      const w = await deal(3, 2);
      const other = await deal(3, 2, { version: 3 });
      const answers = [...w.answers];
      answers[1] = { custodian: w.custodians[1]!, index: 1, share: other.shares[1]!, proof: other.commitment.shareProof(1) };
      answers[2] = { custodian: w.custodians[2]!, index: 2, share: w.shares[0]!, proof: w.commitment.shareProof(0) };
      const err = await rejects(combineShares(w.params(answers)), "THRESHOLD_NOT_ENOUGH");
      const failures = (err.details as { failures: { custodian: string; code: string }[] }).failures;
      expect(failures.map((f) => [f.custodian, f.code])).to.deep.equal([
        [w.custodians[1], "THRESHOLD_BAD_SHARE"],
        [w.custodians[2], "THRESHOLD_BAD_SHARE"],
      ]);
    });

    it("an answer from outside the set, under a wrong index, or a second answer from one custodian is not used", async () => {
      const w = await deal(3, 2);
      const stranger = Wallet.createRandom().address;
      const answers: CustodianAnswer[] = [
        { custodian: stranger, index: 0, share: w.shares[0]!, proof: w.commitment.shareProof(0) },
        { custodian: w.custodians[1]!, index: 2, share: w.shares[1]!, proof: w.commitment.shareProof(1) },
        w.answers[2]!,
        w.answers[2]!,
        w.answers[0]!,
      ];
      const { dataKey, used, failures } = await combineShares(w.params(answers));
      expect(toHex(dataKey)).to.equal(toHex(w.dek));
      expect(used).to.deep.equal([w.custodians[2], w.custodians[0]]);
      expect(failures.map((f) => [f.custodian, f.error.code])).to.deep.equal([
        [stranger, "THRESHOLD_BAD_SHARE"],
        [w.custodians[1], "THRESHOLD_BAD_SHARE"],
        [w.custodians[2], "THRESHOLD_BAD_SHARE"],
      ]);
      expect(failures[1]!.error.message).to.contain("index 2").and.contain("index 1 on chain");
    });

    it("shares that match the root but rebuild another key than the committed one: THRESHOLD_KEY_MISMATCH (the dealer's fault)", async () => {
      const w = await deal(3, 2);
      const honest = w.params(w.answers);
      const err = await rejects(
        combineShares({ ...honest, key: { binding: w.binding, commitment: keyCommitment(generateDataKey(), w.binding) } }),
        "THRESHOLD_KEY_MISMATCH",
      );
      expect(err.details).to.deep.include({ used: [w.custodians[0], w.custodians[1]] });
    });

    it("fewer than t good shares: THRESHOLD_NOT_ENOUGH names every custodian that failed and why, and no share or key", async () => {
      const w = await deal(5, 3);
      const answers: CustodianAnswer[] = [
        w.answers[0]!,
        { custodian: w.custodians[1]!, index: 1, error: new Error("connection refused") },
        { ...w.answers[2]!, share: flipped(w.shares[2]!) },
        w.answers[3]!,
        // custodian 4 gives no answer at all
      ];
      const err = await rejects(combineShares(w.params(answers)), "THRESHOLD_NOT_ENOUGH");
      for (const i of [1, 2, 4]) expect(err.message).to.contain(w.custodians[i]!);
      for (const i of [0, 3]) expect(err.message).to.not.contain(w.custodians[i]!);
      expect(err.message).to.contain("connection refused");
      const details = err.details as { threshold: number; good: number; failures: { custodian: string; index: number; code: string }[] };
      expect(details.threshold).to.equal(3);
      expect(details.good).to.equal(2);
      expect(details.failures.map((f) => [f.custodian, f.index, f.code])).to.deep.equal([
        [w.custodians[1], 1, "THRESHOLD_CUSTODIAN_FAILED"],
        [w.custodians[2], 2, "THRESHOLD_BAD_SHARE"],
        [w.custodians[4], 4, "THRESHOLD_CUSTODIAN_FAILED"],
      ]);
      const everything = JSON.stringify({ message: err.message, hint: err.hint, details: err.details }).toLowerCase();
      expect(everything).to.not.contain(toHex(w.dek).slice(2));
      for (const s of w.shares) expect(everything).to.not.contain(toHex(s).slice(2, 34));
    });

    it("every code it throws is in the SDK's list of threshold codes", () => {
      expect([...THRESHOLD_ERROR_CODES]).to.include.members([
        "THRESHOLD_BAD_SHARE",
        "THRESHOLD_NOT_ENOUGH",
        "THRESHOLD_KEY_MISMATCH",
        "THRESHOLD_CUSTODIAN_TIMEOUT",
        "THRESHOLD_CUSTODIAN_FAILED",
        "THRESHOLD_INVALID_SET",
        "THRESHOLD_UNWRAP_FAILED",
      ]);
    });
  });

  describe("wrapping shares to custodians", () => {
    it("wraps share i to custodian i's key: each custodian opens its own share, which verifies in its slot, and no other", async () => {
      const w = await deal(3, 2);
      const keys = w.custodians.map(() => new PrivateKey());
      const wrapped = wrapShares(
        w.shares,
        w.custodians.map((custodian, i) => ({ custodian, publicKey: keys[i]!.publicKey.toBytes(true) })),
        w.commitment,
      );
      wrapped.forEach((ws, i) => {
        expect(ws.custodian).to.equal(w.custodians[i]);
        expect(ws.index).to.equal(i);
        const share = unwrapShare(keys[i]!.secret, ws.wrapped);
        expect(toHex(share)).to.equal(toHex(w.shares[i]!));
        expect(verifyShareInSlot(w.commitment.root, w.slot, i, share, ws.proof)).to.equal(true);
      });
      const err = (() => {
        try {
          unwrapShare(keys[1]!.secret, wrapped[0]!.wrapped);
        } catch (e) {
          return e;
        }
      })();
      expect(err).to.be.instanceOf(SealshareError);
      expect((err as SealshareError).code).to.equal("THRESHOLD_UNWRAP_FAILED");
    });

    it("wraps nothing when one key is not a secp256k1 point, or the lists do not match one to one", async () => {
      const w = await deal(3, 2);
      const good = new PrivateKey().publicKey.toBytes(true);
      const notOnCurve = Uint8Array.from([0x02, ...new Uint8Array(32).fill(0xff)]);
      const codeOf = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return (e as SealshareError).code;
        }
        return "no error";
      };
      const custodians = w.custodians.map((custodian, i) => ({ custodian, publicKey: i === 2 ? notOnCurve : good }));
      expect(codeOf(() => wrapShares(w.shares, custodians, w.commitment))).to.equal("INVALID_PUBLIC_KEY");
      expect(codeOf(() => wrapShares(w.shares.slice(0, 2), custodians.slice(0, 2), w.commitment))).to.equal("THRESHOLD_INVALID_SET");
    });
  });

  describe("fetching from every custodian at once", () => {
    const targets = (custodians: readonly string[]): ShareTarget[] => custodians.map((custodian, index) => ({ custodian, index }));
    /** A fetch that never answers; `seen.aborted` says whether it was told to stop. */
    const never = (signal: AbortSignal, seen: { aborted: boolean }) =>
      new Promise<FetchedShare>(() => {
        if (signal.aborted) seen.aborted = true;
        else signal.addEventListener("abort", () => (seen.aborted = true), { once: true });
      });

    it("tolerates n − t bad custodians (one timing out, one lying) in a 3-of-5 set, attributing both", async () => {
      const w = await deal(5, 3);
      const seen = { aborted: false };
      const progress: ShareProgress[] = [];
      const answers = await fetchShares({
        custodians: targets(w.custodians),
        timeoutMs: 200,
        onProgress: (p) => progress.push(p),
        fetchShare: async ({ index }, { signal }) => {
          if (index === 1) return never(signal, seen);
          const share = index === 3 ? flipped(w.shares[3]!) : w.shares[index]!;
          return { share, proof: w.commitment.shareProof(index) };
        },
      });
      expect(answers.map((a) => a.custodian)).to.deep.equal(w.custodians);
      expect(seen.aborted, "the timed-out fetch is told to stop").to.equal(true);
      const { dataKey, used, failures } = await combineShares(w.params(answers));
      expect(toHex(dataKey)).to.equal(toHex(w.dek));
      expect(used).to.deep.equal([w.custodians[0], w.custodians[2], w.custodians[4]]);
      expect(failures.map((f) => [f.custodian, f.error.code])).to.deep.equal([
        [w.custodians[1], "THRESHOLD_CUSTODIAN_TIMEOUT"],
        [w.custodians[3], "THRESHOLD_BAD_SHARE"],
      ]);
      const finals = Object.fromEntries(progress.filter((p) => p.status !== "asking").map((p) => [p.index, p.status]));
      expect(finals).to.deep.equal({ 0: "answered", 1: "timed-out", 2: "answered", 3: "answered", 4: "answered" });
      expect(progress.filter((p) => p.status === "asking").map((p) => p.index).sort()).to.deep.equal([0, 1, 2, 3, 4]);
    });

    it("fails with THRESHOLD_NOT_ENOUGH naming each custodian when fewer than t answer well", async () => {
      const w = await deal(5, 3);
      const answers = await fetchShares({
        custodians: targets(w.custodians),
        timeoutMs: 200,
        fetchShare: async ({ index }, { signal }) => {
          if (index === 0 || index === 4) return never(signal, { aborted: false });
          if (index === 2) throw new Error("HTTP 503");
          return { share: w.shares[index]!, proof: w.commitment.shareProof(index) };
        },
      });
      const err = await rejects(combineShares(w.params(answers)), "THRESHOLD_NOT_ENOUGH");
      const failures = (err.details as { failures: { custodian: string; code: string }[] }).failures;
      expect(failures.map((f) => [f.custodian, f.code])).to.deep.equal([
        [w.custodians[0], "THRESHOLD_CUSTODIAN_TIMEOUT"],
        [w.custodians[2], "THRESHOLD_CUSTODIAN_FAILED"],
        [w.custodians[4], "THRESHOLD_CUSTODIAN_TIMEOUT"],
      ]);
      expect(err.message).to.contain("HTTP 503");
    });

    it("stops waiting once t answers verify (enough): the custodian still pending is skipped and told to stop", async () => {
      const w = await deal(3, 2);
      const seen = { aborted: false };
      const progress: ShareProgress[] = [];
      const answers = await fetchShares({
        custodians: targets(w.custodians),
        timeoutMs: 3_600_000, // never reached: only `enough` can end this fetch
        onProgress: (p) => progress.push(p),
        enough: { needed: 2, accept: (a) => verifyShareInSlot(w.commitment.root, w.slot, a.index, a.share, a.proof) },
        fetchShare: async ({ index }, { signal }) => (index === 0 ? never(signal, seen) : { share: w.shares[index]!, proof: w.commitment.shareProof(index) }),
      });
      expect(seen.aborted).to.equal(true);
      expect(progress.find((p) => p.index === 0 && p.status !== "asking")?.status).to.equal("skipped");
      const { dataKey, used } = await combineShares(w.params(answers));
      expect(toHex(dataKey)).to.equal(toHex(w.dek));
      expect(used).to.deep.equal([w.custodians[1], w.custodians[2]]);
    });

    it("does not count answers that fail `accept` toward enough (a liar cannot end the wait)", async () => {
      const w = await deal(3, 2);
      const progress: ShareProgress[] = [];
      let release!: () => void;
      const late = new Promise<void>((resolve) => (release = resolve));
      const answers = await fetchShares({
        custodians: targets(w.custodians),
        timeoutMs: 3_600_000,
        onProgress: (p) => {
          progress.push(p);
          // Custodian 2 answers only after the liar's and custodian 1's answers were judged: had
          // the liar counted, those two would have met `enough` and custodian 2 would be skipped.
          if (progress.filter((q) => q.status === "answered").length === 2) release();
        },
        enough: { needed: 2, accept: (a) => verifyShareInSlot(w.commitment.root, w.slot, a.index, a.share, a.proof) },
        fetchShare: async ({ index }) => {
          if (index === 2) await late;
          const share = index === 0 ? flipped(w.shares[0]!) : w.shares[index]!;
          return { share, proof: w.commitment.shareProof(index) };
        },
      });
      expect(progress.filter((p) => p.status !== "asking").map((p) => p.status)).to.deep.equal(["answered", "answered", "answered"]);
      const { dataKey, failures } = await combineShares(w.params(answers));
      expect(toHex(dataKey)).to.equal(toHex(w.dek));
      expect(failures.map((f) => [f.custodian, f.error.code])).to.deep.equal([[w.custodians[0], "THRESHOLD_BAD_SHARE"]]);
    });

    it("never rejects for a custodian: a fetch that throws at once is a failure, one that answers without a share is a bad share", async () => {
      const w = await deal(3, 2);
      const answers = await fetchShares({
        custodians: targets(w.custodians),
        timeoutMs: 3_600_000,
        fetchShare: ({ index }) => {
          if (index === 0) throw new Error("no route to custodian");
          if (index === 1) return Promise.resolve(undefined as unknown as FetchedShare);
          return Promise.resolve({ share: w.shares[2]!, proof: w.commitment.shareProof(2) });
        },
      });
      const codes = answers.map((a) => ("error" in a ? (a.error as SealshareError).code : "share"));
      expect(codes).to.deep.equal(["THRESHOLD_CUSTODIAN_FAILED", "THRESHOLD_BAD_SHARE", "share"]);
      const err = await rejects(combineShares(w.params(answers)), "THRESHOLD_NOT_ENOUGH");
      expect(err.message).to.contain("no route to custodian");
    });

    it("asks nobody when the caller's signal has already fired", async () => {
      const w = await deal(3, 2);
      let calls = 0;
      const answers = await fetchShares({
        custodians: targets(w.custodians),
        timeoutMs: 3_600_000,
        signal: AbortSignal.abort(),
        fetchShare: async ({ index }) => {
          calls++;
          return { share: w.shares[index]!, proof: w.commitment.shareProof(index) };
        },
      });
      expect(calls).to.equal(0);
      expect(answers.every((a) => "error" in a)).to.equal(true);
    });

    it("the caller's signal stops every fetch still running", async () => {
      const w = await deal(3, 2);
      const stop = new AbortController();
      const seen = [{ aborted: false }, { aborted: false }, { aborted: false }];
      const pending = fetchShares({
        custodians: targets(w.custodians),
        timeoutMs: 3_600_000,
        signal: stop.signal,
        fetchShare: ({ index }, { signal }) => never(signal, seen[index]!),
      });
      stop.abort();
      const answers = await pending;
      expect(seen.every((s) => s.aborted)).to.equal(true);
      const err = await rejection(combineShares(w.params(answers)));
      expect(err.code).to.equal("THRESHOLD_NOT_ENOUGH");
    });
  });
});
