/**
 * The release aggregate: what the custodian knows about each request (from facts), the release
 * rows the worker drives (service/release/), and the deposited data keys (service/keys/).
 */
import type { EnvelopeRecord, ReleaseJob, ReleaseOutcome, ReleaseRow, RequestFilter, RequestState, RequestView, StoredKey } from "./store.js";

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
