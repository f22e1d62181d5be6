/**
 * Threshold custody, end to end with real processes: a `hardhat node`, the ledger and the custody
 * contract beside it (sdk/contracts.ts deployCustody), and THREE custodians, each its own process
 * (devkit/custodian-process.ts) with its own account (CUSTODIAN_ROLE), ECIES key, master key,
 * SQLite file and log, registered on chain as a 2-of-3 set.
 *
 *  - Share deposits (POST /v1/shares) are refused by name: wrong index, wrong proof, not the
 *    provider, a set the custody record does not name, a replayed signature; a good one is
 *    stored, and the same share again is an idempotent 200.
 *  - Each custodian releases its own share for a grant, in an envelope signed over its share
 *    metadata; the requester combines 2 (sdk/threshold/combine.ts) into the DEK that matches the
 *    version's on-chain key commitment.
 *  - One custodian stopped: the two others still release, and 2 shares still rebuild the key.
 *  - The provider orders a shred: every custodian (the stopped one once restarted) deletes its
 *    share and confirms on chain; a later grant gets nothing, and a deposit is refused.
 *  - A change of set (a deposit of the version to another set): the old set's shares are deleted
 *    and the shred confirmed; the new set, in another order, takes and serves its shares.
 *  - No custodian's database file (with its WAL) or log holds the whole key (raw, hex, base64).
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, getBytes, hexlify, keccak256, type Signer } from "ethers";
import { CUSTODIAN_ROLE, deployCustody, type SealshareCustody } from "../../sdk/contracts.js";
import { CustodianClient, CustodianError } from "../../sdk/custodian-client.js";
import { custodianDomain, proofHash, SHARE_DEPOSIT_TYPES } from "../../sdk/eip712.js";
import { envelopeHash, verifyEnvelope, type Envelope } from "../../sdk/envelope.js";
import { splitDataKey } from "../../sdk/threshold/split.js";
import { commitShares, type SharesCommitment } from "../../sdk/threshold/commitment.js";
import { unwrapShare, wrapShare } from "../../sdk/threshold/wrap.js";
import { combineShares, type CustodianAnswer } from "../../sdk/threshold/combine.js";
import { verifyKeyCommitment } from "../../sdk/stream/commitment.js";
import { startCustodianProcess, type CustodianProcess } from "../../devkit/custodian-process.js";
import { openSqliteStore } from "../../service/store/sqlite.js";
import { prepareCustodyMembers, type CustodyMember } from "../helpers/custody-members.js";
import { createWorld, eventually, type World } from "../../devkit/world.js";
import type { Dataset } from "../../devkit/build.js";

interface Member extends CustodyMember {
  proc?: CustodianProcess;
  url?: string;
  encryptionKey?: string;
}

interface Deposit {
  datasetId: string;
  version: number;
  setId: number;
  index: number;
  wrappedShare: string;
  proof: string[];
  issuedAt: number;
  signature: string;
}

describe("threshold custody: three custodian processes, a 2-of-3 set", function () {
  this.timeout(600_000);
  let world: World;
  let tmp: string;
  let deploymentPath: string;
  let custody: SealshareCustody;
  let setId: number;
  let domain: ReturnType<typeof custodianDomain>;
  const members: Member[] = [];
  let ds: Dataset;
  let ds2: Dataset; // the change-of-set test's dataset
  let firstRequestId: bigint; // the first grant, released before the shred
  let shares: Uint8Array[];
  let commitment: SharesCommitment;

  async function start(m: Member): Promise<void> {
    m.proc = await startCustodianProcess({
      rpcUrl: world.chain.url,
      deploymentPath,
      dbPath: m.dbPath,
      logPath: m.logPath,
      custodianKey: m.wallet.privateKey,
      eciesKey: m.eciesKey,
      masterKey: m.masterKey,
      confirmations: 0,
      pollMs: 100,
      timeoutMs: 180_000,
    });
    m.url = m.proc.url;
    m.encryptionKey = (await client(m).info()).encryptionKey;
  }
  const client = (m: Member) => new CustodianClient(m.url!, { chainId: world.deployment.chainId, ledger: world.deployment.ledger });

  /** Signs a ShareDeposit as `signer` for the fields given (a fresh issuedAt). */
  async function signedDeposit(signer: Signer, f: Omit<Deposit, "issuedAt" | "signature">): Promise<Deposit> {
    const issuedAt = Math.floor(Date.now() / 1000);
    const signature = await signer.signTypedData(domain, SHARE_DEPOSIT_TYPES, {
      datasetId: BigInt(f.datasetId),
      version: f.version,
      setId: f.setId,
      index: f.index,
      wrappedShareHash: keccak256(f.wrappedShare),
      proofHash: proofHash(f.proof),
      issuedAt,
    });
    return { ...f, issuedAt, signature };
  }
  async function post(m: Member, body: Deposit): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${m.url}/v1/shares`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  /** The deposit of share `i` to custodian `i` (or what `o` overrides), signed by the bank. */
  function shareFields(i: number, o: Partial<Omit<Deposit, "issuedAt" | "signature">> & { to?: Member; share?: Uint8Array } = {}) {
    const to = o.to ?? members[i]!;
    return {
      datasetId: ds.datasetId.toString(),
      version: 1,
      setId,
      index: i,
      wrappedShare: hexlify(wrapShare(getBytes(to.encryptionKey!), o.share ?? shares[i]!)),
      proof: commitment.shareProof(i),
      ...o,
    };
  }
  const depositFields = (i: number, o: Parameters<typeof shareFields>[1] = {}): Omit<Deposit, "issuedAt" | "signature"> => {
    const { to: _to, share: _share, ...f } = shareFields(i, o);
    return f;
  };

  /** Polls a custodian for the envelope of `requestId` until it is released. */
  async function envelopeFrom(m: Member, requestId: bigint): Promise<Envelope> {
    return eventually(
      async () => {
        const r = await client(m).fetchEnvelope(world.accounts.insurer, requestId);
        return r.status === "ready" ? r.envelope : undefined;
      },
      `custodian ${m.wallet.address} releases its share of request ${requestId}`,
      90_000,
      1_000,
    );
  }

  /** Verifies, unwraps and combines the envelopes (from some of the custodians); returns the DEK. */
  async function combine(envelopes: { m: Member; e: Envelope }[], target: { ds: Dataset; setId: number } = { ds, setId }): Promise<Uint8Array> {
    const { ds, setId } = target;
    const answers: CustodianAnswer[] = envelopes.map(({ m, e }) => {
      verifyEnvelope(domain, e, m.wallet.address);
      return { custodian: m.wallet.address, index: e.share!.index, share: unwrapShare(world.deviceKeys.insurer.privateKey, getBytes(e.wrappedKey)), proof: e.share!.proof };
    });
    const record = await custody.custodyOf(ds.datasetId, 1);
    const set = await custody.custodianSet(setId);
    const version = await world.ledger.datasetVersion(ds.datasetId, 1);
    const slot = { chainId: BigInt(world.deployment.chainId), custody: await custody.getAddress(), datasetId: ds.datasetId, version: 1, setId };
    const { dataKey, failures } = await combineShares({
      slot,
      sharesRoot: record.sharesRoot,
      set: { custodians: set.custodians, threshold: Number(set.threshold) },
      answers,
      key: { binding: { chainId: BigInt(world.deployment.chainId), ledger: world.deployment.ledger, datasetId: ds.datasetId, version: 1, merkleRoot: version.merkleRoot }, commitment: version.keyCommitment },
    });
    // Only the custodians not asked are missing, and for that reason alone (no share was bad).
    const asked = new Set(envelopes.map(({ m }) => m.wallet.address));
    const order = set.custodians.map((c) => getAddress(c));
    expect(failures.map((f) => [f.custodian, f.error.message])).to.deep.equal(
      order.filter((c) => !asked.has(c)).map((c) => [c, `custodian ${c} (index ${order.indexOf(c)}) gave no answer`]),
    );
    return dataKey;
  }

  before(async function () {
    world = await createWorld();
    tmp = mkdtempSync(join(tmpdir(), "sealshare-threshold-"));
    const { admin, bank } = world.accounts;
    const prepared = await prepareCustodyMembers(world, tmp);
    ({ custody, deploymentPath } = prepared);
    members.push(...prepared.members);
    domain = custodianDomain(BigInt(world.deployment.chainId), getAddress(world.deployment.ledger));
    // One after another: three tsx processes starting at once crowd a 2-core machine.
    for (const m of members) await start(m); // each publishes its encryption key under CUSTODIAN_DEVICE_ID
    await (await custody.connect(admin).registerSet(members.map((m) => m.wallet.address), 2)).wait();
    setId = Number(await custody.lastSetId());

    ds = await world.registerDataset();
    shares = await splitDataKey(ds.dek, { n: 3, t: 2 });
    commitment = commitShares({ chainId: BigInt(world.deployment.chainId), custody: await custody.getAddress(), datasetId: ds.datasetId, version: 1, setId }, shares);
    await (await custody.connect(bank).depositShares(ds.datasetId, 1, setId, commitment.root)).wait();
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    for (const m of members) {
      const text = existsSync(m.logPath) ? readFileSync(m.logPath, "utf8") : "";
      console.log(`--- ${m.wallet.address}\n${text.split("\n").filter((l) => /"level":(40|50)|"level":"(warn|error)"|share|shred/.test(l)).slice(-15).join("\n")}`);
    }
  });

  after(async function () {
    for (const m of members) await m.proc?.stop("SIGKILL");
    await world?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("refuses share deposits by name: wrong index, wrong proof, not the provider, a set the custody record does not name", async function () {
    const { bank, mallory } = world.accounts;
    // Share 0 (index 0) sent to custodian 1, which is at index 1.
    const wrongIndex = await post(members[1]!, await signedDeposit(bank, depositFields(0, { to: members[1]! })));
    expect([wrongIndex.status, wrongIndex.body.code]).to.deep.equal([403, "wrong-share-index"]);
    // Custodian 1's own share with custodian 2's proof.
    const wrongProof = await post(members[1]!, await signedDeposit(bank, depositFields(1, { proof: commitment.shareProof(2) })));
    expect([wrongProof.status, wrongProof.body.code]).to.deep.equal([422, "share-proof-invalid"]);
    // Custodian 1 at index 1 with custodian 2's share and proof, relabelled: the leaf's index does not match.
    const otherShare = await post(members[1]!, await signedDeposit(bank, depositFields(1, { share: shares[2]!, proof: commitment.shareProof(2) })));
    expect([otherShare.status, otherShare.body.code]).to.deep.equal([422, "share-proof-invalid"]);
    // A correct share, signed by someone who is not the provider.
    const notProvider = await post(members[1]!, await signedDeposit(mallory, depositFields(1)));
    expect([notProvider.status, notProvider.body.code]).to.deep.equal([403, "not-provider"]);
    // A set the custody record does not name.
    const otherSet = await post(members[1]!, await signedDeposit(bank, depositFields(1, { setId: setId + 1 })));
    expect([otherSet.status, otherSet.body.code]).to.deep.equal([409, "shares-not-committed"]);
    // None of these stored anything.
    expect((await readStore(members[1]!, (s) => s.share(ds.datasetId.toString(), 1, setId))) ?? null).to.equal(null);
  });

  it("stores each custodian's own share; the same share again is a 200, the same signed body again a replay", async function () {
    const { bank } = world.accounts;
    for (const [i, m] of members.entries()) {
      const body = await signedDeposit(bank, depositFields(i));
      const first = await post(m, body);
      expect([first.status, first.body.status, first.body.index, first.body.setId]).to.deep.equal([201, "stored", i, setId]);
      const replay = await post(m, body);
      expect([replay.status, replay.body.code, replay.body.reason]).to.deep.equal([401, "bad-signature", "replayed"]);
    }
    await new Promise((r) => setTimeout(r, 1_000)); // a new issuedAt second: a new signature
    const again = await post(members[0]!, await signedDeposit(bank, depositFields(0)));
    expect([again.status, again.body.status]).to.deep.equal([200, "already-stored"]);
    const stored = await readStore(members[2]!, (s) => s.share(ds.datasetId.toString(), 1, setId));
    expect([stored?.index, stored?.proof]).to.deep.equal([2, commitment.shareProof(2).map((p) => p.toLowerCase())]);
  });

  it("each custodian releases its own share for a grant; 2 of them rebuild the DEK that matches the key commitment", async function () {
    const { requestId } = await world.grantedRequest(ds);
    firstRequestId = requestId;
    const envelopes = await Promise.all(members.map(async (m) => ({ m, e: await envelopeFrom(m, requestId) })));
    for (const [i, { m, e }] of envelopes.entries()) {
      expect(e.custodian).to.equal(m.wallet.address);
      expect({ setId: e.share?.setId, index: e.share?.index, threshold: e.share?.threshold }).to.deep.equal({ setId, index: i, threshold: 2 });
      expect(e.share!.proof).to.deep.equal(commitment.shareProof(i).map((p) => p.toLowerCase()));
      // The signature covers the share's metadata: relabel the index and it is not the custodian's any more.
      expect(() => verifyEnvelope(domain, { ...e, share: { ...e.share!, index: (i + 1) % 3 } }, m.wallet.address)).to.throw(/not signed by the custodian/);
      // One share alone is not the key.
      const one = unwrapShare(world.deviceKeys.insurer.privateKey, getBytes(e.wrappedKey));
      expect(hexlify(one.subarray(0, 32))).to.not.equal(hexlify(ds.dek));
    }
    const dek = await combine([envelopes[0]!, envelopes[2]!]);
    expect(hexlify(dek)).to.equal(hexlify(ds.dek));
    const v = await world.ledger.datasetVersion(ds.datasetId, 1);
    expect(verifyKeyCommitment(dek, { chainId: BigInt(world.deployment.chainId), ledger: world.deployment.ledger, datasetId: ds.datasetId, version: 1, merkleRoot: v.merkleRoot }, v.keyCommitment)).to.equal(true);
    // Each custodian's release receipt names the envelope it served (what the signature covers).
    await eventually(
      async () => {
        const logs = await world.keyReleasedLogs(requestId);
        return logs.length >= 3 ? logs : undefined;
      },
      "three KeyReleased receipts",
      60_000,
      250,
    );
    const hashes = (await world.keyReleasedLogs(requestId)).map((l) => l.envelopeHash.toLowerCase()).sort();
    expect(hashes).to.deep.equal(envelopes.map(({ e }) => envelopeHash(domain, e).toLowerCase()).sort());
  });

  it("with one custodian stopped, the two others still release and 2 shares still rebuild the key", async function () {
    await members[2]!.proc!.stop();
    const { requestId } = await world.grantedRequest(ds);
    const two = await Promise.all(members.slice(0, 2).map(async (m) => ({ m, e: await envelopeFrom(m, requestId) })));
    expect(hexlify(await combine(two))).to.equal(hexlify(ds.dek));
  });

  it("a shred order: every custodian deletes its share and confirms on chain; a later grant gets nothing", async function () {
    const { bank } = world.accounts;
    await (await custody.connect(bank).orderShred(ds.datasetId, 1)).wait();
    await start(members[2]!); // the stopped custodian catches up with the order when it comes back
    await eventually(
      async () => ((await custody.unconfirmedShred(ds.datasetId, 1, setId)).length === 0 ? true : undefined),
      "all three custodians confirmed the shred",
      120_000,
      500,
    );
    const confirmations = await custody.queryFilter(custody.filters.ShredConfirmed(ds.datasetId, 1, setId), world.deployment.deployBlock);
    expect(confirmations.map((l) => getAddress(l.args.custodian)).sort()).to.deep.equal(members.map((m) => m.wallet.address).sort());
    for (const m of members) {
      expect(await readStore(m, (s) => s.share(ds.datasetId.toString(), 1, setId)), m.wallet.address).to.equal(undefined);
      expect(await readStore(m, (s) => s.shredded(ds.datasetId.toString(), 1, setId))).to.equal(true);
    }

    // A share envelope released before the order is not served any more either.
    for (const m of members) {
      const err = await client(m)
        .fetchEnvelope(world.accounts.insurer, firstRequestId)
        .then(() => undefined, (e: unknown) => e);
      expect([(err as CustodianError).code, (err as CustodianError).problem?.reason], m.wallet.address).to.deep.equal(["grant-revoked", "custody:Shredded"]);
      const status = await client(m).grantStatus(world.accounts.insurer, firstRequestId);
      expect([status.status, status.reason]).to.deep.equal(["revoked", "custody:Shredded"]);
    }

    const { requestId } = await world.grantedRequest(ds);
    for (const m of members) {
      const err = await eventually(
        async () => {
          try {
            await client(m).fetchEnvelope(world.accounts.insurer, requestId);
            return undefined;
          } catch (e) {
            return e;
          }
        },
        "the release refused",
        60_000,
        1_000,
      );
      expect(err).to.be.instanceOf(CustodianError);
      expect([(err as CustodianError).code, (err as CustodianError).problem?.reason]).to.deep.equal(["grant-revoked", "custody:Shredded"]);
      const [row] = await readStore(m, (s) => s.releases(requestId.toString()));
      expect([row?.status, row?.envelope]).to.deep.equal(["refused", null]);
    }
    const late = await post(members[0]!, await signedDeposit(bank, depositFields(0)));
    expect([late.status, late.body.code]).to.deep.equal([410, "shares-shredded"]);
  });

  it("a change of set: the old set's shares are shredded and confirmed, the new set (other order) serves", async function () {
    const { admin, bank } = world.accounts;
    const chainId = BigInt(world.deployment.chainId);
    const custodyAddress = await custody.getAddress();
    ds2 = await world.registerDataset();
    // Set 1 gets the version first.
    const oldShares = await splitDataKey(ds2.dek, { n: 3, t: 2 });
    const oldCommit = commitShares({ chainId, custody: custodyAddress, datasetId: ds2.datasetId, version: 1, setId }, oldShares);
    await (await custody.connect(bank).depositShares(ds2.datasetId, 1, setId, oldCommit.root)).wait();
    for (const [i, m] of members.entries()) {
      const body = await signedDeposit(bank, {
        datasetId: ds2.datasetId.toString(),
        version: 1,
        setId,
        index: i,
        wrappedShare: hexlify(wrapShare(getBytes(m.encryptionKey!), oldShares[i]!)),
        proof: oldCommit.shareProof(i),
      });
      expect((await post(m, body)).status).to.equal(201);
    }
    // A new set, the same custodians in another order; the provider moves the version to it.
    const order = [members[2]!, members[0]!, members[1]!];
    await (await custody.connect(admin).registerSet(order.map((m) => m.wallet.address), 2)).wait();
    const newSetId = Number(await custody.lastSetId());
    const newShares = await splitDataKey(ds2.dek, { n: 3, t: 2 });
    const newCommit = commitShares({ chainId, custody: custodyAddress, datasetId: ds2.datasetId, version: 1, setId: newSetId }, newShares);
    await (await custody.connect(bank).depositShares(ds2.datasetId, 1, newSetId, newCommit.root)).wait();
    await eventually(
      async () => ((await custody.unconfirmedShred(ds2.datasetId, 1, setId)).length === 0 ? true : undefined),
      "the old set's custodians confirmed the shred",
      120_000,
      500,
    );
    for (const [j, m] of order.entries()) {
      expect(await readStore(m, (s) => s.share(ds2.datasetId.toString(), 1, setId)), "old set's share deleted").to.equal(undefined);
      const body = await signedDeposit(bank, {
        datasetId: ds2.datasetId.toString(),
        version: 1,
        setId: newSetId,
        index: j,
        wrappedShare: hexlify(wrapShare(getBytes(m.encryptionKey!), newShares[j]!)),
        proof: newCommit.shareProof(j),
      });
      const res = await post(m, body);
      expect([res.status, res.body.index, res.body.setId]).to.deep.equal([201, j, newSetId]);
    }
    const { requestId } = await world.grantedRequest(ds2);
    const envelopes = await Promise.all(order.map(async (m) => ({ m, e: await envelopeFrom(m, requestId) })));
    envelopes.forEach(({ e }, j) => expect([e.share?.setId, e.share?.index]).to.deep.equal([newSetId, j]));
    expect(hexlify(await combine([envelopes[1]!, envelopes[2]!], { ds: ds2, setId: newSetId }))).to.equal(hexlify(ds2.dek));
  });

  it("no custodian's database file or log holds the whole key (raw, hex or base64)", async function () {
    for (const m of members) await m.proc?.stop(); // flushes logs; the WAL is kept for the search
    const needles = [ds.dek, ds2.dek].flatMap((k) => {
      const dek = Buffer.from(k);
      return [dek, Buffer.from(dek.toString("hex")), Buffer.from(dek.toString("hex").toUpperCase()), Buffer.from(dek.toString("base64")), Buffer.from(dek.toString("base64url"))];
    });
    let searched = 0;
    for (const [i, m] of members.entries()) {
      let dbText = Buffer.alloc(0);
      for (const path of [m.dbPath, `${m.dbPath}-wal`, m.logPath]) {
        if (!existsSync(path)) continue;
        const bytes = readFileSync(path);
        searched += bytes.length;
        if (path !== m.logPath) dbText = Buffer.concat([dbText, bytes]);
        for (const n of needles) expect(bytes.includes(n), `${path} contains the DEK`).to.equal(false);
      }
      // The search does find what the custodian did store: the share's proof, in the envelopes it released.
      expect(dbText.includes(Buffer.from(commitment.shareProof(i)[0]!.slice(2).toLowerCase())), `${m.dbPath} holds its released envelopes`).to.equal(true);
      // The log does name the share work it did (so the search looked at real logs).
      expect(readFileSync(m.logPath, "utf8")).to.match(/key share deposited/);
    }
    expect(searched).to.be.greaterThan(0);
  });

  /** Reads a custodian's SQLite store (while its process runs: SQLite WAL readers do not block it). */
  async function readStore<T>(m: Member, fn: (s: Awaited<ReturnType<typeof openSqliteStore>>) => Promise<T>): Promise<T> {
    const s = await openSqliteStore(m.dbPath, { chainId: world.deployment.chainId, ledger: getAddress(world.deployment.ledger), startBlock: world.deployment.deployBlock });
    try {
      return await fn(s);
    } finally {
      await s.close();
    }
  }
});
