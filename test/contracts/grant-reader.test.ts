/**
 * contracts/readers/GrantValidityReader.sol, the deployless batch read of `isGrantValid`: one
 * `eth_call` with no `to` and the reader's creation code answers, per request id, exactly what
 * the ledger's view answers (the custodian's decoding lives in service/release/grant-reader.ts
 * and has its own tests; this pins the contract side against the ledger after its ABI changes).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, dataSlice, getBytes, hexlify, toBigInt } from "ethers";
import { GrantValidityReader__factory } from "../../types/ethers-contracts/index.js";
import { deploySealshare } from "./fixture.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);
const RECORD = 111;

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
    const out = getBytes(await w.ethers.provider.call({ data: GrantValidityReader__factory.bytecode + args.slice(2) }));
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
});
