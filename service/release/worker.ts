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
 *  - re-checks the grant on chain AT THE FINALIZED BLOCK (`isGrantValid`, blockTag = finalized),
 *    all of the round's checks in flight together (bounded; ethers batches them into JSON-RPC
 *    batch requests) — so what is released is what the final chain says, never a block that
 *    may still be orphaned;
 *  - and AT THE HEAD (blockTag = latest), in the same batch: the store's finalized block can lag
 *    the chain (backfill after a restart, a gap fetched in several runs), and a revocation in a
 *    block the follower has not ingested yet is invisible to the stored-void rule above. A grant
 *    valid at the finalized block but not at the head is deferred, never refused (the voiding
 *    block may still be orphaned): once the void is final, the finalized check refuses it;
 *  - then either defers it (paused / not granted yet / RPC failure: retry with back-off; no key
 *    deposited yet: `waiting-key`, a deposit wakes it), closes it (`refused` with the
 *    GrantInvalidReason: Expired, Revoked, ConsentRevoked, ConsentExpired, RequesterSuspended,
 *    DatasetRetired, DeviceKeyChanged; `superseded` when a temporary grant was upgraded to formal
 *    before it was released — the formal one gets its own release), or releases it: checks the
 *    deposited key against the grant's keyCommitment, checks the device key is on the curve,
 *    wraps the DEK to it (ECIES in eciesjs's format, sdk/crypto/ecies-fast.ts), signs the
 *    envelope (EIP-712 digest computed directly, ./signing.ts).
 * Each distinct data key is unsealed once per round and wiped after it. All envelopes of the
 * round are persisted in ONE transaction — exactly one per (request, kind) — and only then are
 * receipts recorded (./receipts.ts: batched Merkle roots, or one transaction each).
 *
 * It runs rounds back to back while there is work, then waits on the bell (rung by the follower
 * when grants become final and by deposits) or `pollMs`, whichever comes first.
 */
import { getBytes, hexlify, type Signer, type TypedDataDomain } from "ethers";
import type { Sealshare } from "../../sdk/contracts.js";
import { assertValidPublicKey } from "../../sdk/crypto/ecies.js";
import { wrapKeyFast } from "../../sdk/crypto/ecies-fast.js";
import { keyCommitment } from "../../sdk/stream/commitment.js";
import { GrantInvalidReason } from "../../sdk/vocabulary.js";
import type { KeyBox } from "../internal/at-rest.js";
import { isRetryable } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import { backoff, type Bell } from "../internal/shutdown.js";
import type { EnvelopeRecord, ReleaseJob, ReleaseOutcome, Store } from "../store/store.js";
import { receiptLeaf } from "./merkle.js";
import type { Receipts } from "./receipts.js";
import { createEnvelopeSigner, type EnvelopeSigner } from "./signing.js";

/** Reasons that may change by themselves: try again later instead of refusing. */
const TRANSIENT_REASONS = new Set(["NotGranted", "Paused"]);

/** Wraps a data key to a device public key; must produce eciesjs's format. */
export type WrapFn = (publicKey: Uint8Array, dataKey: Uint8Array) => Uint8Array;

export interface WorkerDeps {
  ledger: Sealshare;
  store: Store;
  keyBox: KeyBox;
  signer: Signer; // the custodian's account: signs envelopes
  domain: TypedDataDomain; // custodian domain
  receipts: Receipts;
  log: Logger;
  bell: Bell;
  pollMs: number;
  now: () => number;
  /** Releases per round (default 256). */
  batchSize?: number;
  /** isGrantValid calls in flight at once (default 64). */
  concurrency?: number;
  /** ECIES wrap (default sdk/crypto/ecies-fast.ts: eciesjs's format, native curve arithmetic). */
  wrap?: WrapFn;
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

type GrantView = Awaited<ReturnType<Sealshare["isGrantValid"]>>;

/** Runs `fn` over `items` with at most `limit` in flight; results in order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let i = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) {
      const k = i++;
      try {
        out[k] = { status: "fulfilled", value: await fn(items[k]!) };
      } catch (reason) {
        out[k] = { status: "rejected", reason };
      }
    }
  });
  await Promise.all(lanes);
  return out;
}

export function createReleaseWorker(deps: WorkerDeps): ReleaseWorker {
  const { ledger, store, keyBox, log } = deps;
  const wrap: WrapFn = deps.wrap ?? wrapKeyFast;
  const batchSize = deps.batchSize ?? 256;
  const concurrency = deps.concurrency ?? 64;
  const retryAt = (attempts: number) => deps.now() + Math.ceil(backoff(attempts, 1000, 300_000) / 1000);
  let signerP: Promise<EnvelopeSigner> | undefined;

  async function doRound(): Promise<Outcome[]> {
    try {
      await deps.receipts.reconcile();
    } catch (err) {
      log.warn({ err }, "receipt reconciliation failed; will retry");
    }
    const jobs = await store.dueReleases(deps.now(), batchSize);
    if (jobs.length === 0) return [];
    const envelopeSigner = await (signerP ??= createEnvelopeSigner(deps.signer, deps.domain));
    const { finalized } = await store.syncState();
    const outcomes: Outcome[] = [];
    const settle: ReleaseOutcome[] = [];
    const defer = (job: ReleaseJob, status: "pending" | "waiting-key", reason: string, at: number, outcome: Outcome) => {
      settle.push({ requestId: job.requestId, kind: job.kind, status, reason, nextAttemptAt: at });
      outcomes.push(outcome);
    };
    const close = (job: ReleaseJob, status: "refused" | "superseded", reason: string) => {
      settle.push({ requestId: job.requestId, kind: job.kind, status, reason });
      outcomes.push(status);
    };

    // 1. Held back by a stored void not final yet (no chain call). A final void goes on to the
    //    chain check, which refuses with the chain's reason.
    const toCheck: ReleaseJob[] = [];
    for (const job of jobs) {
      if (job.voidReason && (job.voidBlock ?? 0) > finalized) defer(job, "pending", `voided:${job.voidReason}`, deps.now() + 1, "deferred");
      else toCheck.push(job);
    }

    // 2. Re-check at the finalized block and at the head, all in flight together.
    const checks = await mapBounded(toCheck, concurrency, (job) =>
      Promise.all([
        ledger.isGrantValid(BigInt(job.requestId), { blockTag: finalized }),
        ledger.isGrantValid(BigInt(job.requestId), { blockTag: "latest" }),
      ]),
    );
    const ready: { job: ReleaseJob; gv: GrantView }[] = [];
    toCheck.forEach((job, i) => {
      const c = checks[i]!;
      if (c.status === "rejected") {
        const retryable = isRetryable(c.reason);
        log[retryable ? "warn" : "error"]({ requestId: job.requestId, kind: job.kind, err: c.reason }, "grant re-check failed; will retry");
        return defer(job, "pending", retryable ? "rpc-unavailable" : "error", retryAt(job.attempts), "deferred");
      }
      const [gv, atHead] = c.value;
      if (!gv.valid) {
        const reason = GrantInvalidReason[Number(gv.reason)] ?? `reason#${gv.reason}`;
        if (TRANSIENT_REASONS.has(reason)) return defer(job, "pending", reason, retryAt(job.attempts), "deferred");
        log.info({ requestId: job.requestId, kind: job.kind, reason }, "release refused: the grant is not valid on chain");
        return close(job, "refused", reason);
      }
      if (!atHead.valid) {
        // Voided in a block after the finalized one that the follower may not have ingested yet.
        const reason = GrantInvalidReason[Number(atHead.reason)] ?? `reason#${atHead.reason}`;
        log.info({ requestId: job.requestId, kind: job.kind, reason }, "release held: the grant is voided at the head, not final yet");
        return defer(job, "pending", `voided-at-head:${reason}`, deps.now() + 1, "deferred");
      }
      const kind = Number(gv.kind);
      if (kind > job.kind) return close(job, "superseded", `upgraded to kind ${kind}`);
      if (kind < job.kind) return defer(job, "pending", "kind-behind", retryAt(job.attempts), "deferred");
      ready.push({ job, gv });
    });

    // 3. Keys: each distinct (dataset, version) unsealed once.
    const deks = new Map<string, Uint8Array | null>();
    const records: EnvelopeRecord[] = [];
    const grantBlocks = new Map<string, number>();
    try {
      for (const { job, gv } of ready) {
        const datasetId = gv.datasetId;
        const version = Number(gv.version);
        const k = `${datasetId}:${version}`;
        if (!deks.has(k)) {
          const stored = await store.datasetKey(datasetId.toString(), version);
          if (!stored) deks.set(k, null);
          else {
            const dek = keyBox.open(stored.sealed, datasetId, version);
            if (keyCommitment(dek, stored.ciphertextSha256).toLowerCase() !== gv.keyCommitment.toLowerCase()) {
              dek.fill(0);
              log.error({ datasetId: datasetId.toString(), version }, "stored key does not match the grant's key commitment");
              deks.set(k, new Uint8Array(0)); // marks a mismatch
            } else deks.set(k, dek);
          }
        }
        const dek = deks.get(k);
        if (dek === null) {
          defer(job, "waiting-key", "key-not-deposited", deps.now(), "waiting-key");
          log.info({ requestId: job.requestId, kind: job.kind, datasetId: datasetId.toString(), version }, "release waits for the data key");
          continue;
        }
        if (!dek || dek.byteLength === 0) {
          close(job, "refused", "key-commitment-mismatch");
          continue;
        }
        const devicePublicKey = getBytes(gv.publicKey);
        try {
          assertValidPublicKey(devicePublicKey);
        } catch {
          log.warn({ requestId: job.requestId, kind: job.kind }, "release refused: the request's device key is not a valid secp256k1 point");
          close(job, "refused", "invalid-device-key");
          continue;
        }
        const { envelope, envelopeHash } = await envelopeSigner.sign({
          requestId: job.requestId,
          datasetId: datasetId.toString(),
          version,
          kind: job.kind,
          expiresAt: Number(gv.expiresAt),
          keyId: Number(gv.keyId),
          wrappedKey: hexlify(wrap(devicePublicKey, dek)),
        });
        const releasedAt = deps.now();
        records.push({
          requestId: job.requestId,
          kind: job.kind,
          envelope,
          envelopeHash,
          releasedAt,
          leaf: receiptLeaf({ requestId: job.requestId, kind: job.kind, envelopeHash, releasedAt }),
          receiptMode: deps.receipts.mode,
        });
        grantBlocks.set(`${job.requestId}:${job.kind}`, job.grantBlock);
      }
    } finally {
      for (const d of deks.values()) d?.fill(0);
    }

    // 4. Persist: envelopes in one transaction, the rest in another.
    const saved = await store.saveEnvelopes(records);
    records.forEach((r, i) => {
      if (!saved[i]) {
        outcomes.push("duplicate");
        return;
      }
      outcomes.push("released");
      log.info({ requestId: r.requestId, kind: r.kind, datasetId: r.envelope.datasetId, version: r.envelope.version, envelopeHash: r.envelopeHash }, "key released");
      deps.onReleased?.(r, grantBlocks.get(`${r.requestId}:${r.kind}`) ?? 0);
    });
    await store.settleReleases(settle);
    for (const o of settle) if (o.status === "refused") deps.onRefused?.(o);

    // 5. Receipts for what was just persisted (single mode sends; batch mode seals full batches).
    if (records.length > 0) {
      try {
        await deps.receipts.reconcile();
      } catch (err) {
        log.warn({ err }, "release receipts not recorded yet; will retry");
      }
    }
    return outcomes;
  }

  let inFlight: Promise<Outcome[]> | undefined;

  /** Rounds never overlap (a receipt must not be reconciled by two rounds at once). */
  async function round(): Promise<Outcome[]> {
    while (inFlight) await inFlight.catch(() => undefined);
    const mine = doRound();
    inFlight = mine;
    try {
      return await mine;
    } finally {
      if (inFlight === mine) inFlight = undefined;
    }
  }

  async function run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let outcomes: Outcome[] = [];
      try {
        outcomes = await round();
      } catch (err) {
        log.error({ err }, "release round failed");
      }
      // Keep going at once while there was progress; otherwise wait for news.
      if (!outcomes.some((o) => o === "released" || o === "refused" || o === "superseded")) await deps.bell.wait(deps.pollMs, signal);
    }
  }

  return { round, run };
}
