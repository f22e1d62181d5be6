/**
 * The release worker: turns final grants into envelopes, a batch of releases per round.
 *
 * A release row exists only once its grant's block is final at the confirmation depth (the
 * follower creates it in the transaction that moves the finalized block). For each due release
 * the worker
 *  - holds it back, without a chain call, if a stored event (final or not yet) voided the grant
 *    — revocation, consent revoked, requester suspended, dataset retired, device key rotated —
 *    so delivery stops the moment the follower sees the event; once that event is final the
 *    chain re-check below refuses it with the chain's reason;
 *  - re-checks the grant on chain AT THE FINALIZED BLOCK (`isGrantValid`, blockTag = finalized)
 *    — so what is released is what the final chain says, never a block that may still be
 *    orphaned. All of the round's checks at one block tag are ONE eth_call (./grant-reader.ts:
 *    a deployless batch read of the ledger's own view), not one call per grant;
 *  - and AT THE HEAD (blockTag = latest), in parallel: the store's finalized block can lag
 *    the chain (backfill after a restart, a gap fetched in several runs), and a revocation in a
 *    block the follower has not ingested yet is invisible to the stored-void rule above. A grant
 *    valid at the finalized block but not at the head is deferred, never refused (the voiding
 *    block may still be orphaned): once the void is final, the finalized check refuses it;
 *  - then does what the pure decision says (./decision.ts, whose header lists every case:
 *    `decideRelease` on the job and both reads, then `decideKey` on the stored key and the
 *    device key): defer (with back-off, or in a second for a void not final yet), `waiting-key`
 *    (a deposit wakes it), `refused` with the typed reason, `superseded`, or release: unseal the
 *    data key, wrap the DEK to the device key (ECIES in eciesjs's format, ./ecies.ts), sign the
 *    envelope (EIP-712 digest computed directly, ./signing.ts; both through libsecp256k1,
 *    ../keys/secp256k1.ts).
 * The key check is the v2 commitment (sdk/stream/commitment.ts: chain id, ledger, dataset, version,
 * Merkle root); a stored key that fails it holds the release (`pending`, reason
 * key-commitment-mismatch, retried with back-off) until the right key is deposited, which
 * replaces the stored one and wakes it. `releasedAt` is the chain-head time (node-quirks.ts
 * `releaseTime`): never before the grant's block, never after the block that seals its receipt.
 * An envelope is saved only onto the release row of the grant it was made for (block hash + log
 * index of its AccessGranted), so a reorg that hands the request id to another grant cannot
 * receive it.
 * Each distinct data key is unsealed once per round and wiped after it. All envelopes of the
 * round are persisted in ONE transaction — exactly one per (request, kind) — and only then are
 * receipts recorded (./receipts.ts: batched Merkle roots, or one transaction each).
 *
 * Threshold custody: when the grant's version has a custody record (final), the worker releases
 * this custodian's Shamir share instead of a key (./share-release.ts: trusts the custody contract's
 * `shareGrant` at the finalized block and the head); the envelope then carries `share` (set,
 * index, threshold, proof) inside what its signature covers. Receipts are as for keys.
 * `run` keeps two loops: release rounds back to back while there is work, then waiting on the
 * bell (rung by the follower when grants become final and by deposits) or `pollMs`; and the
 * receipts (`receipts.reconcile()`: forming and sealing batches, sending single receipts, moving
 * open transactions forward), woken after each round that released something, else every
 * max(`pollMs`, 250 ms). Receipt transactions therefore never hold a release back (a burst's one-by-one
 * receipts take a transaction each). Reconciliations never overlap (one lock), nor do rounds.
 * `round()` is one round with a reconciliation before and after it (tests, tools).
 */
import { getBytes, hexlify, type Signer, type TypedDataDomain } from "ethers";
import type { Sealshare } from "../../sdk/contracts.js";
import { verifyKeyCommitment } from "../../sdk/stream/commitment.js";
import type { KeyBox } from "../keys/at-rest.js";
import type { Logger } from "../internal/logger.js";
import { backoff, Bell } from "../internal/shutdown.js";
import { Mutex } from "../store/sql.js";
import type { EnvelopeRecord, ReleaseJob, ReleaseOutcome, ReleaseStore, SyncStore } from "../store/store.js";
import { decideKey, decideRelease, holdForStoredVoid, reasonText, type KeyDecision, type ReleaseDecision } from "./decision.js";
import { isCompressedPoint, wrapReleaseKey } from "./ecies.js";
import { createGrantReader, type GrantCheck, type GrantCheckResult, type GrantReader } from "./grant-reader.js";
import { receiptLeaf } from "../receipts/merkle.js";
import type { Receipts } from "../receipts/receipts.js";
import { createEnvelopeSigner, type EnvelopeSigner } from "./signing.js";
import { releaseTime } from "../sync/node-quirks.js";
import { isRetryable } from "../internal/errors.js";
import { shareForRelease, type CustodyCache, type ShareOutcome, type ShareReleaseDeps } from "./share-release.js";

/** Wraps a data key to a device public key; must produce eciesjs's format. */
export type WrapFn = (publicKey: Uint8Array, dataKey: Uint8Array) => Uint8Array;

export interface WorkerDeps {
  ledger: Sealshare;
  /** Release rows and keys; the sync state for the block tags to re-check at. */
  store: ReleaseStore & Pick<SyncStore, "syncState">;
  keyBox: KeyBox;
  signer: Signer; // the custodian's account: signs envelopes
  domain: TypedDataDomain; // custodian domain
  receipts: Receipts;
  log: Logger;
  bell: Bell;
  pollMs: number;
  now: () => number;
  /** Releases per chunk (default 256; a round takes up to 4 chunks, pipelined). */
  batchSize?: number;
  /** Grant re-checks per batched eth_call (default 256; chunks of a round go in parallel). */
  concurrency?: number;
  /** ECIES wrap (default ./ecies.ts: eciesjs's format, libsecp256k1). */
  wrap?: WrapFn;
  /** The on-chain re-check (default ./grant-reader.ts over the ledger's provider). */
  grants?: GrantReader;
  /**
   * Threshold custody (./share-release.ts): a version with a custody record is served with this
   * custodian's share instead of a key. Undefined when the deployment names no custody contract.
   * `self` is undefined until the custodian's identity is known (then nothing is released yet).
   */
  custody?: Omit<ShareReleaseDeps, "self" | "keyBox"> & { self: () => string | undefined };
  /** Observers (metrics, SSE): each envelope persisted, each release refused. */
  onReleased?: (r: EnvelopeRecord, grantBlock: number) => void;
  onRefused?: (o: ReleaseOutcome) => void;
}

export type Outcome = "released" | "waiting-key" | "deferred" | "refused" | "superseded" | "duplicate";

export interface ReleaseWorker {
  /** Processes every due release once (a batch) and reconciles receipts; returns the outcomes. */
  round(): Promise<Outcome[]>;
  run(signal: AbortSignal): Promise<void>;
}

/** Chunks of `batchSize` per round; all their chain re-checks are asked at once, overlapping the crypto. */
export const PIPELINE = 4;

/** Receipts are reconciled at least this often (and after every round that released something). */
export const RECEIPTS_IDLE_MS = 250;

export function createReleaseWorker(deps: WorkerDeps): ReleaseWorker {
  const { ledger, store, keyBox, log } = deps;
  const wrap: WrapFn = deps.wrap ?? wrapReleaseKey;
  const batchSize = deps.batchSize ?? 256;
  const retryAt = (attempts: number) => deps.now() + Math.ceil(backoff(attempts, 1000, 300_000) / 1000);
  let signerP: Promise<EnvelopeSigner> | undefined;
  let readerP: Promise<GrantReader> | undefined;
  const reader = () =>
    (readerP ??= deps.grants
      ? Promise.resolve(deps.grants)
      : (async () => {
          const provider = ledger.runner?.provider;
          if (!provider) throw new Error("the ledger contract has no provider to read grants with");
          return createGrantReader({ provider, ledger: await ledger.getAddress(), log, chunk: deps.concurrency });
        })());

  /**
   * One round: up to `batchSize × PIPELINE` due releases, taken in chunks of `batchSize` whose
   * chain re-checks are all sent at the start and answered while earlier chunks are wrapped,
   * signed and saved (the node answers the reads while this process does the crypto).
   */
  async function doRound(): Promise<Outcome[]> {
    const t0 = performance.now();
    const jobs = await store.dueReleases(deps.now(), batchSize * PIPELINE);
    if (jobs.length === 0) return [];
    const envelopeSigner = await (signerP ??= createEnvelopeSigner(deps.signer, deps.domain));
    const { tip, finalized, chainTime } = await store.syncState();
    const chunks: ReleaseJob[][] = [];
    for (let i = 0; i < jobs.length; i += batchSize) chunks.push(jobs.slice(i, i + batchSize));
    const outcomes: Outcome[] = [];
    const timing = { checkMs: 0, cryptoMs: 0, saveMs: 0 };
    const deks = new Map<string, Uint8Array | null>(); // each distinct (dataset, version) unsealed once per round
    const custodyCache: CustodyCache = new Map(); // each (dataset, version)'s custody record read once per round
    try {
      // Every chunk's re-check is sent at once: the node works through them while this process
      // wraps and signs (one chunk ahead left the custodian waiting on the node for ~a fifth
      // of a burst round). A failed read defers that chunk's jobs inside `check`; the catch
      // only keeps a chunk not awaited yet (an earlier chunk threw) from being unhandled.
      const checks = chunks.map((c) => check(c, finalized, tip.blockNumber));
      checks.forEach((c) => c.catch(() => undefined));
      for (let i = 0; i < chunks.length; i++) {
        const checked = await checks[i]!;
        timing.checkMs += checked.ms;
        outcomes.push(...(await release(checked, envelopeSigner, deks, timing, chainTime, finalized, custodyCache)));
      }
    } finally {
      for (const d of deks.values()) d?.fill(0);
    }
    if (log.isLevelEnabled("debug")) {
      const r = (x: number) => Math.round(x * 10) / 10;
      log.debug(
        { jobs: jobs.length, released: outcomes.filter((o) => o === "released").length, checkMs: r(timing.checkMs), cryptoMs: r(timing.cryptoMs), saveMs: r(timing.saveMs), totalMs: r(performance.now() - t0) },
        "release round",
      );
    }
    return outcomes;
  }

  /** Does what a decision other than serve/release says: settles the row, logs, counts the outcome. */
  function settleDecision(job: ReleaseJob, d: Exclude<ReleaseDecision, { action: "serve" }> | Exclude<KeyDecision, { action: "release" | "wait-key" }>, settle: ReleaseOutcome[], outcomes: Outcome[]): void {
    const at = { requestId: job.requestId, kind: job.kind };
    switch (d.action) {
      case "defer": {
        if (d.reason.code === "rpc-unavailable" || d.reason.code === "error") {
          log[d.reason.code === "rpc-unavailable" ? "warn" : "error"]({ ...at, err: "error" in d ? d.error : undefined }, "grant re-check failed; will retry");
        } else if (d.reason.code === "voided-at-head") {
          log.info({ ...at, reason: d.reason.chain }, "release held: the grant is voided at the head, not final yet");
        } else if (d.reason.code === "grant-rebound") {
          log.warn(at, "release held: the chain's grant of this request id is another grant than the row's; never served");
        }
        const nextAttemptAt = d.retry === "soon" ? deps.now() + 1 : retryAt(job.attempts);
        settle.push({ ...at, status: "pending", reason: reasonText(d.reason), nextAttemptAt });
        outcomes.push("deferred");
        return;
      }
      case "refuse":
        if (d.reason.code === "chain") log.info({ ...at, reason: d.reason.chain }, "release refused: the grant is not valid on chain");
        else log.warn(at, "release refused: the request's device key is not a valid secp256k1 point");
        settle.push({ ...at, status: "refused", reason: reasonText(d.reason) });
        outcomes.push("refused");
        return;
      case "supersede":
        settle.push({ ...at, status: "superseded", reason: `upgraded to kind ${d.byKind}` });
        outcomes.push("superseded");
        return;
    }
  }

  interface Checked {
    ready: { job: ReleaseJob; gv: GrantCheck }[];
    settle: ReleaseOutcome[];
    outcomes: Outcome[];
    ms: number;
  }

  /** Steps 1–2 for a chunk: stored voids, then the chain re-check at the finalized block and the head. */
  async function check(jobs: readonly ReleaseJob[], finalized: number, tip: number): Promise<Checked> {
    const started = performance.now();
    const out: Checked = { ready: [], settle: [], outcomes: [], ms: 0 };
    const apply = (job: ReleaseJob, d: Exclude<ReleaseDecision, { action: "serve" }>) => settleDecision(job, d, out.settle, out.outcomes);

    // 1. Held back by a stored void not final yet (no chain call). A final void goes on to the
    //    chain check, which refuses with the chain's reason.
    const toCheck: ReleaseJob[] = [];
    for (const job of jobs) {
      const held = holdForStoredVoid(job, finalized);
      if (held) apply(job, held);
      else toCheck.push(job);
    }

    // 2. Re-check at the finalized block and at the head: one batched eth_call each. When the
    //    store is at the head (confirmation depth 0, nothing new mined), the head read names the
    //    finalized block itself, and is both.
    let atFinal: GrantCheckResult[] = [];
    let atHead: GrantCheckResult[] = [];
    let readError: unknown;
    if (toCheck.length > 0) {
      const ids = toCheck.map((j) => BigInt(j.requestId));
      try {
        const grants = await reader();
        if (finalized < tip) {
          const [f, h] = await Promise.all([grants.read(ids, finalized), grants.read(ids, "latest")]);
          atFinal = f.results;
          atHead = h.results;
        } else {
          const h = await grants.read(ids, "latest");
          atHead = h.results;
          atFinal = h.block === finalized ? h.results : (await grants.read(ids, finalized)).results;
        }
      } catch (err) {
        readError = err;
      }
    }
    toCheck.forEach((job, i) => {
      const failedRead: GrantCheckResult | undefined = readError !== undefined ? { ok: false, error: readError } : undefined;
      const d = decideRelease(job, failedRead ?? atFinal[i]!, failedRead ?? atHead[i]!, finalized);
      if (d.action === "serve") out.ready.push({ job, gv: d.grant });
      else apply(job, d);
    });
    out.ms = performance.now() - started;
    return out;
  }

  /** Steps 3–4 for a checked chunk: keys, wrap, sign; envelopes in one transaction, the rest in another. */
  async function release(
    c: Checked,
    envelopeSigner: EnvelopeSigner,
    deks: Map<string, Uint8Array | null>,
    timing: { cryptoMs: number; saveMs: number },
    chainTime: number,
    finalized: number,
    custodyCache: CustodyCache,
  ): Promise<Outcome[]> {
    const started = performance.now();
    const { settle, outcomes } = c;
    const records: EnvelopeRecord[] = [];
    /** Adds a signed envelope (key or share) to the round's records. */
    const addRecord = (job: ReleaseJob, envelope: EnvelopeRecord["envelope"], envelopeHash: string) => {
      // Dated by the chain: never before the grant's block, never after the seal's (../sync/node-quirks.ts).
      const releasedAt = releaseTime(chainTime, deps.now());
      records.push({
        requestId: job.requestId,
        kind: job.kind,
        envelope,
        envelopeHash,
        releasedAt,
        leaf: receiptLeaf({ requestId: job.requestId, kind: job.kind, envelopeHash, releasedAt }),
        receiptMode: deps.receipts.mode,
        requester: job.requester,
        grantBlock: job.grantBlock,
        grantHash: job.grantHash,
        grantLogIndex: job.grantLogIndex,
      });
    };
    for (const { job, gv } of c.ready) {
      const { datasetId, version } = gv;
      if (deps.custody) {
        // Threshold custody: a version with a custody record is served with this custodian's share.
        const self = deps.custody.self();
        let so: ShareOutcome;
        try {
          if (!self) throw new Error("the custodian's identity is not known yet");
          so = await shareForRelease({ ...deps.custody, self, keyBox }, { requestId: job.requestId, datasetId, version }, finalized, custodyCache);
        } catch (error) {
          log[isRetryable(error) ? "warn" : "error"]({ requestId: job.requestId, kind: job.kind, err: error }, "custody re-check failed; will retry");
          settle.push({ requestId: job.requestId, kind: job.kind, status: "pending", reason: isRetryable(error) ? "rpc-unavailable" : "error", nextAttemptAt: retryAt(job.attempts) });
          outcomes.push("deferred");
          continue;
        }
        if (so.action !== "whole-key") {
          await releaseShare(job, gv, so, envelopeSigner, settle, outcomes, addRecord);
          continue;
        }
      }
      const k = `${datasetId}:${version}`;
      if (!deks.has(k)) {
        const stored = await store.datasetKey(datasetId.toString(), version);
        if (!stored) deks.set(k, null);
        else {
          const dek = keyBox.open(stored.sealed, datasetId, version);
          const binding = { chainId: BigInt(deps.domain.chainId!), ledger: String(deps.domain.verifyingContract), datasetId, version };
          if (!stored.merkleRoot || !verifyKeyCommitment(dek, { ...binding, merkleRoot: stored.merkleRoot }, gv.keyCommitment)) {
            dek.fill(0);
            log.error({ datasetId: datasetId.toString(), version }, "stored key does not match the grant's key commitment; waiting for a deposit of the right key");
            deks.set(k, new Uint8Array(0)); // marks a mismatch
          } else deks.set(k, dek);
        }
      }
      const dek = deks.get(k);
      const devicePublicKey = getBytes(gv.publicKey);
      const d = decideKey(dek === null || dek === undefined ? "missing" : dek.byteLength === 0 ? "mismatch" : "ok", isCompressedPoint(devicePublicKey));
      if (d.action === "wait-key") {
        settle.push({ requestId: job.requestId, kind: job.kind, status: "waiting-key", reason: "key-not-deposited", nextAttemptAt: deps.now() });
        outcomes.push("waiting-key");
        log.info({ requestId: job.requestId, kind: job.kind, datasetId: datasetId.toString(), version }, "release waits for the data key");
        continue;
      }
      if (d.action !== "release") {
        // A key mismatch is not the grantee's fault and not final: a deposit of the right key
        // replaces the stored one (./deposit.ts) and wakes this release at once.
        settleDecision(job, d, settle, outcomes);
        continue;
      }
      const dekBytes = dek!;
      const { envelope, envelopeHash } = await envelopeSigner.sign({
        requestId: job.requestId,
        datasetId: datasetId.toString(),
        version,
        kind: job.kind,
        expiresAt: gv.expiresAt,
        keyId: gv.keyId,
        wrappedKey: hexlify(wrap(devicePublicKey, dekBytes)),
      });
      addRecord(job, envelope, envelopeHash);
    }
    const signed = performance.now();
    timing.cryptoMs += signed - started;

    const saved = await store.saveEnvelopes(records);
    records.forEach((r, i) => {
      if (!saved[i]) {
        outcomes.push("duplicate");
        return;
      }
      outcomes.push("released");
      log.info({ requestId: r.requestId, kind: r.kind, datasetId: r.envelope.datasetId, version: r.envelope.version, envelopeHash: r.envelopeHash }, "key released");
      deps.onReleased?.(r, r.grantBlock ?? 0);
    });
    await store.settleReleases(settle);
    for (const o of settle) if (o.status === "refused") deps.onRefused?.(o);
    timing.saveMs += performance.now() - signed;
    return outcomes;
  }

  /** Does what the share step (./share-release.ts) said for one grant: sign a share envelope, wait, defer or refuse. */
  async function releaseShare(
    job: ReleaseJob,
    gv: GrantCheck,
    so: Exclude<ShareOutcome, { action: "whole-key" }>,
    envelopeSigner: EnvelopeSigner,
    settle: ReleaseOutcome[],
    outcomes: Outcome[],
    addRecord: (job: ReleaseJob, envelope: EnvelopeRecord["envelope"], envelopeHash: string) => void,
  ): Promise<void> {
    const at = { requestId: job.requestId, kind: job.kind };
    const where = { ...at, datasetId: gv.datasetId.toString(), version: gv.version };
    switch (so.action) {
      case "wait-share":
        settle.push({ ...at, status: "waiting-key", reason: "share-not-deposited", nextAttemptAt: deps.now() });
        outcomes.push("waiting-key");
        log.info({ ...where, setId: so.setId }, "release waits for this custodian's key share");
        return;
      case "defer":
        settle.push({ ...at, status: "pending", reason: so.reason, nextAttemptAt: so.retry === "soon" ? deps.now() + 1 : retryAt(job.attempts) });
        outcomes.push("deferred");
        (so.reason === "share-index-mismatch" ? log.error : log.info).call(log, { ...where, reason: so.reason }, "share release held");
        return;
      case "refuse":
        settle.push({ ...at, status: "refused", reason: so.reason });
        outcomes.push("refused");
        log.info({ ...where, reason: so.reason }, "share release refused by the custody contract");
        return;
      case "release": {
        try {
          const devicePublicKey = getBytes(gv.publicKey);
          if (!isCompressedPoint(devicePublicKey)) {
            settle.push({ ...at, status: "refused", reason: reasonText({ code: "invalid-device-key" }) });
            outcomes.push("refused");
            return;
          }
          const { envelope, envelopeHash } = await envelopeSigner.sign({
            requestId: job.requestId,
            datasetId: gv.datasetId.toString(),
            version: gv.version,
            kind: job.kind,
            expiresAt: gv.expiresAt,
            keyId: gv.keyId,
            wrappedKey: hexlify(wrap(devicePublicKey, so.share)),
            share: so.meta,
          });
          addRecord(job, envelope, envelopeHash);
        } finally {
          so.share.fill(0);
        }
        return;
      }
    }
  }

  // Receipts (./receipts.ts) are reconciled under one lock: never by two callers at once.
  const receiptLock = new Mutex();
  const receiptBell = new Bell();
  const reconcile = () =>
    receiptLock.run(async () => {
      try {
        await deps.receipts.reconcile();
      } catch (err) {
        log.warn({ err }, "release receipts not recorded yet; will retry");
      }
    });

  let inFlight: Promise<Outcome[]> | undefined;

  /** Release rounds never overlap. */
  async function releaseRound(): Promise<Outcome[]> {
    while (inFlight) await inFlight.catch(() => undefined);
    const mine = doRound();
    inFlight = mine;
    try {
      return await mine;
    } finally {
      if (inFlight === mine) inFlight = undefined;
    }
  }

  async function round(): Promise<Outcome[]> {
    await reconcile();
    const outcomes = await releaseRound();
    // Receipts for what was just persisted (single mode sends; batch mode seals full batches).
    if (outcomes.includes("released")) await reconcile();
    return outcomes;
  }

  async function run(signal: AbortSignal): Promise<void> {
    const receiptsLoop = (async () => {
      while (!signal.aborted) {
        await reconcile();
        await receiptBell.wait(Math.max(deps.pollMs, RECEIPTS_IDLE_MS), signal);
      }
    })();
    while (!signal.aborted) {
      let outcomes: Outcome[] = [];
      try {
        outcomes = await releaseRound();
      } catch (err) {
        log.error({ err }, "release round failed");
      }
      if (outcomes.includes("released")) receiptBell.ring();
      // Keep going at once while there was progress; otherwise wait for news.
      if (!outcomes.some((o) => o === "released" || o === "refused" || o === "superseded")) await deps.bell.wait(deps.pollMs, signal);
    }
    await receiptsLoop;
  }

  return { round, run };
}
