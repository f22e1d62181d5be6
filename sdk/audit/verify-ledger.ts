/**
 * An auditor's checks of a deployment, from the chain's events and views plus whatever off-chain
 * material the auditor has (a blob store, a file of receipt proofs). Each failed check is a
 * {@link Violation} that names the transaction to look at.
 *
 * (a) **Ciphertexts** — for every `DatasetVersionPublished`, the version the ledger stores
 *     (`datasetVersion`) matches the event, and the blob in the store has the registered size and
 *     chunk Merkle root (and, for a version-1 `blob://sha256/…` name, that SHA-256).
 * (b) **Release receipts in batches** — every supplied proof opens against a sealed batch root on
 *     chain (`receiptLeaf` + `verifyReceipt`, the contract's own code), a batch holds no more
 *     proofs than its sealed count, and no release is dated after its batch was sealed.
 * (c) **Grants and releases** — replaying the events in chain order:
 *     - every `AccessGranted` had, before it: the request, a recorded consent not revoked, not
 *       expired and not shorter than the grant; the requester not suspended since the request;
 *       the provider's approval if the policy (dataset policy or category minimum, as in force
 *       then) required it; for a formal grant, a quorum of distinct approvers who held
 *       SUPERVISOR_ROLE at the grant; for a temporary one, what the category floor requires
 *       (its full quorum by default, its early quorum under `Early`, none at all under
 *       `Forbidden`); an expiry within the policy maximum for its kind (for a temporary grant
 *       the least of the dataset's, the category's and the 1-day ceiling);
 *     - every `KeyReleased` (and every proven batched release) came after an `AccessGranted` of
 *       that kind for the request, with no `GrantRevoked`, `ConsentRevoked` of its consent,
 *       `MemberSuspended` of its requester or `DatasetRetired` in between, and before the
 *       grant expired.
 *
 * (d) **Consents** — every `ConsentGiven` that names a dataset was given by that dataset's
 *     subject (`CONSENT_NOT_DATASET_SUBJECT`; the ledger refuses any other since issue 11, so
 *     this flags history recorded by an older deployment).
 *
 * (e), (f) **Threshold custody** — shred confirmations within a deadline and evidence of bad
 *     shares: ./verify-custody.ts (run when the deployment names a custody contract or evidence
 *     is given).
 *
 * The dapp and the CLI (`sealshare audit verify`) both call {@link verifyLedger}. This file is
 * browser-safe (the dapp's auditor page runs it); Node callers import ./verify.ts, which hashes
 * blobs with node:crypto's native SHA-256 instead of the portable one here.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import type { ByteSource } from "../stream/byte-reader.js";
import { toHex } from "../stream/hex.js";
import { merkleRootOfLeaves } from "../stream/merkle.js";
import { chunkDigestsOf } from "../stream/segments.js";
import type { BlobStore } from "../blob/types.js";
import { blobDigestOf, blobSchemeOf } from "../blob/uri.js";
import { SUPERVISOR_ROLE, type Sealshare } from "../contracts.js";
import { readTimeline, addTimestamps, type TimelineEntry } from "./timeline.js";
import type { Provider } from "ethers";
import { GRANT_KINDS, nameOf, TemporaryRule } from "../vocabulary.js";
import { duration } from "../format.js";
import { mergeTimelines, readCustodyTimeline } from "./custody-events.js";
import { checkCustody, type RefusedEvidence } from "./verify-custody.js";
import type { ShareEvidence } from "./share-evidence.js";

export type CheckName = "ciphertext" | "receipt" | "grant" | "consent" | "custody";

export interface Violation {
  check: CheckName;
  code: string;
  message: string;
  txHash?: string;
  blockNumber?: number;
  requestId?: string;
  datasetId?: string;
  /** The custodian at fault (custody checks). */
  custodian?: string;
}

/** One batched release and its inclusion proof, as the custodian serves it. */
export interface ReceiptProof {
  batchId: string; // bytes16 hex
  requestId: string | number | bigint;
  kind: number;
  envelopeHash: string;
  releasedAt: number; // unix seconds
  proof: string[];
  /** The leaf as the custodian computed it; checked against the contract's receiptLeaf. */
  leaf?: string;
}

export interface VerifyOptions {
  ledger: Sealshare;
  provider: Provider;
  fromBlock: number;
  toBlock?: number;
  /** Pre-read timeline (with timestamps or not); read here when omitted. */
  timeline?: TimelineEntry[];
  /** Check ciphertexts against this store. Without it, (a) checks the on-chain state only. */
  blobStore?: BlobStore;
  /** A blob missing from the store is a violation (default: a note). */
  requireBlobs?: boolean;
  /** Inclusion proofs of batched releases. */
  proofs?: ReceiptProof[];
  /** SHA-256 (0x hex) of a stored blob; default a portable one (@noble/hashes), Node passes its native one. */
  sha256OfBlob?: (source: ByteSource) => Promise<string>;
  /** The custody contract beside the ledger (a deployment's `custody`): its events are checked too. */
  custody?: string;
  /** Seconds of chain time each custodian has to confirm an ordered shred (default one day). */
  shredDeadline?: number;
  /** Evidence of bad shares a requester kept (./share-evidence.ts), each with where it came from. */
  evidence?: { where: string; evidence: ShareEvidence }[];
}

/** SHA-256 of everything `source` yields, in any JavaScript runtime. */
async function portableSha256(source: ByteSource): Promise<string> {
  const hash = sha256.create();
  if (source instanceof Uint8Array) return toHex(hash.update(source).digest());
  for await (const piece of source as AsyncIterable<Uint8Array>) hash.update(piece);
  return toHex(hash.digest());
}

export interface VerifyReport {
  ok: boolean;
  checked: {
    versions: number;
    blobsVerified: number;
    blobsMissing: number;
    batches: number;
    proofsVerified: number;
    grants: number;
    releases: number;
    shredOrders: number;
    evidence: number;
  };
  violations: Violation[];
  /** Evidence that proves nothing, and why (./verify-custody.ts). */
  refusedEvidence: RefusedEvidence[];
  notes: string[];
}

const big = (v: unknown) => BigInt(v as bigint);
const lc = (v: unknown) => String(v).toLowerCase();

export async function verifyLedger(o: VerifyOptions): Promise<VerifyReport> {
  const timeline = o.timeline ?? (await readBoth(o));
  await addTimestamps(o.provider, timeline);
  const report: VerifyReport = {
    ok: true,
    checked: { versions: 0, blobsVerified: 0, blobsMissing: 0, batches: 0, proofsVerified: 0, grants: 0, releases: 0, shredOrders: 0, evidence: 0 },
    violations: [],
    refusedEvidence: [],
    notes: [],
  };
  await checkCiphertexts(o, timeline, report);
  const batchReleases = await checkReceipts(o, timeline, report);
  checkGrants(timeline, batchReleases, report);
  if (o.custody || o.evidence?.length) {
    const [network, latest, ledger] = await Promise.all([o.provider.getNetwork(), o.provider.getBlock(o.toBlock ?? "latest"), o.ledger.getAddress()]);
    const c = await checkCustody({ timeline, now: latest?.timestamp ?? 0, shredDeadline: o.shredDeadline, evidence: o.evidence, chainId: network.chainId, ledger, custody: o.custody });
    report.checked.shredOrders = c.shredOrders;
    report.checked.evidence = c.evidenceChecked;
    report.violations.push(...c.violations);
    report.refusedEvidence.push(...c.refused);
    report.notes.push(...c.notes);
  }
  report.ok = report.violations.length === 0;
  return report;
}

/** The ledger's events and, when a custody contract is named, its events, in chain order. */
async function readBoth(o: VerifyOptions): Promise<TimelineEntry[]> {
  const toBlock = o.toBlock ?? (await o.provider.getBlockNumber());
  const [ledger, custody] = await Promise.all([
    readTimeline({ provider: o.provider, ledger: await o.ledger.getAddress(), fromBlock: o.fromBlock, toBlock }),
    o.custody ? readCustodyTimeline({ provider: o.provider, custody: o.custody, fromBlock: o.fromBlock, toBlock }) : Promise.resolve([]),
  ]);
  return mergeTimelines(ledger, custody);
}

// ─── (a) ciphertexts ────────────────────────────────────────────────────────────────────────

async function checkCiphertexts(o: VerifyOptions, timeline: TimelineEntry[], r: VerifyReport): Promise<void> {
  for (const e of timeline.filter((x) => x.event === "DatasetVersionPublished")) {
    r.checked.versions++;
    const a = e.args;
    const where = { txHash: e.txHash, blockNumber: e.blockNumber, datasetId: String(a.datasetId) };
    const label = `dataset #${a.datasetId} v${a.version}`;
    const v = await o.ledger.datasetVersion(big(a.datasetId), Number(a.version));
    if (lc(v.merkleRoot) !== lc(a.merkleRoot) || lc(v.keyCommitment) !== lc(a.keyCommitment) || v.size !== big(a.size)) {
      r.violations.push({ check: "ciphertext", code: "VERSION_STATE_MISMATCH", message: `${label}: the stored version differs from its DatasetVersionPublished event`, ...where });
    }
    if (!o.blobStore) continue;
    const uri = String(a.storageURI);
    let present = false;
    try {
      present = await o.blobStore.has(uri);
    } catch {
      present = false; // a URI this store cannot hold
    }
    if (!present) {
      r.checked.blobsMissing++;
      if (o.requireBlobs) r.violations.push({ check: "ciphertext", code: "CIPHERTEXT_MISSING", message: `${label}: ${uri} is not in the blob store`, ...where });
      else r.notes.push(`${label}: ${uri} is not in the blob store (not checked)`);
      continue;
    }
    const registeredSize = Number(a.size);
    // A `sha256` URI (a v1 stream) also names the bytes' SHA-256; a `merkle` one names the root
    // checked below.
    const named = blobSchemeOf(uri) === "sha256" ? blobDigestOf(uri) : undefined;
    let sha: string | undefined;
    try {
      if (named) sha = await (o.sha256OfBlob ?? portableSha256)(o.blobStore.get(uri, { maxBytes: registeredSize }));
    } catch (err) {
      if ((err as Error).name !== "BlobSizeError") throw err;
      r.violations.push({ check: "ciphertext", code: "CIPHERTEXT_SIZE_MISMATCH", message: `${label}: the stored ciphertext is longer than the registered ${registeredSize} bytes`, ...where });
      continue;
    }
    if (named && sha !== named) {
      r.violations.push({ check: "ciphertext", code: "CIPHERTEXT_HASH_MISMATCH", message: `${label}: the stored ciphertext hashes to ${sha}, its URI names ${named}`, ...where });
      continue;
    }
    try {
      const { leaves } = await chunkDigestsOf(o.blobStore.get(uri, { maxBytes: registeredSize }));
      if (merkleRootOfLeaves(leaves) !== lc(a.merkleRoot)) {
        r.violations.push({ check: "ciphertext", code: "CIPHERTEXT_MERKLE_MISMATCH", message: `${label}: the chunk Merkle root differs from the registered one`, ...where });
        continue;
      }
    } catch (err) {
      if ((err as Error).name === "BlobSizeError") {
        r.violations.push({ check: "ciphertext", code: "CIPHERTEXT_SIZE_MISMATCH", message: `${label}: the stored ciphertext is longer than the registered ${registeredSize} bytes`, ...where });
        continue;
      }
      r.violations.push({ check: "ciphertext", code: "CIPHERTEXT_MALFORMED", message: `${label}: the registered ciphertext is not a well-formed stream (${(err as Error).message})`, ...where });
      continue;
    }
    r.checked.blobsVerified++;
  }
}

// ─── (b) batched receipts ───────────────────────────────────────────────────────────────────

interface BatchRelease {
  requestId: bigint;
  kind: number;
  releasedAt: number;
  batchId: string;
  txHash: string;
}

async function checkReceipts(o: VerifyOptions, timeline: TimelineEntry[], r: VerifyReport): Promise<BatchRelease[]> {
  const batches = new Map<string, { count: number; txHash: string; blockNumber: number; timestamp: number; proven: number }>();
  for (const e of timeline.filter((x) => x.event === "ReceiptBatchSealed")) {
    batches.set(lc(e.args.batchId), { count: Number(e.args.count), txHash: e.txHash, blockNumber: e.blockNumber, timestamp: e.timestamp ?? 0, proven: 0 });
  }
  r.checked.batches = batches.size;
  const releases: BatchRelease[] = [];
  for (const p of o.proofs ?? []) {
    const batchId = lc(p.batchId);
    const requestId = BigInt(p.requestId);
    const label = `receipt of request #${requestId} (kind ${p.kind}) in batch ${batchId}`;
    const batch = batches.get(batchId);
    if (!batch) {
      r.violations.push({ check: "receipt", code: "RECEIPT_BATCH_UNKNOWN", message: `${label}: no such batch was sealed on chain`, requestId: String(requestId) });
      continue;
    }
    const where = { txHash: batch.txHash, blockNumber: batch.blockNumber, requestId: String(requestId) };
    const leaf = await o.ledger.receiptLeaf(requestId, p.kind, p.envelopeHash, p.releasedAt);
    if (p.leaf !== undefined && lc(p.leaf) !== lc(leaf)) {
      r.violations.push({ check: "receipt", code: "RECEIPT_LEAF_MISMATCH", message: `${label}: the supplied leaf is not receiptLeaf(requestId, kind, envelopeHash, releasedAt)`, ...where });
      continue;
    }
    if (!(await o.ledger.verifyReceipt(batchId, leaf, p.proof))) {
      r.violations.push({ check: "receipt", code: "RECEIPT_PROOF_INVALID", message: `${label}: the proof does not open against the sealed root`, ...where });
      continue;
    }
    batch.proven++;
    r.checked.proofsVerified++;
    if (p.releasedAt > batch.timestamp) {
      r.violations.push({ check: "receipt", code: "RECEIPT_FROM_THE_FUTURE", message: `${label}: released at ${p.releasedAt}, after its batch was sealed (${batch.timestamp})`, ...where });
    }
    releases.push({ requestId, kind: p.kind, releasedAt: p.releasedAt, batchId, txHash: batch.txHash });
  }
  for (const [id, b] of batches) {
    if (b.proven > b.count) {
      r.violations.push({ check: "receipt", code: "RECEIPT_BATCH_OVERFULL", message: `batch ${id}: ${b.proven} releases proven, but only ${b.count} were sealed`, txHash: b.txHash, blockNumber: b.blockNumber });
    } else if (b.proven < b.count) {
      r.notes.push(`batch ${id}: ${b.proven} of ${b.count} releases proven (no proofs supplied for the rest)`);
    }
  }
  return releases;
}

// ─── (c) grants and releases ────────────────────────────────────────────────────────────────

interface PolicyState {
  requireProvider: boolean;
  supervisorQuorum: number;
  maxTemporary: number;
  maxFormal: number;
}

interface Invalidation {
  seq: number;
  timestamp: number;
  what: string;
  txHash: string;
}

interface RequestState {
  requester: string;
  datasetId: bigint;
  consentId: string;
  seq: number;
  providerApproved: boolean;
  approvers: Set<string>;
  grants: { kind: number; expiresAt: number; seq: number; timestamp: number; txHash: string }[];
  invalidations: Invalidation[];
}

function checkGrants(timeline: TimelineEntry[], batchReleases: BatchRelease[], r: VerifyReport): void {
  const supervisors = new Set<string>();
  const datasets = new Map<bigint, { category: number; policy: PolicyState; subject: string }>();
  const minimums = new Map<number, MinimumState>();
  const consents = new Map<string, { expiresAt: number; revoked?: Invalidation }>();
  const requests = new Map<bigint, RequestState>();
  const suspensions = new Map<string, Invalidation[]>();
  const violate = (code: string, message: string, e: TimelineEntry, requestId?: unknown) =>
    r.violations.push({ check: "grant", code, message, txHash: e.txHash, blockNumber: e.blockNumber, ...(requestId !== undefined ? { requestId: String(requestId) } : {}) });

  timeline.forEach((e, seq) => {
    const a = e.args;
    const ts = e.timestamp ?? 0;
    const mark = (what: string): Invalidation => ({ seq, timestamp: ts, what, txHash: e.txHash });
    switch (e.event) {
      case "RoleGranted":
        if (a.role === SUPERVISOR_ROLE) supervisors.add(lc(a.account));
        break;
      case "RoleRevoked":
        if (a.role === SUPERVISOR_ROLE) supervisors.delete(lc(a.account));
        break;
      case "DatasetRegistered":
        datasets.set(big(a.datasetId), { category: Number(a.category), policy: policyOf(a.policy), subject: lc(a.subject) });
        break;
      case "DatasetPolicyChanged": {
        const d = datasets.get(big(a.datasetId));
        if (d) d.policy = policyOf(a.newPolicy);
        break;
      }
      case "CategoryMinimumChanged": {
        const m = a.newMinimum as { requireProvider: boolean; supervisorQuorum: bigint; temporary?: bigint; temporaryQuorum?: bigint; maxTemporary?: bigint };
        minimums.set(Number(a.category), {
          requireProvider: Boolean(m.requireProvider),
          supervisorQuorum: Number(m.supervisorQuorum),
          temporary: Number(m.temporary ?? 0),
          temporaryQuorum: Number(m.temporaryQuorum ?? 0),
          maxTemporary: Number(m.maxTemporary ?? 0),
        });
        break;
      }
      case "ConsentGiven": {
        consents.set(lc(a.consentId), { expiresAt: Number(a.expiresAt) });
        const datasetId = big(a.datasetId ?? 0n);
        const d = datasetId === 0n ? undefined : datasets.get(datasetId);
        if (d && d.subject !== lc(a.subject)) {
          r.violations.push({
            check: "consent",
            code: "CONSENT_NOT_DATASET_SUBJECT",
            message: `consent ${String(a.consentId).slice(0, 10)}… for dataset #${datasetId} was given by ${a.subject}, but the dataset is about ${d.subject}`,
            txHash: e.txHash,
            blockNumber: e.blockNumber,
            datasetId: String(datasetId),
          });
        }
        break;
      }
      case "ConsentRevoked": {
        const c = consents.get(lc(a.consentId));
        const inv = mark(`consent ${String(a.consentId).slice(0, 10)}… revoked`);
        if (c) c.revoked = inv;
        for (const q of requests.values()) if (q.consentId === lc(a.consentId)) q.invalidations.push(inv);
        break;
      }
      case "MemberSuspended": {
        const inv = mark(`requester ${a.member} suspended`);
        const list = suspensions.get(lc(a.member)) ?? [];
        list.push(inv);
        suspensions.set(lc(a.member), list);
        for (const q of requests.values()) if (q.requester === lc(a.member)) q.invalidations.push(inv);
        break;
      }
      case "DatasetRetired": {
        const inv = mark(`dataset #${a.datasetId} retired`);
        for (const q of requests.values()) if (q.datasetId === big(a.datasetId)) q.invalidations.push(inv);
        break;
      }
      case "AccessRequested":
        requests.set(big(a.requestId), {
          requester: lc(a.requester),
          datasetId: big(a.datasetId),
          consentId: lc(a.consentId),
          seq,
          providerApproved: false,
          approvers: new Set(),
          grants: [],
          invalidations: [],
        });
        break;
      case "AccessApproved": {
        const q = requests.get(big(a.requestId));
        if (!q) break;
        if (a.asSupervisor) q.approvers.add(lc(a.approver));
        else q.providerApproved = true;
        break;
      }
      case "GrantRevoked": {
        requests.get(big(a.requestId))?.invalidations.push(mark(`grant revoked by ${a.by}`));
        break;
      }
      case "AccessGranted": {
        r.checked.grants++;
        const id = big(a.requestId);
        const kind = Number(a.kind);
        const expiresAt = Number(a.expiresAt);
        const label = `grant of request #${id} (${nameOf(GRANT_KINDS, kind)})`;
        const q = requests.get(id);
        if (!q) {
          violate("GRANT_WITHOUT_REQUEST", `${label}: no AccessRequested before it`, e, id);
          break;
        }
        const c = consents.get(q.consentId);
        if (!c) violate("GRANT_WITHOUT_CONSENT", `${label}: its consent ${q.consentId} was never recorded`, e, id);
        else {
          if (c.revoked) violate("GRANT_AFTER_CONSENT_REVOKED", `${label}: its consent was revoked before (tx ${c.revoked.txHash})`, e, id);
          if (ts >= c.expiresAt) violate("GRANT_AFTER_CONSENT_EXPIRED", `${label}: its consent expired at ${c.expiresAt}, before the grant (${ts})`, e, id);
          if (expiresAt > c.expiresAt) violate("GRANT_OUTLIVES_CONSENT", `${label}: expires at ${expiresAt}, after its consent (${c.expiresAt})`, e, id);
        }
        const susp = (suspensions.get(q.requester) ?? []).find((s) => s.seq > q.seq);
        if (susp) violate("GRANT_TO_SUSPENDED_MEMBER", `${label}: the requester was suspended after requesting (tx ${susp.txHash})`, e, id);
        const d = datasets.get(q.datasetId);
        if (!d) {
          violate("GRANT_UNKNOWN_DATASET", `${label}: dataset #${q.datasetId} was never registered`, e, id);
          break;
        }
        const min = minimums.get(d.category) ?? NO_MINIMUM;
        if ((d.policy.requireProvider || min.requireProvider) && !q.providerApproved) {
          violate("GRANT_WITHOUT_PROVIDER_APPROVAL", `${label}: the policy requires the provider's approval and there was none`, e, id);
        }
        const have = [...q.approvers].filter((s) => supervisors.has(s)).length;
        if (kind === 2) {
          const need = Math.max(d.policy.supervisorQuorum, min.supervisorQuorum);
          if (have < need) violate("GRANT_WITHOUT_QUORUM", `${label}: ${have} supervisor approval(s), the policy requires ${need}`, e, id);
        } else if (min.temporary === TEMPORARY_FORBIDDEN) {
          violate("GRANT_TEMPORARY_FORBIDDEN", `${label}: the category's floor forbids temporary grants`, e, id);
        } else {
          // The category floor covers temporary grants too: its full quorum (AfterQuorum, the
          // default) or its early quorum (Early).
          const need = min.temporary === TEMPORARY_EARLY ? min.temporaryQuorum : min.supervisorQuorum;
          if (have < need) violate("GRANT_WITHOUT_QUORUM", `${label}: ${have} supervisor approval(s), the category floor requires ${need} for a temporary grant`, e, id);
        }
        const cap = kind === 2 ? d.policy.maxFormal : temporaryCap(d.policy.maxTemporary, min.maxTemporary);
        if (e.timestamp !== undefined && expiresAt > ts + cap) violate("GRANT_BEYOND_POLICY_MAX", `${label}: expires ${duration(expiresAt - ts)} after it was granted; the policy allows ${duration(cap)}`, e, id);
        q.grants.push({ kind, expiresAt, seq, timestamp: ts, txHash: e.txHash });
        break;
      }
      case "KeyReleased": {
        r.checked.releases++;
        const id = big(a.requestId);
        checkRelease(requests.get(id), id, Number(a.kind), { seq, timestamp: ts }, (code, msg) => violate(code, msg, e, id));
        break;
      }
    }
  });

  for (const b of batchReleases) {
    r.checked.releases++;
    checkRelease(requests.get(b.requestId), b.requestId, b.kind, { timestamp: b.releasedAt }, (code, message) =>
      r.violations.push({ check: "grant", code, message: `${message} (batch ${b.batchId})`, txHash: b.txHash, requestId: String(b.requestId) }),
    );
  }
}

/** A release at `at` (a position in the timeline, or only a time for batched ones). */
function checkRelease(q: RequestState | undefined, id: bigint, kind: number, at: { seq?: number; timestamp: number }, violate: (code: string, message: string) => void): void {
  const label = `release of request #${id} (${nameOf(GRANT_KINDS, kind)})`;
  const before = (x: { seq: number; timestamp: number }) => (at.seq !== undefined ? x.seq < at.seq : x.timestamp <= at.timestamp);
  const grant = q?.grants.filter((g) => g.kind === kind && before(g)).pop();
  if (!q || !grant) {
    violate("RELEASE_WITHOUT_GRANT", `${label}: no AccessGranted of that kind before it`);
    return;
  }
  const void_ = q.invalidations.find((inv) => (at.seq !== undefined ? inv.seq > grant.seq && inv.seq < at.seq : inv.timestamp >= grant.timestamp && inv.timestamp <= at.timestamp));
  if (void_) violate("RELEASE_AFTER_INVALIDATION", `${label}: ${void_.what} after the grant and before the release (tx ${void_.txHash})`);
  if (at.timestamp >= grant.expiresAt && at.timestamp !== 0) violate("RELEASE_AFTER_EXPIRY", `${label}: released at ${at.timestamp}, the grant expired at ${grant.expiresAt}`);
}

interface MinimumState {
  requireProvider: boolean;
  supervisorQuorum: number;
  /** TemporaryRule (sdk/vocabulary.ts). */
  temporary: number;
  temporaryQuorum: number;
  maxTemporary: number;
}

const NO_MINIMUM: MinimumState = { requireProvider: false, supervisorQuorum: 0, temporary: 0, temporaryQuorum: 0, maxTemporary: 0 };
const TEMPORARY_EARLY = TemporaryRule.Early;
const TEMPORARY_FORBIDDEN = TemporaryRule.Forbidden;
/** The ledger's ceiling on any temporary grant (MAX_TEMPORARY_SECONDS). */
export const MAX_TEMPORARY_SECONDS = 86_400;

/** A temporary grant's cap: the least of the dataset's, the category's (when set) and the ceiling. */
function temporaryCap(policy: number, category: number): number {
  return Math.min(policy, category || Infinity, MAX_TEMPORARY_SECONDS);
}

function policyOf(p: unknown): PolicyState {
  const x = p as { requireProvider: boolean; supervisorQuorum: bigint; maxTemporary: bigint; maxFormal: bigint };
  return { requireProvider: Boolean(x.requireProvider), supervisorQuorum: Number(x.supervisorQuorum), maxTemporary: Number(x.maxTemporary), maxFormal: Number(x.maxFormal) };
}
