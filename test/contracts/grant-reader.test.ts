/**
 * contracts/readers/GrantValidityReader.sol, the deployless batch read of `isGrantValid`: one
 * `eth_call` with no `to` and the reader's creation code answers, per request id, exactly what
 * the ledger's view answers (the custodian's decoding lives in service/release/grant-reader.ts
 * and has its own tests; this pins the contract side against the ledger after its ABI changes,
 * and, against a stand-in ledger (contracts/test/doubles/GrantLedgerDouble.sol), the reverted-view
 * flag and the over-long key).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, dataSlice, getBytes, hexlify, toBigInt } from "ethers";
import { deploySealshare } from "./fixture.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);
const RECORD = 111;

/** The reader's creation code from the build Hardhat runs (under --coverage, the instrumented one). */
async function readerCode(w: { ethers: { getContractFactory(name: string): Promise<{ bytecode: string }> } }) {
  return (await w.ethers.getContractFactory("GrantValidityReader")).bytecode;
}

describe("GrantValidityReader (deployless)", function () {
  it("answers for each id what isGrantValid answers: valid grants, pending, revoked and unknown requests", async function () {
    const w = await load();
    const { requestId: formal } = await w.share();
    const { terms } = await w.consent();
    const pendingId = await w.request(terms);
    const { requestId: revoked } = await w.share();
    await w.ledger.connect(w.sup1).revokeGrant(revoked, 1);
    const ids = [formal, pendingId, revoked, 999n];
    const args = AbiCoder.defaultAbiCoder().encode(["address", "uint256[]"], [w.ledgerAddress, ids]);
    const out = getBytes(await w.ethers.provider.call({ data: (await readerCode(w)) + args.slice(2) }));
    expect(out.length).to.equal(8 + ids.length * RECORD);
    expect(toBigInt(out.slice(0, 8))).to.equal(BigInt(await w.ethers.provider.getBlockNumber()));
    for (const [i, id] of ids.entries()) {
      const rec = hexlify(out.slice(8 + i * RECORD, 8 + (i + 1) * RECORD));
      const g = await w.ledger.isGrantValid(id);
      expect(Number(dataSlice(rec, 0, 1)), `valid flag of ${id}`).to.equal(g.valid ? 1 : 0);
      expect(BigInt(dataSlice(rec, 1, 2))).to.equal(g.reason);
      expect(BigInt(dataSlice(rec, 2, 3))).to.equal(g.kind);
      expect(BigInt(dataSlice(rec, 3, 8))).to.equal(g.expiresAt);
      expect(BigInt(dataSlice(rec, 8, 16))).to.equal(g.datasetId);
      expect(BigInt(dataSlice(rec, 16, 20))).to.equal(g.version);
      expect(BigInt(dataSlice(rec, 20, 25))).to.equal(g.keyId);
      expect(dataSlice(rec, 25, 45).toLowerCase()).to.equal(g.requester.toLowerCase());
      const keyLength = Number(dataSlice(rec, 45, 46));
      expect(keyLength).to.equal(getBytes(g.publicKey).length);
      expect(dataSlice(rec, 46, 46 + keyLength)).to.equal(keyLength === 0 ? "0x" : g.publicKey);
      expect(dataSlice(rec, 79, 111)).to.equal(g.keyCommitment);
    }
  });

  it("flags an id whose view reverts, and a key longer than 33 bytes as length 0xff with no key", async function () {
    const w = await load();
    const double = await w.ethers.deployContract("GrantLedgerDouble", [34]);
    const ids = [2n, 1n];
    const args = AbiCoder.defaultAbiCoder().encode(["address", "uint256[]"], [await double.getAddress(), ids]);
    const out = getBytes(await w.ethers.provider.call({ data: (await readerCode(w)) + args.slice(2) }));
    expect(out.length).to.equal(8 + ids.length * RECORD);
    const long = hexlify(out.slice(8, 8 + RECORD));
    expect(Number(dataSlice(long, 0, 1)), "valid, not reverted").to.equal(1);
    expect(BigInt(dataSlice(long, 8, 16))).to.equal(7n);
    expect(dataSlice(long, 25, 45).toLowerCase()).to.equal("0x000000000000000000000000000000000000beef");
    expect(Number(dataSlice(long, 45, 46)), "key length").to.equal(0xff);
    expect(dataSlice(long, 46, 79)).to.equal(hexlify(new Uint8Array(33)));
    const reverted = hexlify(out.slice(8 + RECORD, 8 + 2 * RECORD));
    expect(reverted).to.equal(hexlify(new Uint8Array([0x02, ...new Uint8Array(RECORD - 1)])));
  });

  it("copies a key of exactly 33 bytes", async function () {
    const w = await load();
    const double = await w.ethers.deployContract("GrantLedgerDouble", [33]);
    const args = AbiCoder.defaultAbiCoder().encode(["address", "uint256[]"], [await double.getAddress(), [5n]]);
    const out = getBytes(await w.ethers.provider.call({ data: (await readerCode(w)) + args.slice(2) }));
    const rec = hexlify(out.slice(8, 8 + RECORD));
    expect(Number(dataSlice(rec, 45, 46))).to.equal(33);
    expect(dataSlice(rec, 46, 79)).to.equal("0x" + "ab".repeat(33));
  });
});
