/**
 * The envelope of a released Shamir share (threshold custody): signed as a KeyShareEnvelope
 * whose fields include the share's set, index, threshold and proof hash, by the custodian's fast
 * signer (service/release/signing.ts) exactly as sdk/envelope.ts computes it; the requester's
 * verifyEnvelope accepts it and refuses any change to the share metadata. An envelope without a
 * share keeps its KeyEnvelope digest, unchanged.
 */
import { expect } from "chai";
import { id, keccak256, TypedDataEncoder, Wallet } from "ethers";
import { custodianDomain, KEY_ENVELOPE_TYPES } from "../../sdk/eip712.js";
import { envelopeHash, verifyEnvelope } from "../../sdk/envelope.js";
import { createEnvelopeSigner, type UnsignedEnvelope } from "../../service/release/signing.js";

const domain = custodianDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const wallet = Wallet.createRandom();
const base: UnsignedEnvelope = {
  requestId: "12",
  datasetId: "7",
  version: 2,
  kind: 2,
  expiresAt: 4_000_000_000,
  keyId: 5,
  wrappedKey: "0x" + "ab".repeat(130),
};
const share = { setId: 3, index: 1, threshold: 2, proof: [id("a"), id("b")] };

describe("Share envelopes: the signature covers which share it is", function () {
  it("the custodian's fast signer signs a share envelope as sdk/envelope.ts hashes it, and the requester verifies it", async function () {
    const signer = await createEnvelopeSigner(wallet, domain);
    const { envelope, envelopeHash: digest } = await signer.sign({ ...base, share });
    expect(digest).to.equal(envelopeHash(domain, { ...base, share }));
    expect(envelope.share).to.deep.equal(share);
    expect(() => verifyEnvelope(domain, envelope, wallet.address)).to.not.throw();
  });

  it("any change to the share's set, index, threshold or proof breaks the signature", async function () {
    const { envelope } = await (await createEnvelopeSigner(wallet, domain)).sign({ ...base, share });
    for (const changed of [
      { ...share, setId: 4 },
      { ...share, index: 0 },
      { ...share, threshold: 1 },
      { ...share, proof: [id("a")] },
      { ...share, proof: [id("b"), id("a")] },
    ]) {
      expect(() => verifyEnvelope(domain, { ...envelope, share: changed }, wallet.address), JSON.stringify(changed)).to.throw(/not signed by the custodian/);
    }
    // Dropping the share makes it a KeyEnvelope: not what was signed either.
    const { share: _dropped, ...withoutShare } = envelope;
    expect(() => verifyEnvelope(domain, withoutShare, wallet.address)).to.throw(/not signed by the custodian/);
  });

  it("an envelope without a share keeps the KeyEnvelope digest", async function () {
    const { envelope, envelopeHash: digest } = await (await createEnvelopeSigner(wallet, domain)).sign(base);
    const { requestId, datasetId, version, kind, expiresAt, keyId, wrappedKey } = base;
    const plain = TypedDataEncoder.hash(domain, KEY_ENVELOPE_TYPES, {
      requestId: BigInt(requestId),
      datasetId: BigInt(datasetId),
      version,
      kind,
      expiresAt,
      keyId,
      wrappedKeyHash: keccak256(wrappedKey),
    });
    expect(digest).to.equal(plain);
    expect(envelope).to.not.have.property("share");
    expect(() => verifyEnvelope(domain, envelope, wallet.address)).to.not.throw();
  });
});
