/**
 * The provider's on-demand worker: follows `AccessRequested` on the ledger and, for each request
 * for one of **this provider's on-demand datasets** (registered with a source reference and no
 * version), pulls the subject's records through the adapter configured for that source
 * reference, normalizes them, encrypts them (NDJSON, Sealshare stream format) under a fresh data
 * key, stores the ciphertext, publishes it as the dataset's next version and deposits the key
 * with the custodian. The custodian then releases the key once the grant is valid — the worker
 * never decides who gets data; the ledger's approvals do.
 *
 * One round ({@link OnDemandWorker.runOnce}):
 * 1. finish any version left half-done by a crash (published but key not deposited yet);
 * 2. take in AccessRequested events from the checkpoint to the head (minus `confirmations`);
 *    requests for datasets that are not this provider's, or not on demand, are ignored;
 * 3. serve the waiting requests, one extraction per dataset: a request the ledger already tied to
 *    a version, or filed before a version this provider published, needs no new extraction.
 *
 * Restart safety: every decision is written to the checkpoint (checkpoint.ts) before the next
 * step, and a version being published is recorded — its key wrapped to the custodian — before
 * its transaction is sent. Seeing the same event twice, or running again over the same blocks
 * (even without the checkpoint: versions published after a request are found on chain), publishes
 * nothing new.
 *
 * Why a request that names a version is not re-extracted: the ledger resolves "latest" when a
 * request is filed, so a request for a dataset that already has a version is for that version
 * (its key was deposited when it was published); a newer version could never be granted to it.
 *
 * Publishing does not by itself advance a pending request: a grant is decided when an approval
 * lands, and approvals given before the version existed (a supervisor's, or none at all under a
 * policy that needs none) found nothing to grant. So once a key is deposited the worker calls
 * `advanceRequest` for each request it served — anyone may; the ledger grants only what the
 * policy and the approvals already allow, and answers AccessNothingToAdvance otherwise. The
 * worker never approves: approvals stay with people (`sealshare access approve`).
 *
 * @example
 * ```ts
 * const worker = await OnDemandWorker.open({ ctx: bankCtx, custodian, blobStore, sources, checkpointPath: "provider.checkpoint.json" });
 * try {
 *   const report = await worker.runOnce();
 * } finally {
 *   await worker.close();
 * }
 * ```
 */
import { dirname } from "node:path";
import { getAddress, getBytes, hexlify } from "ethers";
import { advanceRequest } from "../actions/advance-request.js";
import { providerOf, requireSigner, type SealshareContext } from "../actions/context.js";
import { depositKey, verifiedCustodianKey } from "../actions/deposit-key.js";
import { bindingOf } from "../actions/key-binding.js";
import { publishVersion } from "../actions/publish-version.js";
import type { BlobStore } from "../blob/types.js";
import { wrapKey } from "../crypto/ecies.js";
import { CustodianError, type CustodianClient } from "../custodian-client.js";
import { SealshareError } from "../errors.js";
import type { SourceRegistry } from "../sources/registry.js";
import { SourceError } from "../sources/errors.js";
import { keyCommitment } from "../stream/index.js";
import { RequestStatus } from "../vocabulary.js";
import { lockCheckpoint, ProviderCheckpoint, type CheckpointLock, type PendingVersion, type RequestEntry } from "./checkpoint.js";
import { extractToCiphertext } from "./extract.js";
import { ProviderLedgerView, type AccessRequestedLog, type DatasetHeader } from "./ledger-view.js";

export interface OnDemandWorkerOptions {
  /** The ledger and the provider's account (signer). */
  ctx: SealshareContext;
  custodian: CustodianClient;
  /** Where the ciphertexts go (their URI is registered on chain). */
  blobStore: BlobStore;
  /** Which adapter serves which source reference (sources/registry.ts). */
  sources: SourceRegistry;
  /** The checkpoint file (created if missing). */
  checkpointPath: string;
  /** Folder for temporary ciphertext files. Default: the checkpoint's folder. */
  workDir?: string;
  /** Blocks behind the head before a request is acted on. Default 0. */
  confirmations?: number;
  /** Largest block range per eth_getLogs. Default 2,000. */
  maxBlockRange?: number;
  /** Attempts per request before it is given up (retryable failures only). Default 5. */
  maxAttempts?: number;
  /** Refuse extractions of more records than this. Default: the adapters' own limits. */
  maxRecords?: number;
  /** Progress, for logs. Never carries records or keys. */
  onEvent?: (event: WorkerEvent) => void;
}

/** What the worker did, one line each: JSON-safe, no data, no keys. */
export type WorkerEvent =
  | { type: "request"; requestId: string; datasetId: string; state: RequestEntry["state"]; reason?: string }
  | { type: "extracted"; datasetId: string; source: string; records: number; bytes: number }
  | { type: "published"; datasetId: string; version: number; txHash: string; requestIds: string[] }
  | { type: "deposited"; datasetId: string; version: number; created: boolean }
  | { type: "served"; requestId: string; datasetId: string; version: number; extracted: boolean }
  | { type: "granted"; requestId: string; kind: number; version: number }
  | { type: "recovered"; datasetId: string; version?: number; outcome: string }
  | { type: "retry"; requestId: string; attempts: number; code: string; message: string }
  | { type: "failed"; requestId: string; attempts: number; code: string; message: string }
  | { type: "warning"; message: string; code?: string };

export interface ServedRequest {
  requestId: bigint;
  datasetId: bigint;
  version: number;
  /** True when a new version was extracted and published for it; false when an existing one serves it. */
  extracted: boolean;
}

export interface RoundReport {
  /** Blocks taken in this round (empty range when from > to). */
  fromBlock: number;
  toBlock: number;
  /** Requests for this provider's on-demand datasets first seen in this round. */
  seen: number;
  served: ServedRequest[];
  published: { datasetId: bigint; version: number; records: number; requestIds: bigint[] }[];
  skipped: { requestId: bigint; reason: string }[];
  retrying: { requestId: bigint; attempts: number; code: string }[];
  failed: { requestId: bigint; attempts: number; code: string; message: string }[];
}

type ResolvedOptions = OnDemandWorkerOptions & Required<Pick<OnDemandWorkerOptions, "confirmations" | "maxBlockRange" | "maxAttempts">>;

const STATUS_NAME = Object.fromEntries(Object.entries(RequestStatus).map(([k, v]) => [v, k])) as Record<number, string>;

export class OnDemandWorker {
  readonly #o: ResolvedOptions;
  readonly #ledger: ProviderLedgerView;
  readonly #checkpoint: ProviderCheckpoint;
  readonly #lock: CheckpointLock;
  readonly #me: string;
  readonly #workDir: string;

  private constructor(o: ResolvedOptions, checkpoint: ProviderCheckpoint, lock: CheckpointLock, me: string) {
    this.#o = o;
    this.#ledger = new ProviderLedgerView(o.ctx);
    this.#checkpoint = checkpoint;
    this.#lock = lock;
    this.#me = me;
    this.#workDir = o.workDir ?? dirname(o.checkpointPath);
  }

  /** Locks and opens the checkpoint. Errors: `NO_ACCOUNT`, `WORKER_ALREADY_RUNNING`, `CHECKPOINT_*`. */
  static async open(opts: OnDemandWorkerOptions): Promise<OnDemandWorker> {
    const signer = requireSigner(opts.ctx);
    const me = getAddress(await signer.getAddress());
    const network = await providerOf(opts.ctx).getNetwork();
    const ledger = await opts.ctx.ledger.getAddress();
    const o: ResolvedOptions = { ...opts, confirmations: opts.confirmations ?? 0, maxBlockRange: opts.maxBlockRange ?? 2000, maxAttempts: opts.maxAttempts ?? 5 };
    if (!Number.isInteger(o.confirmations) || o.confirmations < 0) throw new SealshareError("INVALID_OPTION", "confirmations must be a non-negative integer");
    if (!Number.isInteger(o.maxBlockRange) || o.maxBlockRange < 1) throw new SealshareError("INVALID_OPTION", "maxBlockRange must be a positive integer");
    if (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1) throw new SealshareError("INVALID_OPTION", "maxAttempts must be a positive integer");
    const lock = await lockCheckpoint(opts.checkpointPath);
    try {
      const checkpoint = await ProviderCheckpoint.open(opts.checkpointPath, { chainId: network.chainId.toString(), ledger, provider: me }, opts.ctx.fromBlock ?? 0);
      return new OnDemandWorker(o, checkpoint, lock, me);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** The provider account the worker acts as. */
  get provider(): string {
    return this.#me;
  }

  /** A copy of the checkpoint's state (for status displays and tests). */
  state(): { scannedTo: number; requests: Record<string, RequestEntry>; pending: PendingVersion[] } {
    const d = structuredClone(this.#checkpoint.data);
    return { scannedTo: d.scannedTo, requests: d.requests, pending: Object.values(d.pending) };
  }

  /** One round: recover, take in new requests, serve. Throws on ledger/RPC failures (nothing is lost: run again). */
  async runOnce(signal?: AbortSignal): Promise<RoundReport> {
    const report: RoundReport = { fromBlock: this.#checkpoint.scannedTo + 1, toBlock: this.#checkpoint.scannedTo, seen: 0, served: [], published: [], skipped: [], retrying: [], failed: [] };
    await this.#recoverPending(report);
    await this.#takeInRequests(report);
    await this.#serveWaiting(report, signal);
    return report;
  }

  /**
   * Rounds every `pollMs` until `signal` aborts. A failed round (RPC down, custodian away) is
   * reported as a warning and retried after a back-off of up to 30 s.
   */
  async run(opts: { pollMs: number; signal: AbortSignal; onRound?: (report: RoundReport) => void }): Promise<void> {
    let failures = 0;
    while (!opts.signal.aborted) {
      try {
        const report = await this.runOnce(opts.signal);
        failures = 0;
        opts.onRound?.(report);
      } catch (err) {
        if (opts.signal.aborted) break;
        failures++;
        this.#emit({ type: "warning", message: `round failed (${failures} in a row): ${(err as Error).message}`, code: (err as SealshareError).code });
      }
      const wait = failures === 0 ? opts.pollMs : Math.min(30_000, opts.pollMs * 2 ** Math.min(failures, 8));
      await sleep(wait, opts.signal);
    }
  }

  /** Releases the checkpoint lock. The sources, custodian client and ledger belong to the caller. */
  async close(): Promise<void> {
    await this.#lock.release();
  }

  // --- 1. recovery ------------------------------------------------------------------------

  /** Finishes versions whose publication or deposit was interrupted. */
  async #recoverPending(report: RoundReport): Promise<void> {
    for (const p of this.#checkpoint.allPending()) {
      try {
        await this.#recoverOne(report, p);
      } catch (err) {
        const datasetId = BigInt(p.datasetId);
        if (err instanceof CustodianError && err.status < 500 && err.status !== 429) {
          // The custodian refuses this deposit for good (e.g. the dataset changed hands).
          for (const id of p.requestIds) this.#fail(report, BigInt(id), err.code, `dataset #${datasetId} v${p.version}: the custodian refused its key: ${err.message}`);
          this.#checkpoint.clearPending(datasetId);
          await this.#checkpoint.save();
          continue;
        }
        // Transient (custodian or node away): the version stays pending, its dataset waits, and
        // the next round tries again. Other datasets are served meanwhile.
        this.#emit({ type: "warning", message: `dataset #${datasetId}: finishing an interrupted version failed, will retry: ${(err as Error).message}`, code: (err as SealshareError).code });
      }
    }
  }

  async #recoverOne(report: RoundReport, p: PendingVersion): Promise<void> {
    const datasetId = BigInt(p.datasetId);
    if (p.version === undefined) {
      const found = await this.#ledger.findPublication(datasetId, p.merkleRoot, p.fromBlock);
      if (!found) {
        // The transaction never landed: nothing on chain refers to this ciphertext. Its requests
        // are still waiting and get a fresh extraction below.
        this.#checkpoint.clearPending(datasetId);
        await this.#checkpoint.save();
        this.#emit({ type: "recovered", datasetId: p.datasetId, outcome: "publication not found on chain; extracting again" });
        return;
      }
      p = { ...p, version: found.version };
      this.#checkpoint.setPending(p);
      await this.#checkpoint.save();
    }
    const version = p.version!;
    const info = await verifiedCustodianKey(this.#o.ctx, this.#o.custodian); // checked on chain, as depositKey does
    if (info.encryptionKey.toLowerCase() !== p.custodianKey) {
      // The key was wrapped to a custodian key that has been replaced since: it cannot be
      // deposited, and it is kept nowhere else. People must publish a new version.
      const message = `dataset #${datasetId} v${version} was published but its key could not be deposited: the custodian's encryption key changed; publish a new version by hand`;
      for (const id of p.requestIds) this.#fail(report, BigInt(id), "KEY_LOST", message);
      this.#checkpoint.clearPending(datasetId);
      await this.#checkpoint.save();
      this.#emit({ type: "recovered", datasetId: p.datasetId, version, outcome: "key lost (custodian key changed)" });
      return;
    }
    const deposit = await this.#o.custodian.depositWrappedKey(requireSigner(this.#o.ctx), { datasetId, version, wrappedKey: p.wrappedKey });
    this.#emit({ type: "deposited", datasetId: p.datasetId, version, created: deposit.created });
    await this.#finishServed(report, datasetId, version, p.requestIds.map(BigInt), true);
    this.#checkpoint.clearPending(datasetId);
    await this.#checkpoint.save();
    this.#emit({ type: "recovered", datasetId: p.datasetId, version, outcome: "key deposited" });
  }

  // --- 2. taking in requests ------------------------------------------------------------------

  async #takeInRequests(report: RoundReport): Promise<void> {
    const head = (await providerOf(this.#o.ctx).getBlockNumber()) - this.#o.confirmations;
    const from = this.#checkpoint.scannedTo + 1;
    report.fromBlock = from;
    report.toBlock = Math.max(head, this.#checkpoint.scannedTo);
    if (from > head) return;
    // Window by window, so a long backlog is checkpointed as it goes.
    const window = this.#o.maxBlockRange * 10;
    for (let a = from; a <= head; a += window) {
      const b = Math.min(head, a + window - 1);
      for (const log of await this.#ledger.accessRequests(a, b, this.#o.maxBlockRange)) await this.#takeIn(report, log);
      this.#checkpoint.scannedTo = b;
      await this.#checkpoint.save();
    }
  }

  /** Records one AccessRequested event if it concerns this provider's on-demand datasets. Idempotent. */
  async #takeIn(report: RoundReport, log: AccessRequestedLog): Promise<void> {
    if (this.#checkpoint.request(log.requestId)) return; // seen before (a replay or a rescan)
    const sourceRef = await this.#ledger.sourceRefOf(log.datasetId);
    if (!(await this.#ledger.isOnDemand(log.datasetId))) return;
    const d = await this.#ledger.dataset(log.datasetId);
    if (d.provider !== this.#me) return;
    report.seen++;
    const base = { datasetId: log.datasetId.toString(), blockNumber: log.blockNumber, logIndex: log.logIndex, attempts: 0 };
    if (!this.#o.sources.get(sourceRef)) {
      const reason = `no source configured for source reference ${sourceRef}`;
      this.#record(log.requestId, { ...base, state: "skipped", reason });
      report.skipped.push({ requestId: log.requestId, reason });
    } else if (log.version !== 0) {
      // The ledger already tied the request to an existing version, whose key was deposited
      // when it was published: there is nothing to extract for it.
      this.#record(log.requestId, { ...base, state: "waiting" });
      await this.#finishServed(report, log.datasetId, log.version, [log.requestId], false);
    } else {
      this.#record(log.requestId, { ...base, state: "waiting" });
    }
  }

  // --- 3. serving -------------------------------------------------------------------------

  async #serveWaiting(report: RoundReport, signal: AbortSignal | undefined): Promise<void> {
    const byDataset = new Map<bigint, [bigint, RequestEntry][]>();
    for (const [id, entry] of this.#checkpoint.waiting()) {
      const ds = BigInt(entry.datasetId);
      byDataset.set(ds, [...(byDataset.get(ds) ?? []), [id, entry]]);
    }
    for (const [datasetId, requests] of byDataset) {
      if (signal?.aborted) return;
      if (this.#checkpoint.pending(datasetId)) continue; // an interrupted version comes first (recovery)
      await this.#serveDataset(report, datasetId, requests, signal);
      await this.#checkpoint.save();
    }
  }

  async #serveDataset(report: RoundReport, datasetId: bigint, requests: [bigint, RequestEntry][], signal: AbortSignal | undefined): Promise<void> {
    const d = await this.#ledger.dataset(datasetId);
    if (d.provider !== this.#me || d.retired) {
      const reason = d.retired ? `dataset #${datasetId} was retired` : `dataset #${datasetId} is now stewarded by ${d.provider}`;
      for (const [id] of requests) this.#skip(report, id, reason);
      return;
    }
    // Only requests still waiting for approval need data; the rest are settled.
    const open: [bigint, RequestEntry][] = [];
    for (const [id, entry] of requests) {
      const status = await this.#ledger.requestStatus(id);
      if (status === RequestStatus.Pending) open.push([id, entry]);
      else this.#skip(report, id, `request is ${STATUS_NAME[status] ?? `in status ${status}`}`);
    }
    if (open.length === 0) return;

    // A version this provider published after a request was filed is what that request will be
    // granted ("latest" resolves when the grant is issued): it needs no new extraction.
    const needData: [bigint, RequestEntry][] = [];
    const latest = d.latestVersion > 0 ? await this.#ledger.publication(datasetId, d.latestVersion) : undefined;
    for (const [id, entry] of open) {
      const after = latest && latest.provider === this.#me && (latest.blockNumber > entry.blockNumber || (latest.blockNumber === entry.blockNumber && latest.logIndex > entry.logIndex));
      if (after) await this.#finishServed(report, datasetId, latest.version, [id], false);
      else needData.push([id, entry]);
    }
    if (needData.length === 0) return;

    const ids = needData.map(([id]) => id);
    try {
      await this.#publishFor(report, datasetId, d, ids, signal);
    } catch (err) {
      if (signal?.aborted) return; // cancelled: not a failed attempt
      for (const [id, entry] of needData) this.#attemptFailed(report, id, entry, err);
    }
  }

  /** Extracts, publishes, deposits; marks `requestIds` served. */
  async #publishFor(report: RoundReport, datasetId: bigint, d: DatasetHeader, requestIds: bigint[], signal: AbortSignal | undefined): Promise<void> {
    const configured = this.#o.sources.get(await this.#ledger.sourceRefOf(datasetId))!;
    // The key the data key is wrapped to is the custodian's live key on chain, not merely what
    // the service answers (depositKey checks the same way).
    const custodianKey = (await verifiedCustodianKey(this.#o.ctx, this.#o.custodian)).encryptionKey.toLowerCase();
    const extraction = await extractToCiphertext(configured.source, { subject: d.subject, category: d.category, sourceRef: configured.ref, signal }, { workDir: this.#workDir, maxRecords: this.#o.maxRecords });
    const { dek, summary } = extraction;
    this.#emit({ type: "extracted", datasetId: datasetId.toString(), source: configured.source.name, records: extraction.records, bytes: summary.plaintextSize });
    try {
      // Committed (v2) to the slot this publication will take: the dataset's next version number.
      const commitment = keyCommitment(dek, await bindingOf(this.#o.ctx, datasetId, Number(d.latestVersion) + 1, summary.merkleRoot));
      // Written before the transaction: if the process dies after publishing, the next round
      // finds the version by its hash and deposits this wrapped key.
      const pending: PendingVersion = {
        datasetId: datasetId.toString(),
        requestIds: requestIds.map(String),
        merkleRoot: summary.merkleRoot.toLowerCase(),
        keyCommitment: commitment.toLowerCase(),
        wrappedKey: hexlify(wrapKey(getBytes(custodianKey), dek)).toLowerCase(),
        custodianKey,
        fromBlock: await providerOf(this.#o.ctx).getBlockNumber(),
        records: extraction.records,
      };
      this.#checkpoint.setPending(pending);
      await this.#checkpoint.save();

      const published = await publishVersion(this.#o.ctx, {
        datasetId,
        source: { ciphertext: extraction.ciphertextPath, dek, format: "ndjson", merkleRoot: summary.merkleRoot },
        blobStore: this.#o.blobStore,
      });
      this.#checkpoint.setPending({ ...pending, version: published.version, txHash: published.txHash.toLowerCase() });
      await this.#checkpoint.save();
      report.published.push({ datasetId, version: published.version, records: extraction.records, requestIds });
      this.#emit({ type: "published", datasetId: datasetId.toString(), version: published.version, txHash: published.txHash, requestIds: requestIds.map(String) });

      const deposit = await depositKey(this.#o.ctx, { custodian: this.#o.custodian, datasetId, version: published.version, dek });
      this.#emit({ type: "deposited", datasetId: datasetId.toString(), version: published.version, created: deposit.created });
      await this.#finishServed(report, datasetId, published.version, requestIds, true);
      this.#checkpoint.clearPending(datasetId);
    } finally {
      dek.fill(0);
      await extraction.remove();
    }
  }

  /** Marks requests served by `version`, and has the ledger grant what its approvals already allow. */
  async #finishServed(report: RoundReport, datasetId: bigint, version: number, requestIds: bigint[], extracted: boolean): Promise<void> {
    for (const id of requestIds) {
      const entry = this.#checkpoint.request(id);
      this.#record(id, {
        datasetId: datasetId.toString(),
        blockNumber: entry?.blockNumber ?? 0,
        logIndex: entry?.logIndex ?? 0,
        attempts: entry?.attempts ?? 0,
        state: "served",
        version,
        ...(extracted ? {} : { reason: `served by existing version ${version}` }),
      });
      report.served.push({ requestId: id, datasetId, version, extracted });
      this.#emit({ type: "served", requestId: id.toString(), datasetId: datasetId.toString(), version, extracted });
      await this.#advance(id);
    }
  }

  /** Grants now what approvals given before the version existed already allow. */
  async #advance(requestId: bigint): Promise<void> {
    try {
      const { granted } = await advanceRequest(this.#o.ctx, { requestId });
      this.#emit({ type: "granted", requestId: requestId.toString(), kind: granted.kind, version: granted.version });
    } catch (err) {
      const code = (err as SealshareError).code;
      // The usual answers: approvals still missing, or already granted as far as it goes.
      if (code === "AccessNothingToAdvance" || code === "AccessWrongStatus") return;
      // Served either way (data published, key deposited); an approval will grant it later.
      this.#emit({ type: "warning", message: `request #${requestId}: could not advance it: ${(err as Error).message}`, code });
    }
  }

  // --- bookkeeping ----------------------------------------------------------------------------

  #record(requestId: bigint, entry: Omit<RequestEntry, "updatedAt">): void {
    this.#checkpoint.setRequest(requestId, entry);
    if (entry.state !== "served") this.#emit({ type: "request", requestId: requestId.toString(), datasetId: entry.datasetId, state: entry.state, ...(entry.reason ? { reason: entry.reason } : {}) });
  }

  #skip(report: RoundReport, requestId: bigint, reason: string): void {
    const entry = this.#checkpoint.request(requestId)!;
    this.#record(requestId, { ...entry, state: "skipped", reason });
    report.skipped.push({ requestId, reason });
  }

  #fail(report: RoundReport, requestId: bigint, code: string, message: string, attempts?: number): void {
    const entry = this.#checkpoint.request(requestId);
    if (!entry) return;
    const tries = attempts ?? entry.attempts;
    this.#record(requestId, { ...entry, attempts: tries, state: "failed", reason: `${code}: ${message}` });
    report.failed.push({ requestId, attempts: tries, code, message });
    this.#emit({ type: "failed", requestId: requestId.toString(), attempts: tries, code, message });
  }

  /** A failed extraction/publication: retried later if it can help, else given up. */
  #attemptFailed(report: RoundReport, requestId: bigint, entry: RequestEntry, err: unknown): void {
    const attempts = entry.attempts + 1;
    const code = err instanceof SealshareError ? err.code : "ERROR";
    const message = (err as Error).message ?? String(err);
    // Source errors say whether retrying helps; anything else (RPC, custodian, chain) is
    // assumed transient, within the attempt budget.
    const retryable = err instanceof SourceError ? err.retryable : true;
    if (retryable && attempts < this.#o.maxAttempts) {
      this.#checkpoint.setRequest(requestId, { ...entry, attempts, state: "waiting", reason: `${code}: ${message}` });
      report.retrying.push({ requestId, attempts, code });
      this.#emit({ type: "retry", requestId: requestId.toString(), attempts, code, message });
      return;
    }
    this.#fail(report, requestId, code, message, attempts);
  }

  #emit(e: WorkerEvent): void {
    try {
      this.#o.onEvent?.(e);
    } catch {
      // a logging callback must not break the worker
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

