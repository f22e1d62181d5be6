/**
 * End to end, on a real `hardhat node` with the custodian as its own process: the attack that
 * key commitment v1 allowed (docs/FORMAT.md §11), played by a registered member.
 *
 * The victim bank registers a dataset and deposits its key; the attacker has seen the deposit's
 * body (the data key wrapped to the custodian). It registers a dataset of its own copying the
 * victim version's public facts — ciphertext hash, Merkle root, key commitment, size — with its
 * own slot (the ledger checks that), deposits the wrapped key it saw, consents as its own
 * subject, requests access and approves it as provider. Under v1 the custodian would have found
 * the copied commitment valid and released the victim's key to the attacker's device. Under v2
 * the commitment names the victim's dataset id, so the deposit is refused
 * (key-commitment-mismatch) and no envelope is ever served for the attacker's grant.
 */
import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Wallet } from "ethers";
import {
  advanceRequest,
  approveRequest,
  depositKey,
  fetchKey,
  giveConsent,
  publishEncryptionKey,
  registerDataset,
  registerMember,
  requestAccess,
  type SealshareContext,
} from "../../sdk/actions/index.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import { CustodianClient, CustodianError } from "../../sdk/custodian-client.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import type { SealshareError } from "../../sdk/errors.js";
import { keyCommitment } from "../../sdk/stream/index.js";
import { startCliWorld, type CliWorld, type Role } from "../cli/helpers.js";

const POLICY = { requireProvider: true, supervisorQuorum: 0, maxTemporary: 3600, maxFormal: 7 * 86_400 };

describe("end to end: a copied key commitment releases nothing", function () {
  this.timeout(300_000);
  let w: CliWorld;
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });

  before(async () => {
    w = await startCliWorld({ custodian: true });
  });
  after(async () => {
    await w?.stop();
  });

  it("refuses the attacker's deposit of the victim's wrapped key and never serves an envelope for its grant", async () => {
    for (const m of ["bank", "mallory"] as const) await registerMember(as("supervisor"), { member: w.addr[m], kycRef: m, metadataURI: "" });

    // 1. The victim registers a dataset and deposits its key; the attacker sees the request body.
    const plain = join(w.dir, "ana.ndjson");
    await writeFile(plain, Array.from({ length: 500 }, (_, i) => JSON.stringify({ account: `DE-${i}`, balance: i })).join("\n") + "\n");
    const victim = await registerDataset(as("bank"), { subject: w.addr.ana, category: "deposit", policy: POLICY, source: { plaintext: plain }, blobStore: new LocalBlobStore(w.blobDir) });
    const seen: { wrappedKey?: string } = {};
    const wiretapped = new CustodianClient(w.custodian!.url, {
      chainId: w.deployment.chainId,
      ledger: w.deployment.ledger,
      fetch: async (input, init) => {
        if (init?.method === "POST" && String(input).endsWith("/v1/keys")) seen.wrappedKey = (JSON.parse(String(init.body)) as { wrappedKey: string }).wrappedKey;
        return fetch(input, init);
      },
    });
    const deposited = await depositKey(as("bank"), { custodian: wiretapped, datasetId: victim.datasetId, version: 1, dek: victim.dek });
    expect(deposited.created).to.equal(true);
    expect(seen.wrappedKey).to.match(/^0x[0-9a-f]+$/);

    // 2. The attacker registers its own dataset with the victim version's public facts.
    const v = await w.ledger.datasetVersion(victim.datasetId, 1);
    const [published] = await w.ledger.queryFilter(w.ledger.filters.DatasetVersionPublished(victim.datasetId, 1));
    const slot = await w.ledger.nextDatasetId();
    const mallory = new Wallet(w.keys.mallory, w.provider);
    await (
      await w.ledger.connect(mallory).registerDataset(w.addr.mallory, 0, POLICY, `0x${"00".repeat(32)}`, {
        datasetId: slot,
        version: 1,
        merkleRoot: v.merkleRoot,
        keyCommitment: v.keyCommitment,
        size: v.size,
        formatId: published!.args.formatId,
        storageURI: published!.args.storageURI,
      })
    ).wait();
    expect((await w.ledger.dataset(slot)).provider).to.equal(w.addr.mallory);
    expect((await w.ledger.datasetVersion(slot, 1)).keyCommitment).to.equal(v.keyCommitment);
    // The copied commitment is the victim's slot's, not the attacker's.
    const binding = { chainId: BigInt(w.deployment.chainId), ledger: w.deployment.ledger, version: 1, merkleRoot: v.merkleRoot };
    expect(v.keyCommitment).to.equal(keyCommitment(victim.dek, { ...binding, datasetId: victim.datasetId }));
    expect(v.keyCommitment).to.not.equal(keyCommitment(victim.dek, { ...binding, datasetId: slot }));

    // 3. It deposits the wrapped key it saw: refused.
    const custodian = new CustodianClient(w.custodian!.url, { chainId: w.deployment.chainId, ledger: w.deployment.ledger });
    const refused = await custodian.depositWrappedKey(mallory, { datasetId: slot, version: 1, wrappedKey: seen.wrappedKey! }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(CustodianError);
    expect((refused as CustodianError).code).to.equal("key-commitment-mismatch");

    // 4. Consents as its own subject, publishes a device key, requests and approves: granted on chain.
    const deviceKey = generateEncryptionKeyPair();
    await publishEncryptionKey(as("mallory"), { device: "mallory/laptop", keyPair: deviceKey });
    const consent = await giveConsent(as("mallory"), { requester: w.addr.mallory, datasetId: slot, purpose: "underwriting" });
    const req = await requestAccess(as("mallory"), { datasetId: slot, purpose: "underwriting", kind: "formal", duration: "1d", device: "mallory/laptop", consent: consent.terms });
    const approved = await approveRequest(as("mallory"), { requestId: req.requestId, as: "provider" });
    if (!approved.granted) await advanceRequest(as("mallory"), { requestId: req.requestId });
    expect((await w.ledger.isGrantValid(req.requestId)).valid).to.equal(true);

    // 5. No envelope, ever: the custodian holds no key for the attacker's version.
    const until = Date.now() + 8_000;
    const answers: string[] = [];
    while (Date.now() < until) {
      const a = await custodian.fetchEnvelope(mallory, req.requestId);
      answers.push(a.status === "pending" ? a.reason : a.status);
      expect(a.status, "an envelope was served for the copied dataset").to.equal("pending");
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(answers.at(-1)).to.equal("waiting-for-key");
    const err = (await fetchKey(as("mallory"), { custodian, requestId: req.requestId, devicePrivateKey: deviceKey.privateKey }).then(
      () => undefined,
      (e: unknown) => e,
    )) as SealshareError;
    expect(err?.code).to.equal("KEY_NOT_READY");
    const released = await w.ledger.queryFilter(w.ledger.filters.KeyReleased(req.requestId));
    expect(released, "a release was recorded on chain").to.deep.equal([]);
  });
});
