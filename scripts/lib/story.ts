/**
 * The Sealshare story (../shared/SCENARIOS.md "The story"), played by named actors against a
 * running chain and custodian. The demo tells it with a ~10 MB file; the end-to-end test plays
 * it with a small one and asserts every check. Nothing here is simulated: real transactions,
 * real signatures, real encryption, the real custodian over HTTP.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { hexlify, id, keccak256, randomBytes, toUtf8Bytes, Wallet, type JsonRpcProvider, type ContractTransactionReceipt } from "ethers";
import { connectLedger, CUSTODIAN_ROLE, type Deployment, type Sealshare } from "../../sdk/contracts.js";
import { CONSENT_TYPES, ledgerDomain, type ConsentTerms } from "../../sdk/eip712.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { CustodianClient, CustodianError } from "../../sdk/custodian-client.js";
import { decodeRevert } from "../../sdk/revert.js";
import { readTimeline, type TimelineEntry } from "../../sdk/audit/timeline.js";
import { Category, GrantInvalidReason, GrantKind, Purpose } from "../../sdk/vocabulary.js";
import { encryptFile, decryptFile, generateDataKey, hashFile, verifyKeyCommitment, keyCommitment } from "../../sdk/stream/index.js";
import { LocalBlobStore, fetchVerified } from "../../sdk/blob/index.js";
import type { Envelope } from "../../sdk/envelope.js";
import { writeSampleRecords, ndjsonToCsv } from "./sample-records.js";

export interface StoryEnvironment {
  provider: JsonRpcProvider;
  deployment: Deployment;
  custodianUrl: string;
  /** Funded private keys: [admin, supervisor, bank, insurer, lender, ana]. */
  keys: string[];
  workDir: string;
  recordBytes: number;
  /** Progress output: one call per step. */
  say: (line: string) => void;
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
  /** Secrets and plaintext the run handled (hex / text), for tests that scan logs for leaks. */
  secrets: string[];
}

const DAY = 86_400;

export async function playStory(env: StoryEnvironment): Promise<StoryResult> {
  const { provider, deployment, say } = env;
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail = "") => {
    checks.push({ name, ok, detail });
    say(`  ${ok ? "✔" : "✘"} ${name}${detail ? ` — ${detail}` : ""}`);
  };
  if (env.keys.length < 6) throw new Error("the story needs six funded accounts");
  const [, sup, bank, insurer, lender, ana] = env.keys.map((k) => new Wallet(k, provider)) as [Wallet, Wallet, Wallet, Wallet, Wallet, Wallet];
  const ledger = connectLedger(deployment.ledger, provider);
  const as = (w: Wallet): Sealshare => ledger.connect(w) as Sealshare;
  const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);
  const custodian = new CustodianClient(env.custodianUrl, { chainId: deployment.chainId, ledger: deployment.ledger });

  say("1. Supervisor registers Bank, Insurer and Lender; each publishes a device encryption key");
  for (const [who, name] of [[bank, "bank"], [insurer, "insurer"], [lender, "lender"]] as const) {
    await (await as(sup).registerMember(who.address, keccak256(toUtf8Bytes(`kyc-ref:${name}`)), `https://members.example/${name}.json`)).wait();
  }
  const insurerDevice = id("insurer/underwriting-laptop");
  const lenderDevice = id("lender/credit-desk");
  const insurerKey = generateEncryptionKeyPair();
  const lenderKey = generateEncryptionKeyPair();
  await (await as(insurer).publishEncryptionKey(insurerDevice, insurerKey.publicKey)).wait();
  await (await as(lender).publishEncryptionKey(lenderDevice, lenderKey.publicKey)).wait();

  say(`2. Bank encrypts Ana's records (~${(env.recordBytes / 1e6).toFixed(0)} MB), stores the ciphertext, registers the dataset and deposits the key`);
  const plainPath = join(env.workDir, "ana-records.ndjson");
  const records = await writeSampleRecords(plainPath, { subject: ana.address, bytes: env.recordBytes });
  const originalSha256 = await hashFile(plainPath);
  const dek = generateDataKey();
  const cipherPath = join(env.workDir, "ana-records.sealed");
  const t0 = Date.now();
  const summary = await encryptFile(plainPath, cipherPath, dek);
  say(`   ${records} records, ${summary.plaintextSize} bytes → ${summary.size} bytes ciphertext in ${Date.now() - t0} ms`);
  const blobs = new LocalBlobStore(join(env.workDir, "blobs"));
  const stored = await blobs.put(cipherPath);
  check("ciphertext stored under its SHA-256", stored.sha256 === summary.ciphertextSha256, stored.uri);
  const commitment = keyCommitment(dek, summary.ciphertextSha256);
  const policy = { requireProvider: true, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 30 * DAY };
  const registerTx = await as(bank).registerDataset(ana.address, Category.Deposit, policy, "0x" + "00".repeat(32), {
    ciphertextSha256: summary.ciphertextSha256,
    merkleRoot: summary.merkleRoot,
    keyCommitment: commitment,
    size: summary.size,
    formatId: id("sealshare-stream-v1/ndjson"),
    storageURI: stored.uri,
  });
  const registered = await registerTx.wait();
  const datasetId = eventArgs(ledger, registered, "DatasetRegistered").datasetId as bigint;
  const info = await custodian.info();
  check("custodian holds CUSTODIAN_ROLE on the ledger", await ledger.hasRole(CUSTODIAN_ROLE, info.address), info.address);
  const deposit = await custodian.depositKey(bank, { datasetId, version: 1, dek, custodianKey: info.encryptionKey });
  check("custodian accepted the key (signature and commitment checked)", deposit.status === "stored", `dataset #${datasetId} v1`);
  try {
    await custodian.depositKey(lender, { datasetId, version: 1, dek, custodianKey: info.encryptionKey });
    check("a non-provider's deposit is refused", false);
  } catch (e) {
    check("a non-provider's deposit is refused", e instanceof CustodianError && e.status === 403, (e as Error).message);
  }

  say("3. Ana signs a consent for Insurer (this dataset, underwriting, 30 days) in her wallet: a signature, not a transaction");
  const t = await now();
  const receipt = {
    version: "KI-CR-v1.1.0",
    jurisdiction: "EU",
    consentTimestamp: Number(t),
    collectionMethod: "wallet signature (EIP-712)",
    piiPrincipalId: ana.address,
    piiControllers: [{ piiController: "Insurer", contact: insurer.address }],
    services: [{ service: "underwriting", purposes: [{ purpose: "underwriting", purposeCategory: ["risk assessment"], consentType: "explicit", piiCategory: ["deposit"], termination: "30 days or on revocation" }] }],
  };
  const terms: ConsentTerms = {
    subject: ana.address,
    requester: insurer.address,
    datasetId,
    category: Category.Deposit,
    purpose: Purpose.underwriting,
    maxKind: GrantKind.Formal,
    expiresAt: t + 30n * BigInt(DAY),
    receiptHash: keccak256(toUtf8Bytes(JSON.stringify(receipt))),
    nonce: hexlify(randomBytes(32)),
    deadline: t + 3600n,
  };
  await writeFile(join(env.workDir, "ana-consent-receipt.json"), JSON.stringify(receipt, null, 2));
  const anaBalanceBefore = await provider.getBalance(ana.address);
  const signature = await ana.signTypedData(await ledgerDomain(ledger), CONSENT_TYPES, terms);

  say("4. Insurer relays Ana's consent with its request (7 days, formal, for its device); Bank approves; Supervisor approves");
  const reqTx = await as(insurer).requestAccessWithConsent(
    { datasetId, version: 0, purpose: Purpose.underwriting, kind: GrantKind.Formal, duration: 7 * DAY, deviceId: insurerDevice },
    terms,
    signature,
  );
  const reqRcpt = await reqTx.wait();
  check("Ana paid no gas for her consent", (await provider.getBalance(ana.address)) === anaBalanceBefore);
  const requestId = eventArgs(ledger, reqRcpt, "AccessRequested").requestId as bigint;
  await (await as(bank).approveAsProvider(requestId)).wait();
  let g = await ledger.isGrantValid(requestId);
  check("after Bank's approval: a temporary grant, capped at 1 hour", g.valid && Number(g.kind) === GrantKind.Temporary && g.expiresAt - (await now()) <= 3600n);
  await (await as(sup).approveAsSupervisor(requestId)).wait();
  g = await ledger.isGrantValid(requestId);
  check("after the Supervisor's approval: a formal grant for 7 days", g.valid && Number(g.kind) === GrantKind.Formal && g.expiresAt - (await now()) <= BigInt(7 * DAY));

  say("5. Custodian releases the key to Insurer's device; Insurer fetches, decrypts and checks everything against the chain");
  const envelope = await waitForEnvelope(custodian, insurer, requestId, GrantKind.Formal);
  const releasedDek = custodian.openEnvelope(envelope, insurerKey.privateKey, info.address);
  const version = await ledger.datasetVersion(datasetId, envelope.version);
  check("the released key matches the commitment on chain", verifyKeyCommitment(releasedDek, version.ciphertextSha256, version.keyCommitment));
  const verified = await fetchVerified(blobs, stored.uri, version.ciphertextSha256 as `0x${string}`, { dir: env.workDir });
  check("the ciphertext's SHA-256 matches the chain before decryption", verified.sha256 === version.ciphertextSha256);
  const decryptedPath = join(env.workDir, "insurer-received.ndjson");
  await decryptFile(verified.path, decryptedPath, releasedDek);
  await verified.remove();
  const decryptedSha256 = await hashFile(decryptedPath);
  check("decrypted bytes equal Ana's original records", decryptedSha256 === originalSha256, decryptedSha256);
  const csvPath = join(env.workDir, "insurer-received.csv");
  await writeLines(csvPath, ndjsonToCsv(readLines(decryptedPath)));
  await (await as(insurer).recordUsage(requestId, 1, keccak256(toUtf8Bytes("converted to CSV for underwriting")))).wait();
  const released = await ledger.queryFilter(ledger.filters.KeyReleased(requestId), deployment.deployBlock);
  check("the release receipts are on chain (temporary and formal)", released.length === 2, released.map((e) => `kind ${e.args.kind}`).join(", "));

  say("6. Refusals: Lender has no consent; Lender cannot fetch Insurer's key");
  try {
    await as(lender).requestAccess.staticCall(
      { datasetId, version: 0, purpose: Purpose.creditAssessment, kind: GrantKind.Formal, duration: 7 * DAY, deviceId: lenderDevice },
      { ...terms, requester: lender.address, purpose: Purpose.creditAssessment },
    );
    check("Lender's request without consent is refused", false);
  } catch (e) {
    const r = decodeRevert(e);
    check("Lender's request without consent is refused", r?.name === "ConsentsUnknown", r?.text ?? String(e));
  }
  try {
    await custodian.fetchEnvelope(lender, requestId);
    check("Lender cannot fetch Insurer's envelope", false);
  } catch (e) {
    check("Lender cannot fetch Insurer's envelope", e instanceof CustodianError && e.status === 403, (e as Error).message);
  }

  say("7. Ana revokes her consent: delivery stops at once");
  await (await as(ana).revokeConsent(await ledger.consentId(terms))).wait();
  g = await ledger.isGrantValid(requestId);
  check("the ledger says the grant is no longer valid", !g.valid && GrantInvalidReason[Number(g.reason)] === "ConsentRevoked");
  const refused = await waitForRefusal(custodian, insurer, requestId);
  check("the custodian no longer serves Insurer's key", refused.status === 410, `${refused.status} ${refused.code}`);
  say("   (a key Insurer already fetched cannot be taken back; Bank can rotate: a new version under a new key)");

  const names: Record<string, string> = {
    [sup.address]: "Supervisor",
    [bank.address]: "Bank",
    [insurer.address]: "Insurer",
    [lender.address]: "Lender",
    [ana.address]: "Ana",
    [info.address]: "Custodian",
    [new Wallet(env.keys[0]!).address]: "Admin",
  };
  const timeline = await readTimeline({ provider, ledger: deployment.ledger, fromBlock: deployment.deployBlock, names });
  const firstRecord = (await readLines(plainPath).next()).value as string;
  return {
    checks,
    timeline,
    datasetId,
    requestId,
    originalSha256,
    decryptedSha256,
    csvPath,
    secrets: [hexlify(dek), hexlify(insurerKey.privateKey), hexlify(lenderKey.privateKey), signature, envelope.signature, envelope.wrappedKey, firstRecord],
  };
}

/** The arguments of the first `name` event the ledger emitted in `receipt`. */
function eventArgs(ledger: Sealshare, receipt: ContractTransactionReceipt | null, name: string): Record<string, unknown> {
  for (const log of receipt?.logs ?? []) {
    const parsed = ledger.interface.parseLog(log);
    if (parsed?.name === name) return parsed.args.toObject();
  }
  throw new Error(`no ${name} event in transaction ${receipt?.hash}`);
}

async function waitForEnvelope(c: CustodianClient, who: Wallet, requestId: bigint, kind: number, timeoutMs = 30_000): Promise<Envelope> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await c.fetchEnvelope(who, requestId);
    if (r.status === "ready" && r.envelope.kind >= kind) return r.envelope;
    if (Date.now() > until) throw new Error(`no envelope of kind ${kind} for request #${requestId} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 200));
  }
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
