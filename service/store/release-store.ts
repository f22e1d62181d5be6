/**
 * The release aggregate: what the custodian knows about each request (from facts), the release
 * rows the worker drives (service/release/), and the deposited data keys (service/keys/).
 */
import type { Envelope } from "../../sdk/envelope.js";

/** Why a grant stopped, from events: GrantInvalidReason names (sdk/vocabulary.ts). */
export type VoidReason = "Revoked" | "ConsentRevoked" | "RequesterSuspended" | "DatasetRetired" | "DeviceKeyChanged";

/** What the custodian knows about an access request, from events alone (final or not). */
export interface RequestState {
  requestId: string;
  datasetId: string;
  requester: string;
  consentId: string | null; // null if the request's AccessRequested was not seen
  keyId: number; // the requester's encryption key the request named
  kind: number; // GrantKind of the latest grant; 0 = not granted yet
  version: number | null; // the granted dataset version
  expiresAt: number | null; // of the latest grant
  voidReason: VoidReason | null; // the first event that voided the grant
  /** Block of the latest grant (null if none); final when ≤ the finalized block. */
  grantBlock: number | null;
  /** Hash of that block and the grant's log index: which AccessGranted log it is (null if none). */
  grantHash: string | null;
  grantLogIndex: number | null;
}

/** {@link Store.requestView}: a request's state with what its answer depends on. */
export interface RequestView {
  state: RequestState | undefined;
  releases: ReleaseRow[];
  paused: boolean;
  chainTime: number;
}

/**
 * A release's lifecycle, one row per (requestId, kind):
 *   pending → released                   (envelope stored; receipt to record)
 *   pending → waiting-key → pending      (no key deposited yet; a deposit wakes it)
 *   pending → refused                    (the chain said the grant is not valid; reason kept)
 *   pending → superseded                 (the grant was upgraded before this kind was released)
 */
export type ReleaseStatus = "pending" | "waiting-key" | "released" | "refused" | "superseded";

/**
 * The on-chain receipt of a release:
 *   single: none → unsent → sent (tx known) → confirmed (KeyReleased final)
 *   batch:  none → unsent → batched (in a formed batch, proof stored) → confirmed (batch sealed, final)
 */
export type ReceiptState = "none" | "unsent" | "sent" | "batched" | "confirmed";

export type ReceiptMode = "single" | "batch";

export interface ReleaseRow {
  requestId: string;
  kind: number;
  status: ReleaseStatus;
  reason: string | null; // why refused / deferred (a GrantInvalidReason name or a custodian code)
  attempts: number;
  nextAttemptAt: number;
  envelope: Envelope | null;
  envelopeHash: string | null;
  releasedAt: number | null;
  receiptMode: ReceiptMode | null;
  receiptState: ReceiptState;
  receiptTx: string | null;
  receiptBlock: number | null;
  /** A receipt for this envelope can only be in a block after this one (tip at persist time). */
  searchFromBlock: number | null;
  batchId: string | null;
  grantBlock: number;
  /** The AccessGranted log the row was created from (null only on rows older than the binding). */
  grantHash: string | null;
  grantLogIndex: number | null;
}

/** A release to attempt, with what the grant said at ingestion. */
export interface ReleaseJob {
  requestId: string;
  kind: number;
  attempts: number;
  datasetId: string;
  version: number | null;
  requester: string;
  grantBlock: number;
  /** The AccessGranted log of the row (its envelope is saved only onto this grant's row). */
  grantHash: string | null;
  grantLogIndex: number | null;
  /** Set when a (possibly unfinalized) event already voided the grant: do not release now. */
  voidReason: VoidReason | null;
  /** The block of that event (final when ≤ the finalized block). */
  voidBlock: number | null;
}

/** A release's envelope, ready to persist. */
export interface EnvelopeRecord {
  requestId: string;
  kind: number;
  envelope: Envelope;
  envelopeHash: string;
  releasedAt: number;
  /** The receipt leaf (batch mode): receiptLeaf(requestId, kind, envelopeHash, releasedAt). */
  leaf: string;
  receiptMode: ReceiptMode;
  /** Not stored (the release row has them): for observers, so they need not look them up. */
  requester?: string;
  grantBlock?: number;
  /** The grant the envelope was made for: saved only if the row is still that grant's. */
  grantHash?: string | null;
  grantLogIndex?: number | null;
}

/** A release closed or deferred without an envelope. */
export interface ReleaseOutcome {
  requestId: string;
  kind: number;
  status: "pending" | "waiting-key" | "refused" | "superseded";
  reason: string;
  /** For pending / waiting-key: when to try again (unix seconds). */
  nextAttemptAt?: number;
}

/** A deposited data key, sealed under the master key (service/keys/at-rest.ts). */
export interface StoredKey {
  datasetId: string;
  version: number;
  sealed: Uint8Array;
  keyCommitment: string;
  /** The version's Merkle root the v2 commitment binds (null on keys stored before it was kept). */
  merkleRoot: string | null;
  depositedBy: string;
  depositedAt: number;
}

/** One column of a request to select by (the columns voiding events name). */
export type RequestFilter = { consentId: string } | { requester: string } | { datasetId: string } | { keyId: number };

export interface ReleaseStore {
  request(requestId: string): Promise<RequestState | undefined>;
  releases(requestId: string): Promise<ReleaseRow[]>;
  paused(): Promise<boolean>;
  /**
   * What the fetch path needs about one request, read together (SQLite: in one turn of the
   * store's lock, so no write lands between the reads): its state (undefined if never seen),
   * its releases, the pause flag and chain time.
   */
  requestView(requestId: string): Promise<RequestView>;

  /** Requests matching one column, at most `limit` (which requests a voiding event reached). */
  requestsWhere(where: RequestFilter, limit: number): Promise<RequestState[]>;

  datasetKey(datasetId: string, version: number): Promise<StoredKey | undefined>;
  /**
   * Stores a key unless one exists for (dataset, version), and wakes the releases waiting for
   * it. `created` is false when a key was already there (the caller compares them).
   */
  putDatasetKey(key: StoredKey): Promise<{ created: boolean; woken: number }>;
  /**
   * Replaces the stored key of (dataset, version) — only when its sealed bytes are still
   * `previousSealed` (false otherwise: another deposit changed it) — and wakes the releases that
   * waited for a key or were held or refused for a key-commitment mismatch.
   */
  replaceDatasetKey(key: StoredKey, previousSealed: Uint8Array): Promise<{ replaced: boolean; woken: number }>;
  /** Re-seals every stored key with `rewrap` in ONE transaction (master key rotation). */
  rewrapDatasetKeys(rewrap: (key: StoredKey) => Uint8Array): Promise<number>;

  /** Releases with status pending whose next attempt is due, oldest first. */
  dueReleases(now: number, limit: number): Promise<ReleaseJob[]>;
  /** Defers or closes releases without an envelope (one transaction). */
  settleReleases(outcomes: ReleaseOutcome[]): Promise<void>;
  /**
   * Persists envelopes (one transaction), each unless one exists: exactly one envelope per
   * (request, kind). Returns, per record, whether it was stored.
   */
  saveEnvelopes(records: EnvelopeRecord[]): Promise<boolean[]>;
}
