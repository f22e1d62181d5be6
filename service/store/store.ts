/**
 * The custodian's storage, as one interface with two implementations that run the same test
 * suite (test/service/store.test.ts): SQLite (embedded, the default; ./sqlite.ts) and PostgreSQL
 * (several replicas on one database; ./postgres.ts). Both are thin drivers under one SQL core
 * (./sql-store.ts), so the two cannot drift apart in behaviour.
 *
 * What is stored, and why it can be rolled back:
 *  - **Facts** (requests, grants, voids, dataset versions, pauses, release and batch logs): one
 *    row per ledger event, each carrying the block number and hash it came from and its log
 *    index. Everything the serve path knows is computed from facts at read time, so a reorg is
 *    undone by deleting the facts of the orphaned blocks (`block_number > fork point`) — no
 *    replay, no undo journal. Facts are keyed by their natural id or (block, log index) and
 *    inserted with ON CONFLICT DO NOTHING: replaying any range changes nothing.
 *  - **Sync state**: the tip (last block applied, its hash), the finalized block (tip − the
 *    confirmation depth), the checkpoint of the last applied log, and the unfinalized block
 *    headers linked by parent hash. {@link Store.ingest} writes the facts, the headers and the
 *    new sync state in ONE transaction.
 *  - **Releases**: one row per (request, kind), created only when the grant's block becomes
 *    final (in the same transaction that moves the finalized block), bound to that grant's log
 *    (block hash + log index), then driven by the release worker: pending → released |
 *    waiting-key | refused | superseded. An envelope is saved only onto the row of the grant it
 *    was made for. A reorg that orphans a grant moves its row (released or not) out of
 *    `releases` into an archive (`orphaned_releases`): it is never served or receipted, and a
 *    grant of the same request id on the new branch gets a fresh row.
 *  - **Receipts**: single (`recordRelease`, one tx per release) or batched (a Merkle root per
 *    batch, `sealReceiptBatch`); receipts are confirmed when the chain's event for them is final.
 *  - **Chain transactions** sent by the custodian (nonce, every hash it was broadcast under,
 *    the signed bytes), persisted BEFORE broadcast (see service/release/tx.ts).
 *  - Deposited data keys (sealed under the master key) and used request signatures.
 *
 * Ids that are uint256/uint64 on chain travel as decimal strings; addresses are checksummed;
 * hashes are lower-case 0x hex; times are unix seconds unless named `…Ms`.
 */
import type { Envelope } from "../../sdk/envelope.js";

/** The last block whose events are fully applied. `blockHash` null = before the first block. */
export interface Cursor {
  blockNumber: number;
  blockHash: string | null;
}

/** A block header as the sync state machine keeps it. */
export interface BlockHeader {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

export interface SyncState {
  tip: Cursor;
  /** Highest block final at the configured confirmation depth; releases come only from ≤ this. */
  finalized: number;
  /** Ordering key of the last applied log: `block:txIndex:logIndex`, each zero-padded. */
  checkpoint: string;
  chainTime: number;
}

/** The ledger events the custodian derives state from (decoded by service/sync/events.ts). */
export type LedgerEvent =
  | { name: "AccessRequested"; requestId: string; datasetId: string; requester: string; consentId: string; version: number; kind: number; keyId: number }
  | { name: "AccessGranted"; requestId: string; datasetId: string; requester: string; kind: number; expiresAt: number; version: number; keyId: number }
  | { name: "GrantRevoked"; requestId: string }
  | { name: "ConsentRevoked"; consentId: string }
  | { name: "MemberSuspended"; member: string }
  | { name: "DatasetVersionPublished"; datasetId: string; version: number; ciphertextSha256: string; keyCommitment: string }
  | { name: "DatasetRetired"; datasetId: string }
  | { name: "EncryptionKeyPublished"; owner: string; keyId: number; previousKeyId: number }
  | { name: "EncryptionKeyRevoked"; owner: string; keyId: number }
  | { name: "KeyReleased"; requestId: string; kind: number; envelopeHash: string }
  | { name: "ReceiptBatchSealed"; batchId: string; root: string; count: number }
  | { name: "Paused" }
  | { name: "Unpaused" };

export type LedgerEventName = LedgerEvent["name"];

/** An event with where it was logged. Ordered by (blockNumber, logIndex). */
export interface LoggedEvent {
  blockNumber: number;
  blockHash: string;
  logIndex: number;
  txHash: string;
  txIndex?: number;
  event: LedgerEvent;
}

export interface IngestBatch {
  events: LoggedEvent[];
  /** The tip after this batch: the last block of the range applied. */
  cursor: Cursor;
  /** Headers of blocks in the range to keep for reorg detection (default none). */
  headers?: BlockHeader[];
  /** The finalized block after this batch (default: the new tip, i.e. confirmation depth 0). */
  finalized?: number;
  /** The chain head's timestamp, the service's view of chain time. */
  chainTime: number;
  /** Keep headers this many blocks below the finalized block (default 64). */
  keepHeaders?: number;
}

export interface IngestResult {
  applied: number; // events new to the store
  duplicates: number; // events already stored (replay), ignored
  grants: number; // AccessGranted among the applied
  /** Grants that became final in this batch: release rows created (the worker has work). */
  finalizedGrants: number;
  /** Receipts (single or batch members) confirmed final in this batch. */
  confirmedReceipts: number;
}

export interface RewindResult {
  removed: number; // facts deleted
  /**
   * Releases with an envelope whose grant was orphaned (a reorg deeper than the confirmation
   * depth): archived, no longer served nor receipted.
   */
  releasedOrphans: { requestId: string; kind: number }[];
}

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

/** A release waiting for its batch. */
export interface UnbatchedRelease {
  requestId: string;
  kind: number;
  envelopeHash: string;
  releasedAt: number;
  leaf: string;
  /** When the envelope was persisted (wall clock, unix seconds): how long it has waited. */
  persistedAt: number;
}

export type BatchState = "formed" | "sent" | "sealed";

export interface ReceiptBatch {
  batchId: string; // 0x + 16 bytes (UUID v4)
  root: string;
  count: number;
  state: BatchState;
  sealTx: string | null;
  sealBlock: number | null;
  createdAt: number;
}

/** What GET /v1/receipts/:requestId answers for one (request, kind). */
export interface ReceiptProof {
  requestId: string;
  kind: number;
  mode: ReceiptMode;
  status: "pending" | "submitted" | "confirmed"; // confirmed = its chain event is final
  envelopeHash: string;
  releasedAt: number;
  /** batch mode */
  batchId: string | null;
  root: string | null;
  leaf: string | null;
  proof: string[] | null;
  /** The transaction that sealed the batch, or that recorded the single receipt. */
  sealTx: string | null;
  sealBlock: number | null;
}

/** A transaction the custodian sends (service/release/tx.ts), persisted before broadcast. */
export interface ChainTx {
  key: string; // what it does, unique: "seal:<batchId>" | "release:<requestId>:<kind>"
  nonce: number;
  hashes: string[]; // every hash it was broadcast under (replacements append)
  raw: string; // the last signed bytes
  to: string;
  data: string;
  gasLimit: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  state: "sent" | "mined" | "done" | "failed";
  minedTx: string | null;
  minedBlock: number | null;
  sentAtMs: number;
  sentBlock: number;
  bumps: number;
  resends: number;
}

/** A deposited data key, sealed under the master key (service/internal/at-rest.ts). */
export interface StoredKey {
  datasetId: string;
  version: number;
  sealed: Uint8Array;
  ciphertextSha256: string;
  keyCommitment: string;
  /** The version's Merkle root the v2 commitment binds (null on keys stored before it was kept). */
  merkleRoot: string | null;
  depositedBy: string;
  depositedAt: number;
}

/** One column of a request to select by (the columns voiding events name). */
export type RequestFilter = { consentId: string } | { requester: string } | { datasetId: string } | { keyId: number };

/** A Sign-In with Ethereum session of the HTTP API; only the token's SHA-256 is stored. */
export interface SessionRow {
  tokenHash: string; // 0x hex SHA-256 of the bearer token
  address: string; // checksummed; the account that signed in
  expiresAt: number; // unix seconds
  createdAt: number;
}

/** What ties a database to one deployment; a store refuses to open for another. */
export interface StoreBinding {
  chainId: string;
  ledger: string;
  /** Where following starts on an empty store (the deployment block). */
  startBlock: number;
}

/** Leadership among replicas sharing a database (PostgreSQL advisory lock; SQLite: always). */
export interface Leadership {
  /** Tries to become (or stay) the leader; true while this process holds the lock. */
  acquire(): Promise<boolean>;
  readonly isLeader: boolean;
  /** Gives the lock up (leader stepping down, or shutdown). */
  release(): Promise<void>;
}

export interface Store {
  readonly dialect: "sqlite" | "postgres";

  // ── sync ──────────────────────────────────────────────────────────────────────────────
  /** The tip: the last block whose events are applied. */
  cursor(): Promise<Cursor>;
  syncState(): Promise<SyncState>;
  /** The latest chain-head timestamp seen (0 before the first poll). */
  chainTime(): Promise<number>;
  /** Records a newer chain-head time (never moves it back). */
  setChainTime(chainTime: number): Promise<void>;
  /** Stored block headers (the unfinalized window and a few final ones), ascending. */
  blocks(): Promise<BlockHeader[]>;
  /** Applies a block range atomically: facts, headers, tip, finalized block, checkpoint. */
  ingest(batch: IngestBatch): Promise<IngestResult>;
  /**
   * Moves the finalized block to `finalized` (≤ tip) and creates the releases of grants that
   * became final; same effect as an ingest with no events.
   */
  finalize(finalized: number, chainTime: number): Promise<IngestResult>;
  /**
   * Undoes everything derived from blocks after `keep` (orphaned by a reorg): facts, headers,
   * releases not yet released, receipt confirmations; moves the tip to `keep`.
   */
  rewind(keep: Cursor): Promise<RewindResult>;
  /** Distinct (block, hash) of stored facts, newest first (deep-reorg fork point search). */
  recentEventBlocks(limit: number): Promise<{ blockNumber: number; blockHash: string }[]>;

  // ── requests and grants (the fetch hot path reads only these) ─────────────────────────
  request(requestId: string): Promise<RequestState | undefined>;
  releases(requestId: string): Promise<ReleaseRow[]>;
  paused(): Promise<boolean>;
  /**
   * What the fetch path needs about one request, read together (SQLite: in one turn of the
   * store's lock, so no write lands between the reads): its state (undefined if never seen),
   * its releases, the pause flag and chain time.
   */
  requestView(requestId: string): Promise<RequestView>;

  // ── keys ─────────────────────────────────────────────────────────────────────────────
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

  // ── releases ──────────────────────────────────────────────────────────────────────────
  /** Releases with status pending whose next attempt is due, oldest first. */
  dueReleases(now: number, limit: number): Promise<ReleaseJob[]>;
  /** Defers or closes releases without an envelope (one transaction). */
  settleReleases(outcomes: ReleaseOutcome[]): Promise<void>;
  /** Keeps a release for later (see settleReleases). */
  deferRelease(requestId: string, kind: number, status: "pending" | "waiting-key", reason: string, nextAttemptAt: number): Promise<void>;
  /** Ends a release without an envelope. */
  closeRelease(requestId: string, kind: number, status: "refused" | "superseded", reason: string): Promise<void>;
  /**
   * Persists envelopes (one transaction), each unless one exists: exactly one envelope per
   * (request, kind). Returns, per record, whether it was stored.
   */
  saveEnvelopes(records: EnvelopeRecord[]): Promise<boolean[]>;

  // ── receipts ─────────────────────────────────────────────────────────────────────────
  /** Single-mode receipts not confirmed yet (unsent or sent). */
  openReceipts(limit?: number): Promise<ReleaseRow[]>;
  markReceiptSent(requestId: string, kind: number, txHash: string): Promise<void>;
  markReceiptConfirmed(requestId: string, kind: number, txHash: string, blockNumber: number): Promise<void>;
  /** The receipt tx was dropped or reverted: send again. */
  markReceiptUnsent(requestId: string, kind: number): Promise<void>;
  /** Batch-mode releases waiting for a batch, oldest first. */
  unbatchedReleases(limit: number): Promise<UnbatchedRelease[]>;
  /** Creates a batch and assigns its members and their proofs, in one transaction. */
  createBatch(batch: { batchId: string; root: string; members: { requestId: string; kind: number; proof: string[] }[] }): Promise<void>;
  /** Batches not sealed (final) yet. */
  openBatches(): Promise<ReceiptBatch[]>;
  markBatchSent(batchId: string): Promise<void>;
  receiptProofs(requestId: string): Promise<ReceiptProof[]>;

  // ── chain transactions ───────────────────────────────────────────────────────────────
  /** Stores a new transaction; if one exists for `tx.key`, returns it and stores nothing. */
  putTx(tx: ChainTx): Promise<ChainTx>;
  tx(key: string): Promise<ChainTx | undefined>;
  /** Transactions in state sent or mined, by nonce. */
  openTxs(): Promise<ChainTx[]>;
  updateTx(key: string, patch: Partial<Omit<ChainTx, "key">>): Promise<void>;

  // ── request authentication ───────────────────────────────────────────────────────────
  /**
   * Records a signed-request digest as used until `expiresAt`. False if it was already used
   * and has not expired (a replay); an expired record is replaced. Expired records are pruned
   * now and then (at most once a minute), not on every call. SQLite writes the records in
   * batches (within 50 ms; a process crash may forget the last ones, see sql-store.ts);
   * PostgreSQL at once.
   */
  consumeSignature(digest: string, expiresAt: number, now: number): Promise<boolean>;

  // ── HTTP layer (server-sent events, Sign-In with Ethereum sessions) ──────────────────
  /** Requests matching one column, at most `limit` (which requests a voiding event reached). */
  requestsWhere(where: RequestFilter, limit: number): Promise<RequestState[]>;
  /** Stores a session by the SHA-256 of its token; prunes expired ones. */
  createSession(session: SessionRow, now: number): Promise<void>;
  /** The live session with this token hash (expired ones are not returned). */
  session(tokenHash: string, now: number): Promise<SessionRow | undefined>;
  /** Ends a session (logout). False if there was none. */
  deleteSession(tokenHash: string): Promise<boolean>;

  // ── replicas ─────────────────────────────────────────────────────────────────────────
  leadership(): Leadership;

  close(): Promise<void>;
}
