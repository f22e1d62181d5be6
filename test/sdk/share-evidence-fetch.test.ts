/**
 * Bad-share evidence from a real fetch, checked by the auditor: three custodian processes of a
 * 2-of-3 set (devkit/custodian-process.ts), the key dealt with the SDK's depositShares; custodian 0
 * turns dishonest — a test double in front of it re-signs its envelope, with its own account,
 * around a share with one byte flipped (only the shares root can tell). The requester fetches
 * with the SDK's fetchThresholdKey through clients wrapped by recordEnvelopes
 * (sdk/audit/share-evidence.ts), gets the key from the two honest shares, and keeps the liar's
 * envelope as evidence (badShareEvidence, written with writeShareEvidence); the auditor reads
 * the folder and verifyLedger names custodian 0: BAD_SHARE. The honest custodians' envelopes
 * make no evidence.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, getBytes, hexlify, randomBytes, Wallet } from "ethers";
import { CUSTODIAN_ROLE, deployCustody, type SealshareCustody } from "../../sdk/contracts.js";
import { writeDeployment } from "../../sdk/deployment-file.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { custodianDomain } from "../../sdk/eip712.js";
import { signEnvelope, type Envelope } from "../../sdk/envelope.js";
import { generateEncryptionKeyPair, unwrapKey, wrapKey } from "../../sdk/crypto/ecies.js";
import type { CustodyContext } from "../../sdk/actions/custody-context.js";
import { depositShares } from "../../sdk/actions/deposit-shares.js";
import { fetchThresholdKey } from "../../sdk/actions/fetch-threshold-key.js";
import { registerCustodianSet } from "../../devkit/build.js";
import { startCustodianProcess, type CustodianProcess } from "../../devkit/custodian-process.js";
import { createWorld, type World } from "../../devkit/world.js";
import { badShareEvidence, recordEnvelopes } from "../../sdk/audit/share-evidence.js";
import { readShareEvidence, writeShareEvidence } from "../../sdk/audit/evidence-folder.js";
import { verifyLedger } from "../../sdk/audit/verify.js";

describe("bad-share evidence from a real threshold fetch, checked by the auditor", function () {
  this.timeout(600_000);
  let world: World;
  let tmp: string;
  let custody: SealshareCustody;
  const wallets: Wallet[] = [];
  const procs: CustodianProcess[] = [];
  const servers: Server[] = [];

  /** Custodian `k`'s envelopes, re-signed by its own account around a share with one byte flipped; `answered` settles once it served one. */
  async function liar(k: number): Promise<{ url: string; answered: Promise<void> }> {
    let done!: () => void;
    const answered = new Promise<void>((r) => (done = r));
    const domain = custodianDomain(BigInt(world.deployment.chainId), getAddress(world.deployment.ledger));
    const server = createServer((req, res) => {
      void (async () => {
        const headers: Record<string, string> = {};
        for (const h of ["x-sealshare-issued-at", "x-sealshare-signature", "accept"]) if (typeof req.headers[h] === "string") headers[h] = req.headers[h] as string;
        const upstream = await fetch(`${procs[k]!.url}${req.url}`, { method: req.method, headers });
        let text = await upstream.text();
        const envelope = req.url!.startsWith("/v1/envelopes/");
        if (envelope && upstream.status === 200) {
          const e = JSON.parse(text) as Envelope;
          const share = unwrapKey(world.deviceKeys.insurer.privateKey, getBytes(e.wrappedKey));
          share[0] = share[0]! ^ 1;
          const { custodian: _c, signature: _s, ...rest } = e;
          text = JSON.stringify(await signEnvelope(wallets[k]!, domain, { ...rest, wrappedKey: hexlify(wrapKey(world.deviceKeys.insurer.publicKey, share)) }));
        }
        res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(text);
        if (envelope && upstream.status === 200) done();
      })().catch((err: unknown) => res.writeHead(502).end(String(err)));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, answered };
  }

  /** Custodian `k` as is, but its envelopes only once `after` settles (so the liar's answer is examined first). */
  async function late(k: number, after: Promise<void>): Promise<string> {
    const server = createServer((req, res) => {
      void (async () => {
        const headers: Record<string, string> = {};
        for (const h of ["x-sealshare-issued-at", "x-sealshare-signature", "accept"]) if (typeof req.headers[h] === "string") headers[h] = req.headers[h] as string;
        const upstream = await fetch(`${procs[k]!.url}${req.url}`, { method: req.method, headers });
        const text = await upstream.text();
        if (req.url!.startsWith("/v1/envelopes/") && upstream.status === 200) await after;
        res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(text);
      })().catch((err: unknown) => res.writeHead(502).end(String(err)));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  before(async function () {
    world = await createWorld();
    tmp = mkdtempSync(join(tmpdir(), "sealshare-evidence-fetch-"));
    const { admin } = world.accounts;
    ({ custody } = await deployCustody(admin, world.deployment.ledger));
    const deploymentPath = join(tmp, "deployment.json");
    await writeDeployment(deploymentPath, { ...world.deployment, custody: await custody.getAddress() });
    for (const i of [8, 9, 10]) {
      const wallet = new Wallet(world.chain.accounts[i]!, world.provider);
      await (await world.ledger.connect(admin).grantRole(CUSTODIAN_ROLE, wallet.address)).wait();
      wallets.push(wallet);
      // One after another: three processes starting at once crowd a 2-core machine. Each publishes its share key.
      procs.push(
        await startCustodianProcess({
          rpcUrl: world.chain.url,
          deploymentPath,
          dbPath: join(tmp, `custodian-${i}.db`),
          logPath: join(tmp, `custodian-${i}.log`),
          custodianKey: wallet.privateKey,
          eciesKey: hexlify(generateEncryptionKeyPair().privateKey),
          masterKey: hexlify(randomBytes(32)),
          confirmations: 0,
          pollMs: 100,
          timeoutMs: 180_000,
        }),
      );
    }
  });

  after(async function () {
    for (const s of servers) s.close();
    for (const p of procs) await p.stop("SIGKILL");
    await world?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("the liar's signed envelope becomes evidence, and the auditor names it BAD_SHARE; the honest envelopes make none", async function () {
    const { admin, bank, insurer } = world.accounts;
    const client = (url: string) => new CustodianClient(url, { chainId: world.deployment.chainId, ledger: world.deployment.ledger });
    const ctx = (signer: Wallet): CustodyContext => ({ ledger: world.ledger, custody, signer, fromBlock: world.deployment.deployBlock });
    const setId = Number(await registerCustodianSet(custody, admin, wallets.map((w) => w.address), 2));
    const ds = await world.registerDataset();
    const dealt = await depositShares(ctx(bank), { datasetId: ds.datasetId, version: 1, setId, dek: ds.dek, custodians: procs.map((p) => client(p.url)) });
    expect(dealt.delivered).to.have.length(3);
    const { requestId } = await world.grantedRequest(ds);

    const lying = await liar(0);
    const slow = await late(1, lying.answered);
    const rec = recordEnvelopes([client(lying.url), client(slow), client(procs[2]!.url)]);
    const key = await fetchThresholdKey(ctx(insurer), { custodians: rec.clients, requestId, devicePrivateKey: world.deviceKeys.insurer.privateKey, waitMs: 60_000 });
    expect(Buffer.from(key.dek).equals(Buffer.from(ds.dek))).to.equal(true);
    expect(key.used).to.not.include(wallets[0]!.address);
    expect(key.failures.map((f) => [f.custodian, f.error.code])).to.deep.include([wallets[0]!.address, "THRESHOLD_BAD_SHARE"]);

    const record = await custody.custodyOf(ds.datasetId, 1);
    const slot = { chainId: BigInt(world.deployment.chainId), custody: await custody.getAddress(), datasetId: ds.datasetId, version: 1, setId };
    const domain = custodianDomain(BigInt(world.deployment.chainId), getAddress(world.deployment.ledger));
    const evidence = badShareEvidence({ envelopes: rec.envelopes, failures: key.failures, domain, devicePrivateKey: world.deviceKeys.insurer.privateKey, slot, sharesRoot: record.sharesRoot });
    expect(evidence.map((e) => e.envelope.custodian)).to.deep.equal([wallets[0]!.address]);
    // Accusing everyone who answered: only the liar's envelope makes evidence (the others' shares verify).
    const everyone = badShareEvidence({
      envelopes: rec.envelopes,
      failures: wallets.map((w) => ({ custodian: w.address, error: { code: "THRESHOLD_BAD_SHARE" } })),
      domain,
      devicePrivateKey: world.deviceKeys.insurer.privateKey,
      slot,
      sharesRoot: record.sharesRoot,
    });
    expect(everyone.map((e) => e.envelope.custodian)).to.deep.equal([wallets[0]!.address]);

    const dir = join(tmp, "evidence");
    await writeShareEvidence(dir, evidence);
    const report = await verifyLedger({ ledger: world.ledger, provider: world.provider, fromBlock: world.deployment.deployBlock, custody: await custody.getAddress(), evidence: await readShareEvidence(dir) });
    expect(report.violations.filter((v) => v.check === "custody").map((v) => [v.code, v.custodian])).to.deep.equal([["BAD_SHARE", wallets[0]!.address]]);
    expect(report.refusedEvidence).to.deep.equal([]);
  });
});
