/**
 * A registration the ledger refuses leaves the provider's blob folder as it was: `dataset
 * register` and `dataset publish-version` store the ciphertext before sending, and take back
 * the blob they added when the transaction reverts (sdk/actions/orphan-blob.ts) — but never a blob
 * that was there before, nor one a registered version names. Real CLI, real chain.
 */
import { expect } from "chai";
import { readdir, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Wallet } from "ethers";
import { registerMember } from "../../sdk/actions/index.js";
import { explain, startCliWorld, type CliWorld } from "./helpers.js";

/** Every file under `dir` (relative paths, sorted); a missing folder is empty. Puts' tmp/ leftovers count too. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

const blobFile = (w: CliWorld, merkleRoot: string) => join("merkle", merkleRoot.slice(2, 4), merkleRoot.slice(2));

describe("sealshare CLI: a refused registration leaves no orphan blob", function () {
  this.timeout(240_000);
  let w: CliWorld;
  let registered: { datasetId: string; merkleRoot: string };

  before(async () => {
    w = await startCliWorld();
    await registerMember({ ledger: w.ledger, signer: new Wallet(w.keys.supervisor, w.provider), fromBlock: w.deployment.deployBlock }, { member: w.addr.bank, kycRef: "bank", metadataURI: "" });
    await writeFile(join(w.dir, "ana.ndjson"), '{"account":"DE-1","balance":"10.00"}\n');
    await writeFile(join(w.dir, "ana-2.ndjson"), '{"account":"DE-1","balance":"12.00"}\n');
    const enc = await w.cli(["dataset", "encrypt", "ana.ndjson", "-o", "ana.sealed", "--key-out", "ana.key.json"]);
    expect(enc.code, explain(enc)).to.equal(0);
    const reg = await w.cli(["dataset", "register", "--sealed", "ana.sealed", "--key-file", "ana.key.json", "--subject", w.addr.ana, "--category", "deposit", "--key-out", "ana.v1.key.json"], { as: "bank" });
    expect(reg.code, explain(reg)).to.equal(0);
    registered = { datasetId: String(reg.json.datasetId), merkleRoot: String(reg.json.merkleRoot) };
  });

  after(async () => {
    await w?.stop();
  });

  it("dataset register by a non-member: refused (MembersNotActive), and the new ciphertext is gone again", async () => {
    const before = await filesUnder(w.blobDir);
    const r = await w.cli(["dataset", "register", "ana-2.ndjson", "--subject", w.addr.ana, "--category", "deposit", "--key-out", "mallory.key.json"], { as: "mallory" });
    expect(r.code, explain(r)).to.equal(1);
    expect(r.json?.error?.code, explain(r)).to.equal("MembersNotActive");
    expect(await filesUnder(w.blobDir)).to.deep.equal(before);
    expect(before).to.include(blobFile(w, registered.merkleRoot)); // the registered one is still there
  });

  it("dataset publish-version of an unknown dataset: refused (DatasetsUnknown), folder unchanged", async () => {
    const before = await filesUnder(w.blobDir);
    const r = await w.cli(["dataset", "publish-version", "999", "ana-2.ndjson", "--key-out", "v2.key.json"], { as: "bank" });
    expect(r.code, explain(r)).to.equal(1);
    expect(r.json?.error?.code, explain(r)).to.equal("DatasetsUnknown");
    expect(await filesUnder(w.blobDir)).to.deep.equal(before);
  });

  it("keeps a blob that was already stored before the refused attempt (same ciphertext)", async () => {
    const before = await filesUnder(w.blobDir);
    const r = await w.cli(["dataset", "register", "--sealed", "ana.sealed", "--key-file", "ana.key.json", "--subject", w.addr.ana, "--category", "deposit", "--key-out", "m2.key.json"], { as: "mallory" });
    expect(r.json?.error?.code, explain(r)).to.equal("MembersNotActive");
    expect(await filesUnder(w.blobDir)).to.deep.equal(before);
    expect(before).to.include(blobFile(w, registered.merkleRoot));
  });

  it("keeps a blob the refused attempt put back but a registered version names", async () => {
    // The registered version's file went missing (a restore, a hand-deleted file); a refused
    // attempt with the same ciphertext stores it again — the chain names it, so it stays.
    await rm(join(w.blobDir, blobFile(w, registered.merkleRoot)));
    const r = await w.cli(["dataset", "register", "--sealed", "ana.sealed", "--key-file", "ana.key.json", "--subject", w.addr.ana, "--category", "deposit", "--key-out", "m3.key.json"], { as: "mallory" });
    expect(r.json?.error?.code, explain(r)).to.equal("MembersNotActive");
    expect(await filesUnder(w.blobDir)).to.include(blobFile(w, registered.merkleRoot));
  });
});
