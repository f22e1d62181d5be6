/**
 * The Sealshare story (../shared/SCENARIOS.md "The story"), played by named actors against a
 * running chain and custodian. The demo tells it with a ~10 MB file; the end-to-end test plays
 * it with a small one and asserts every check. Nothing here is simulated: real transactions,
 * real signatures, real encryption, the real custodian over HTTP.
 *
 * What it shows is what the ledger enforces (issue 11, "close the trust holes"):
 *  - the supervisors set a floor for deposit data — provider approval and two supervisors, and
 *    temporary grants only after that quorum (`TemporaryRule.AfterQuorum`, the default) — so no
 *    key leaves, temporary or formal, before both supervisors approved: the story asks the
 *    custodian after each approval and fails if an envelope is fetchable too early;
 *  - device keys are published with a proof of possession (SDK `publishEncryptionKey`), and a
 *    copied proof is refused;
 *  - the version is registered with the data-key commitment v2, bound to chain, ledger, dataset
 *    and version (SDK `registerDataset`; the story computes no commitment itself); the key is
 *    deposited by the SDK's `depositKey` (custodian role and live key checked on chain) and
 *    fetched by its `fetchKey` (every check of DESIGN §8);
 *  - at the end an auditor's `verifyLedger` over the whole ledger, with the custodian's receipt
 *    proofs (as `sealshare audit verify --custodian-proofs`), reports zero violations.
 *
 * Threshold custody (issue 14; `custody` in the environment: the demo's default, a 2-of-3 set of
 * custodian processes, devkit/custodian-set.ts): the bank deposits Shamir shares of the key with
 * the set instead of the key with one custodian (SDK `depositShares`: split, shares root on chain,
 * share i to custodian i), and the insurer rebuilds the key from t custodians' shares (SDK
 * `fetchThresholdKey`), printing each custodian's progress. When the set has one custodian to
 * spare, one is stopped before the grant and the key still comes from the others; then a lying
 * custodian (devkit/lying-custodian.ts: signed, well-formed, wrong share) is named by the SDK.
 * Without `custody` (test/e2e) the story is the single custodian's, as before.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { hexlify, id, parseEther, Wallet, type JsonRpcProvider } from "ethers";
import { approveRequest } from "../../sdk/actions/approve-request.js";
import { decryptDataset } from "../../sdk/actions/decrypt-dataset.js";
import { getDataset } from "../../sdk/actions/get-dataset.js";
import { getRequestStatus } from "../../sdk/actions/get-request-status.js";
import { listReleases } from "../../sdk/actions/list-releases.js";
import { listRequests } from "../../sdk/actions/list-requests.js";
import { recordUsage } from "../../sdk/actions/record-usage.js";
import { registerMember } from "../../sdk/actions/register-member.js";
import { namesWithMembers } from "../../sdk/actions/resolve-member-names.js";
import { requestAccess } from "../../sdk/actions/request-access.js";
import { revokeConsent } from "../../sdk/actions/revoke-consent.js";
import { setCategoryMinimum } from "../../sdk/actions/set-category-minimum.js";
import { signConsent } from "../../sdk/actions/sign-consent.js";
import { exportReceipt, receiptHash, verifyReceiptOnChain } from "../../sdk/consent/index.js";
import { depositKey } from "../../sdk/actions/deposit-key.js";
import { fetchKey } from "../../sdk/actions/fetch-key.js";
import { publishEncryptionKey } from "../../sdk/actions/publish-encryption-key.js";
import { registerDataset } from "../../sdk/actions/register-dataset.js";
import { connectLedger, CUSTODIAN_ROLE, SUPERVISOR_ROLE, type Deployment, type Sealshare } from "../../sdk/contracts.js";
import { ledgerDomain } from "../../sdk/eip712.js";
import { SealshareError } from "../../sdk/errors.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { keyPossessionProof } from "../../sdk/crypto/key-possession.js";
import { CustodianClient, CustodianError } from "../../sdk/custodian-client.js";
import { decodeRevert } from "../../sdk/revert.js";
import { readTimeline, type TimelineEntry } from "../../sdk/audit/timeline.js";
import { verifyLedger, type VerifyReport } from "../../sdk/audit/verify.js";
import { fetchReceiptProofs } from "../../sdk/audit/proofs.js";
import { Category, GrantInvalidReason, GrantKind, Purpose, TemporaryRule } from "../../sdk/vocabulary.js";
import { hashFile, verifyKeyCommitment } from "../../sdk/stream/index.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import type { Envelope } from "../../sdk/envelope.js";
import { writeSampleRecords, ndjsonToCsv } from "../../devkit/sample-records.js";
import type { SealshareCustody } from "../../sdk/contracts.js";
import type { CustodyContext } from "../../sdk/actions/custody-context.js";
import { depositShares } from "../../sdk/actions/deposit-shares.js";
import { fetchThresholdKey } from "../../sdk/actions/fetch-threshold-key.js";
import type { ShareProgress } from "../../sdk/threshold/fetch-shares.js";
import { custodianDomain } from "../../sdk/eip712.js";
import type { CustodianSet } from "../../devkit/custodian-set.js";
import { startLyingCustodian } from "../../devkit/lying-custodian.js";

export interface StoryEnvironment {
  provider: JsonRpcProvider;
  deployment: Deployment;
  custodianUrl: string;
  /**
   * Funded private keys: [admin, supervisor, bank, insurer, lender, ana] and optionally a second
   * supervisor (without it the admin funds a fresh account for the role).
   */
  keys: string[];
  workDir: string;
  recordBytes: number;
  /** Progress output: one call per step. */
  say: (line: string) => void;
  /**
   * Threshold custody: the custody contract and the running custodian set (its first member is
   * the custodian at `custodianUrl`), and the custodians' private keys in set order (the lying
   * custodian of the story signs as one of them). Without it, the single-custodian story.
   */
  custody?: { contract: SealshareCustody; set: CustodianSet; custodianKeys: readonly string[] };
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface StoryResult {
  checks: Check[];
  timeline: TimelineEntry[];
  datasetId: bigint;
  requestId: bigint;
  originalSha256: string;
  decryptedSha256: string;
  csvPath: string;
  /** The auditor's report over the whole ledger at the end of the story. */
  audit: VerifyReport;
  /** Secrets and plaintext the run handled (hex / text), for tests that scan logs for leaks. */
  secrets: string[];
}

const DAY = 86_400;
/** Long enough for the custodian (polling every 100 ms) to have seen the block it is asked about. */
const CUSTODIAN_CATCH_UP_MS = 1_500;

export async function playStory(env: StoryEnvironment): Promise<StoryResult> {
  const { provider, deployment, say } = env;
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail = "") => {
    checks.push({ name, ok, detail });
    say(`  ${ok ? "✔" : "✘"} ${name}${detail ? ` — ${detail}` : ""}`);
  };
  if (env.keys.length < 6) throw new Error("the story needs six funded accounts");
  const [admin, sup, bank, insurer, lender, ana] = env.keys.map((k) => new Wallet(k, provider)) as [Wallet, Wallet, Wallet, Wallet, Wallet, Wallet];
  const ledger = connectLedger(deployment.ledger, provider);
  const as = (w: Wallet): Sealshare => ledger.connect(w) as Sealshare;
  const ctx = (w: Wallet): CustodyContext => ({ ledger: as(w), signer: w, fromBlock: deployment.deployBlock, ...(env.custody ? { custody: env.custody.contract } : {}) });
  const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);
  const custodian = new CustodianClient(env.custodianUrl, { chainId: deployment.chainId, ledger: deployment.ledger });
  const set = env.custody?.set;
  // One client per custodian of the set, kept for the whole story: a client spaces its signed fetches of a request.
  const clientOf = new Map<string, CustodianClient>();
  const setClients = (): CustodianClient[] =>
    (set?.members ?? []).map((m) => {
      if (m.index === 0 && m.url === env.custodianUrl) return custodian;
      if (!clientOf.has(m.url)) clientOf.set(m.url, new CustodianClient(m.url, { chainId: deployment.chainId, ledger: deployment.ledger }));
      return clientOf.get(m.url)!;
    });
  const who = (address: string) => {
    const m = set?.members.find((x) => x.address.toLowerCase() === address.toLowerCase());
    return m ? `custodian ${m.index + 1} (${address.slice(0, 6)}…${address.slice(-4)})` : address;
  };
  const shareLine = (p: ShareProgress) => say(`     ${who(p.custodian)}, share ${p.index}: ${p.status}${p.error ? ` — ${p.error.code}: ${p.error.message}` : ""}`);

  say("1. The supervisors set the floor for deposit data; Supervisor registers Bank, Insurer and Lender; each publishes a device key with proof of possession");
  const sup2 = new Wallet(env.keys[6] ?? Wallet.createRandom().privateKey, provider);
  if (!env.keys[6]) await (await admin.sendTransaction({ to: sup2.address, value: parseEther("1") })).wait();
  if (!(await ledger.hasRole(SUPERVISOR_ROLE, sup2.address))) await (await as(admin).grantRole(SUPERVISOR_ROLE, sup2.address)).wait();
  const { floor } = await setCategoryMinimum(ctx(sup), { category: Category.Deposit, requireProvider: true, supervisorQuorum: 2, temporary: "AfterQuorum" });
  const ruleName = Object.entries(TemporaryRule).find(([, v]) => v === Number(floor.temporary))?.[0] ?? String(floor.temporary);
  say(
    `   floor for deposit data (on chain): ${floor.requireProvider ? "provider approval, " : ""}${floor.supervisorQuorum} supervisor approvals; temporary grants: ${ruleName}` +
      (Number(floor.temporary) === TemporaryRule.AfterQuorum ? ` — no key, temporary or formal, leaves before ${floor.supervisorQuorum} supervisors approved` : ""),
  );
  // Each record carries the member's display name (a #name= fragment): every reader shows it as verified.
  for (const [who, name] of [[bank, "Bank"], [insurer, "Insurer"], [lender, "Lender"]] as const) {
    await registerMember(ctx(sup), { member: who.address, kycRef: `kyc-ref:${name.toLowerCase()}`, metadataURI: `https://members.example/${name.toLowerCase()}.json`, name });
  }
  const insurerDevice = id("insurer/underwriting-laptop");
  const lenderDevice = id("lender/credit-desk");
  const insurerKey = generateEncryptionKeyPair();
  const lenderKey = generateEncryptionKeyPair();
  const insurerPublished = await publishEncryptionKey(ctx(insurer), { device: insurerDevice, keyPair: insurerKey });
  await publishEncryptionKey(ctx(lender), { device: lenderDevice, keyPair: lenderKey });
  check("Insurer's device key is on chain, published with proof of possession", (await ledger.currentKeyId(insurer.address, insurerDevice)) === BigInt(insurerPublished.keyId), `key #${insurerPublished.keyId}`);

  say(
    `2. Bank encrypts Ana's records (~${(env.recordBytes / 1e6).toFixed(0)} MB), stores the ciphertext, registers the dataset (commitment v2) and ` +
      (set ? `deposits Shamir shares of the key with the ${set.threshold}-of-${set.members.length} custodian set #${set.setId}` : "deposits the key"),
  );
  const plainPath = join(env.workDir, "ana-records.ndjson");
  const records = await writeSampleRecords(plainPath, { subject: ana.address, bytes: env.recordBytes });
  const originalSha256 = await hashFile(plainPath);
  const blobs = new LocalBlobStore(join(env.workDir, "blobs"));
  const policy = { requireProvider: true, supervisorQuorum: 2, maxTemporary: 3600, maxFormal: 30 * DAY };
  const t0 = Date.now();
  const ds = await registerDataset(ctx(bank), { subject: ana.address, category: "deposit", policy, source: { plaintext: plainPath }, blobStore: blobs, format: "ndjson" });
  const dek = ds.dek;
  const datasetId = ds.datasetId;
  say(`   ${records} records, ${ds.plaintextSize} bytes → ${ds.size} bytes ciphertext, registered as dataset #${datasetId} in ${Date.now() - t0} ms`);
  check("ciphertext stored under its Merkle root (stream format v2)", ds.uri === `blob://merkle/${ds.merkleRoot.slice(2)}` && (await blobs.has(ds.uri)), ds.uri);
  const v1 = await ledger.datasetVersion(datasetId, 1);
  const binding = { chainId: BigInt(deployment.chainId), ledger: deployment.ledger, datasetId, version: 1, merkleRoot: v1.merkleRoot };
  check("the key commitment on chain binds the key to this chain, ledger, dataset and version (v2)", verifyKeyCommitment(dek, binding, v1.keyCommitment));
  const info = await custodian.info();
  check("custodian holds CUSTODIAN_ROLE on the ledger", await ledger.hasRole(CUSTODIAN_ROLE, info.address), info.address);
  if (set) {
    const dealt = await depositShares(ctx(bank), {
      datasetId,
      version: 1,
      setId: set.setId,
      dek,
      custodians: setClients(),
      onProgress: (p) => say(`     ${who(p.custodian)}, share ${p.index}: ${p.status}${p.error ? ` — ${p.error.code}: ${p.error.message}` : ""}`),
    });
    check(
      `every custodian of the set accepted its share (split ${dealt.threshold}-of-${dealt.n}, shares root on chain, each share wrapped to its custodian's key on chain)`,
      dealt.delivered.length === set.members.length && dealt.undelivered.length === 0 && dealt.servable,
      `shares root ${dealt.sharesRoot.slice(0, 10)}…`,
    );
    const record = await env.custody!.contract.custodyOf(datasetId, 1);
    check("the custody contract records the set and the shares root for dataset v1", Number(record.setId) === set.setId && record.sharesRoot === dealt.sharesRoot, `set #${record.setId}`);
    try {
      await depositShares(ctx(lender), { datasetId, version: 1, setId: set.setId, dek, custodians: setClients() });
      check("a non-provider's deposit is refused", false);
    } catch (e) {
      check("a non-provider's deposit is refused", e instanceof SealshareError && e.code === "CustodyNotProvider", (e as Error).message);
    }
  } else {
    const deposit = await depositKey(ctx(bank), { custodian, datasetId, version: 1, dek });
    check("custodian accepted the key, wrapped to its key on chain (role, live key, signature and commitment checked)", deposit.status === "stored", `dataset #${datasetId} v1`);
    try {
      await depositKey(ctx(lender), { custodian, datasetId, version: 1, dek });
      check("a non-provider's deposit is refused", false);
    } catch (e) {
      check("a non-provider's deposit is refused", e instanceof CustodianError && e.status === 403, (e as Error).message);
    }
  }

  say("3. Ana signs a consent for Insurer (this dataset, underwriting, 30 days) in her wallet: a signature, not a transaction");
  const anaBalanceBefore = await provider.getBalance(ana.address);
  const signed = await signConsent(ctx(ana), {
    requester: insurer.address,
    datasetId,
    purpose: Purpose.underwriting,
    maxKind: GrantKind.Formal,
    validFor: 30 * DAY,
    receipt: { jurisdiction: "EU", policyUrl: "https://bank.example/privacy", piiControllers: [{ piiController: "Bank", contact: bank.address }], collectionMethod: "wallet signature (EIP-712)" },
  });
  const { terms, signature } = signed;
  const receipt = signed.receipt!;
  await writeFile(join(env.workDir, "ana-consent-receipt.json"), exportReceipt(receipt));
  check("Ana's consent receipt is built by the SDK and its canonical hash is the consent's receiptHash", receiptHash(receipt) === terms.receiptHash.toLowerCase(), terms.receiptHash);

  say("4. Insurer relays Ana's consent with its request (7 days, formal, for its device); Bank approves, then each supervisor — the custodian is asked after every step");
  const { requestId } = await requestAccess(ctx(insurer), { datasetId, purpose: Purpose.underwriting, kind: GrantKind.Formal, duration: 7 * DAY, device: insurerDevice, consent: terms, signature });
  check("Ana paid no gas for her consent", (await provider.getBalance(ana.address)) === anaBalanceBefore);
  const onChain = await verifyReceiptOnChain({ provider, ledger: deployment.ledger, receipt, fromBlock: deployment.deployBlock });
  check("the SDK's receipt verification finds Ana's receipt recorded on chain for this consent", onChain.consentId === signed.consentId.toLowerCase(), `consent ${onChain.consentId.slice(0, 10)}… block ${onChain.blockNumber}`);
  const waiting = async () => (await listRequests(ctx(insurer), { requestId }))[0]!.waitingFor;
  const w0 = await waiting();
  check("the request waits for the category floor (Bank + 2 supervisors), as the SDK reads it", w0?.provider === true && w0.supervisors === 2, JSON.stringify(w0));
  const nothingReleased = async (after: string) => {
    await new Promise((r) => setTimeout(r, CUSTODIAN_CATCH_UP_MS));
    const g = await ledger.isGrantValid(requestId);
    const answers: string[] = [];
    const asked = set ? setClients().filter((_, i) => set.members[i]!.running) : [custodian];
    for (const c of asked) {
      try {
        const a = await c.fetchEnvelope(insurer, requestId);
        answers.push(a.status === "pending" ? `pending (${a.reason})` : "READY");
      } catch (e) {
        if (!(e instanceof CustodianError)) throw e;
        answers.push(`${e.status} ${e.code}`); // refused outright: nothing fetchable either
      }
    }
    const answer = [...new Set(answers)].join(", ");
    const releases = await listReleases(ctx(insurer), { requestId });
    check(
      `after ${after}: no grant, no envelope fetchable, no release`,
      !g.valid && !answers.includes("READY") && releases.length === 0,
      `grant ${g.valid ? "VALID" : GrantInvalidReason[Number(g.reason)]}; custodian: ${answer}; ${releases.length} release(s)`,
    );
  };
  await approveRequest(ctx(bank), { requestId, as: "provider" });
  await nothingReleased("Bank's approval");
  await approveRequest(ctx(sup), { requestId, as: "supervisor" });
  await nothingReleased("the first supervisor's approval (1 of 2)");
  // A set with a custodian to spare loses one before the grant: the others still serve the key.
  const spare = set && set.members.length > set.threshold ? set.members[set.members.length - 1]! : undefined;
  if (spare) {
    await set!.stop(spare.index);
    say(`   custodian ${spare.index + 1} of ${set!.members.length} (${spare.address}) is stopped: ${set!.members.length - 1} custodians run, the threshold is ${set!.threshold}`);
  }
  await approveRequest(ctx(sup2), { requestId, as: "supervisor" });
  const g = await ledger.isGrantValid(requestId);
  check("after the second supervisor's approval: a formal grant for 7 days", g.valid && Number(g.kind) === GrantKind.Formal && g.expiresAt - (await now()) <= BigInt(7 * DAY));

  let released: { dek: Uint8Array; datasetId: bigint; version: number; kind: number };
  let envelope: Envelope | undefined;
  if (set) {
    say(
      `5. Each running custodian releases its share to Insurer's device; Insurer asks ${set.members.length === 1 ? "its custodian" : `all ${set.members.length} at once`} and rebuilds the key from ${set.threshold} ` +
        "(SDK fetchThresholdKey: each envelope's signer is its custodian of the set on chain, each share checked against the shares root, the key against its commitment v2), decrypts and checks the ciphertext",
    );
    const k = await fetchThresholdKey(ctx(insurer), { custodians: setClients(), requestId, devicePrivateKey: insurerKey.privateKey, waitMs: 30_000, timeoutMs: 10_000, onProgress: shareLine });
    released = k;
    say(`   key rebuilt from the shares of ${k.used.map(who).join(" and ")}${k.failures.length ? `; not used: ${k.failures.map((f) => `${who(f.custodian)} (${f.error.code})`).join(", ")}` : ""}`);
    check(
      `${set.threshold} share${set.threshold === 1 ? "" : "s"} rebuild${set.threshold === 1 ? "s" : ""} the key and it passes every check${spare ? `, with custodian ${spare.index + 1} stopped` : ""}`,
      k.datasetId === datasetId && k.kind === GrantKind.Formal && k.used.length === set.threshold && (!spare || k.failures.some((f) => f.custodian === spare.address)),
      `dataset #${k.datasetId} v${k.version}, kind ${k.kind}, set #${k.setId}`,
    );
  } else {
    say("5. Custodian releases the key to Insurer's device; Insurer fetches it (SDK fetchKey: role, envelope, commitment v2 checked on chain), decrypts and checks the ciphertext");
    const k = await fetchKey(ctx(insurer), { custodian, requestId, devicePrivateKey: insurerKey.privateKey, waitMs: 30_000, minKind: GrantKind.Formal });
    released = k;
    envelope = k.envelope;
    check("the envelope is fetchable once the supervisors approved, and its key passes every check", k.datasetId === datasetId && k.kind === GrantKind.Formal, `dataset #${k.datasetId} v${k.version}, kind ${k.kind}`);
  }
  const decryptedPath = join(env.workDir, "insurer-received.ndjson");
  const decrypted = await decryptDataset(ctx(insurer), { datasetId, version: released.version, dek: released.dek, blobStore: blobs, output: decryptedPath, workDir: env.workDir });
  check(
    "the ciphertext's Merkle root and key commitment matched the chain before decryption (SDK decryptDataset)",
    decrypted.verified && decrypted.merkleRoot === (await getDataset(ctx(insurer), { datasetId })).versions.find((v) => v.version === released.version)?.merkleRoot,
    decrypted.merkleRoot,
  );
  const decryptedSha256 = await hashFile(decryptedPath);
  check("decrypted bytes equal Ana's original records", decryptedSha256 === originalSha256, decryptedSha256);
  const csvPath = join(env.workDir, "insurer-received.csv");
  await writeLines(csvPath, ndjsonToCsv(readLines(decryptedPath)));
  await recordUsage(ctx(insurer), { requestId, usageCode: 1, details: "converted to CSV for underwriting" });
  const receipts = await listReleases(ctx(insurer), { requestId });
  if (set) {
    const running = set.members.filter((m) => m.running).length;
    check(
      `one release receipt per running custodian (${running}), each for the formal grant (no temporary share ever left)`,
      receipts.length === running && receipts.every((r) => r.kind === GrantKind.Formal),
      receipts.map((e) => `kind ${e.kind}`).join(", "),
    );
  } else {
    check("one release receipt on chain, for the formal grant (no temporary key ever left)", receipts.length === 1 && receipts[0]!.kind === GrantKind.Formal, receipts.map((e) => `kind ${e.kind}`).join(", "));
  }
  if (set && spare && set.members.length - set.threshold === 1) {
    // With one custodian down, a lie leaves fewer than t good shares: every answer is awaited, so the liar is named for sure.
    const liar = set.members.find((m) => m.running && m.index !== 0)!;
    say(`5b. Custodian ${liar.index + 1} lies: it answers a wrong share (well formed, wrapped to Insurer's device, signed with its own key), while custodian ${spare.index + 1} is still down`);
    const proxy = await startLyingCustodian({
      upstream: liar.url,
      custodian: new Wallet(env.custody!.custodianKeys[liar.index]!),
      domain: custodianDomain(BigInt(deployment.chainId), deployment.ledger),
      ledger,
    });
    try {
      await new Promise((r) => setTimeout(r, 1_100)); // a fresh second: the proxy's client signs its own fetch request
      const clients = setClients().map((c, i) => (i === liar.index ? new CustodianClient(proxy.url, { chainId: deployment.chainId, ledger: deployment.ledger }) : c));
      try {
        const k = await fetchThresholdKey(ctx(insurer), { custodians: clients, requestId, devicePrivateKey: insurerKey.privateKey, timeoutMs: 10_000, onProgress: shareLine });
        k.dek.fill(0);
        check("a lying custodian is named", false, "a key was rebuilt");
      } catch (e) {
        const failures = (e instanceof SealshareError ? (e.details?.failures as { custodian: string; code: string }[] | undefined) : undefined) ?? [];
        const named = e instanceof SealshareError && e.code === "THRESHOLD_NOT_ENOUGH" && failures.some((f) => f.custodian === liar.address && f.code === "THRESHOLD_BAD_SHARE");
        say(`   ${e instanceof SealshareError ? e.code : "error"}: ${(e as Error).message}`);
        check(`the SDK names custodian ${liar.index + 1} (${liar.address}) for its bad share and refuses to rebuild the key from too few good ones`, named && proxy.lies > 0, `${proxy.lies} lie(s) told; ${failures.length} failure(s) listed`);
      }
    } finally {
      await proxy.close();
    }
  }

  say("6. Refusals: Lender has no consent; Lender cannot fetch Insurer's key; Lender cannot publish Insurer's key as its own");
  try {
    await requestAccess(ctx(lender), { datasetId, purpose: Purpose.creditAssessment, kind: GrantKind.Formal, duration: 7 * DAY, device: lenderDevice, consent: { ...terms, requester: lender.address, purpose: Purpose.creditAssessment } });
    check("Lender's request without consent is refused", false);
  } catch (e) {
    check("Lender's request without consent is refused", e instanceof SealshareError && e.code === "ConsentsUnknown", (e as Error).message);
  }
  try {
    await custodian.fetchEnvelope(lender, requestId);
    check("Lender cannot fetch Insurer's envelope", false);
  } catch (e) {
    check("Lender cannot fetch Insurer's envelope", e instanceof CustodianError && e.status === 403, (e as Error).message);
  }
  // Insurer's proof of possession is public (it was in Insurer's transaction); copied, it names Insurer, not Lender.
  const copied = keyPossessionProof({ privateKey: insurerKey.privateKey, owner: insurer.address, deviceId: insurerDevice, domain: await ledgerDomain(ledger) });
  try {
    await as(lender).publishEncryptionKey.staticCall(insurerDevice, copied.publicKey, copied.publicKeyY, copied.signature);
    check("Lender cannot publish Insurer's key with Insurer's proof", false);
  } catch (e) {
    const r = decodeRevert(e);
    check("Lender cannot publish Insurer's key with Insurer's proof", r?.name === "KeysNoProofOfPossession", r?.text ?? String(e));
  }

  say("7. Ana revokes her consent: delivery stops at once");
  await revokeConsent(ctx(ana), { consentId: signed.consentId });
  const after = (await getRequestStatus(ctx(insurer), { requestId })).grant;
  check("the ledger says the grant is no longer valid", !after.valid && after.reason === "ConsentRevoked");
  const refusers = set ? setClients().filter((_, i) => set.members[i]!.running) : [custodian];
  const refusals = await Promise.all(refusers.map((c) => waitForRefusal(c, insurer, requestId)));
  check(
    set ? "no running custodian serves Insurer's share any more" : "the custodian no longer serves Insurer's key",
    refusals.every((r) => r.status === 410),
    refusals.map((r) => `${r.status} ${r.code}`).join(", "),
  );
  say("   (a key Insurer already fetched cannot be taken back; Bank can rotate: a new version under a new key)");

  say("8. Auditor verifies the whole ledger: ciphertexts, receipt proofs from the custodian, every grant and release against the rules");
  // Members by their verified names from the chain; the others by the story's own names, which the
  // timeline flags as unverified (no supervisor wrote them).
  const storyNames: Record<string, string> = {
    [sup.address]: "Supervisor",
    [sup2.address]: "Supervisor 2",
    [ana.address]: "Ana",
    [info.address]: "Custodian",
    [admin.address]: "Admin",
  };
  for (const m of set?.members ?? []) storyNames[m.address] = `Custodian ${m.index + 1}`;
  const names = await namesWithMembers(ctx(sup), storyNames);
  const timeline = await readTimeline({ provider, ledger: deployment.ledger, fromBlock: deployment.deployBlock, names, withTimestamps: true });
  const requestIds = timeline.filter((e) => e.event === "AccessRequested").map((e) => BigInt(e.args.requestId as bigint));
  const proofs = await fetchReceiptProofs(env.custodianUrl, requestIds);
  const audit = await verifyLedger({ ledger, provider, fromBlock: deployment.deployBlock, timeline, blobStore: blobs, requireBlobs: true, proofs });
  const k = audit.checked;
  say(`   ${k.versions} version(s), ${k.blobsVerified} blob(s) verified; ${k.batches} batch(es), ${k.proofsVerified} proof(s); ${k.grants} grant(s), ${k.releases} release(s) checked`);
  for (const v of audit.violations) say(`   VIOLATION [${v.check}] ${v.code}: ${v.message}`);
  check("audit verify: zero violations", audit.ok && audit.violations.length === 0, `${audit.violations.length} violation(s)`);

  if (set) {
    // DESIGN §8: no process but the provider's and the requester's ever holds the whole key.
    const needles = [Buffer.from(dek), Buffer.from(hexlify(dek).slice(2)), Buffer.from(Buffer.from(dek).toString("base64"))];
    const files = set.members.flatMap((m) => [m.dbPath, `${m.dbPath}-wal`, m.logPath]).filter((f) => existsSync(f));
    const holding: string[] = [];
    for (const f of files) {
      const bytes = await readFile(f);
      if (needles.some((n) => bytes.includes(n))) holding.push(f);
    }
    check("no custodian's database or log holds the whole key (raw, hex or base64)", holding.length === 0, holding.length ? holding.join(", ") : `${files.length} file(s) searched`);
  }
  const firstRecord = (await readLines(plainPath).next()).value as string;
  const secrets = [hexlify(dek), hexlify(released.dek), hexlify(insurerKey.privateKey), hexlify(lenderKey.privateKey), signature, ...(envelope ? [envelope.signature, envelope.wrappedKey] : []), firstRecord];
  released.dek.fill(0);
  return { checks, timeline, datasetId, requestId, originalSha256, decryptedSha256, csvPath, audit, secrets };
}


async function waitForRefusal(c: CustodianClient, who: Wallet, requestId: bigint, timeoutMs = 30_000): Promise<{ status: number; code: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await c.fetchEnvelope(who, requestId);
    } catch (e) {
      if (e instanceof CustodianError) return { status: e.status, code: e.code };
      throw e;
    }
    if (Date.now() > until) return { status: 200, code: "still-served" };
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function* readLines(path: string): AsyncGenerator<string> {
  yield* createInterface({ input: createReadStream(path), crlfDelay: Infinity });
}

async function writeLines(path: string, lines: AsyncIterable<string>): Promise<void> {
  await pipeline(Readable.from(lines), createWriteStream(path));
}
