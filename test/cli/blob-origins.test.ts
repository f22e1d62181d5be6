/**
 * `sealshare dataset decrypt --blob-url`: the CLI reads ciphertexts from a blob server, sends its
 * credential (SEALSHARE_BLOB_AUTHORIZATION) to that server only, and follows a storage URI that a
 * provider registered on another origin only when the user allows that origin
 * (`--blob-allow-origin`) — then without the credential. Real CLI, real chain, real HTTP servers.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { hexlify, Wallet, ZeroHash } from "ethers";
import { encryptDataset, registerMember, type SealshareContext } from "../../sdk/actions/index.js";
import { LocalBlobStore, startBlobServer, type RunningBlobServer } from "../../sdk/blob/index.js";
import { keyCommitment } from "../../sdk/stream/index.js";
import { explain, startCliWorld, type CliWorld, type Role } from "./helpers.js";

const SECRET = "Bearer blob-server-token";
const POLICY = { requireProvider: true, supervisorQuorum: 0, maxTemporary: 3600, maxFormal: 7 * 86_400 };

describe("sealshare CLI: blobs over HTTP follow only allowed origins", function () {
  this.timeout(240_000);
  let w: CliWorld;
  let own: RunningBlobServer;
  let foreign: Server;
  let foreignOrigin: string;
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  let datasetId: bigint;
  let plain: string;
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });

  before(async () => {
    w = await startCliWorld();
    await registerMember(as("supervisor"), { member: w.addr.bank, kycRef: "bank", metadataURI: "" });
    const store = new LocalBlobStore(w.blobDir);
    own = await startBlobServer({ store });
    plain = join(w.dir, "ana.ndjson");
    await writeFile(plain, '{"account":"DE-1","balance":"10.00"}\n{"account":"DE-2","balance":"-2.50"}\n');
    const sealed = await encryptDataset({ input: plain, output: join(w.dir, "ana.sealed"), blobStore: store });
    const bytes = await readFile(sealed.ciphertextPath);
    // A server on another origin serving the same ciphertext, recording what it is sent.
    foreign = createServer((req, res) => {
      seen.push({ path: req.url ?? "", headers: req.headers });
      res.writeHead(200, { "content-length": String(bytes.length) }).end(bytes);
    });
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    // The provider registers the version with an absolute storage URI on that origin.
    datasetId = await w.ledger.nextDatasetId();
    const binding = { chainId: BigInt(w.deployment.chainId), ledger: w.deployment.ledger, datasetId, version: 1, merkleRoot: sealed.merkleRoot };
    await (
      await w.ledger.connect(new Wallet(w.keys.bank, w.provider)).registerDataset(w.addr.ana, 0, POLICY, ZeroHash, {
        datasetId,
        version: 1,
        merkleRoot: sealed.merkleRoot,
        keyCommitment: keyCommitment(sealed.dek, binding),
        size: sealed.size,
        formatId: ZeroHash,
        storageURI: `${foreignOrigin}/merkle/${sealed.merkleRoot.slice(2)}`,
      })
    ).wait();
    await writeFile(
      join(w.dir, "ana.key.json"),
      JSON.stringify({ type: "sealshare-data-key", datasetId: String(datasetId), version: 1, dek: hexlify(sealed.dek), merkleRoot: sealed.merkleRoot }),
      { mode: 0o600 },
    );
  });

  after(async () => {
    await own?.close();
    await new Promise<void>((resolve) => (foreign ? foreign.close(() => resolve()) : resolve()));
    await w?.stop();
  });

  it("refuses a storage URI on an origin that was not allowed, without contacting it", async () => {
    const r = await w.cli(["dataset", "decrypt", String(datasetId), "--key-file", "ana.key.json", "-o", "refused.ndjson", "--blob-url", own.url], { env: { SEALSHARE_BLOB_AUTHORIZATION: SECRET } });
    expect(r.code, explain(r)).to.equal(1);
    expect(r.json?.error?.code, explain(r)).to.equal("BLOB_ORIGIN_NOT_ALLOWED");
    expect(r.stdout + r.stderr).to.not.include("blob-server-token");
    expect(seen, "the foreign origin was contacted").to.deep.equal([]);
    expect(existsSync(join(w.dir, "refused.ndjson"))).to.equal(false);
  });

  it("reads it once the origin is allowed (--blob-allow-origin), and never sends it the credential", async () => {
    const r = await w.cli(["dataset", "decrypt", String(datasetId), "--key-file", "ana.key.json", "-o", "allowed.ndjson", "--blob-url", own.url, "--blob-allow-origin", foreignOrigin], {
      env: { SEALSHARE_BLOB_AUTHORIZATION: SECRET },
    });
    expect(r.code, explain(r)).to.equal(0);
    expect(await readFile(join(w.dir, "allowed.ndjson"), "utf8")).to.equal(await readFile(plain, "utf8"));
    expect(seen.length).to.be.greaterThan(0);
    for (const s of seen) expect(s.headers.authorization, "the credential went to the foreign origin").to.equal(undefined);
  });
});
