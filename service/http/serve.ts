/**
 * Serving from stored state: envelopes (the hot path) and grant status. Both authenticate the
 * caller and answer from the store alone — no chain call for the requester — so they stay fast
 * and keep working through RPC outages, while the follower keeps that state current
 * (revocations, suspensions, expiry).
 *
 * Credentials (the HTTP layer turns headers into one of these):
 *  - `signature`: an EIP-712 request in the custodian domain (so bound to this chain id and
 *    ledger) — `EnvelopeRequest { requestId, issuedAt }` for envelopes, `GrantStatusRequest`
 *    for status — with issuedAt within ±maxSkew of the custodian's clock, single use (its digest
 *    is remembered until it would have expired anyway);
 *  - `session`: the address of a live Sign-In with Ethereum session (service/http/siwe.ts).
 *
 * Both refuse first with 503 chain-view-stale while the custodian's chain view is older than the
 * configured bound (`freshness`; SEALSHARE_SERVE_MAX_STALE_SECONDS / _MAX_BEHIND_BLOCKS).
 * Order of checks and answers (envelopes): time window / signature (401 bad-signature) → the
 * request was seen (404 unknown-request) → the caller is its requester (403 not-requester) →
 * not a replay (401 bad-signature) → {@link decide}: 410 grant-revoked | 410 grant-expired |
 * 503 ledger-paused | pending | ready.
 * Grant status: the same, except that the request's subject and the dataset's current provider
 * may ask too (403 not-party otherwise). Who they are is read from the ledger once per dataset
 * and cached (subject: for good; provider: `partiesTtlSeconds`, as stewardship can move), and
 * only when the caller is not the requester.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { getAddress, type TypedDataDomain, type TypedDataField } from "ethers";
import { ENVELOPE_REQUEST_TYPES, GRANT_STATUS_REQUEST_TYPES } from "../../sdk/eip712.js";
import type { Envelope } from "../../sdk/envelope.js";
import type { GrantStatus, GrantStatusName, KindName, PendingReason } from "../../sdk/api/schemas.js";
import { GRANT_KINDS, termOf } from "../../sdk/vocabulary.js";
import type { Sealshare } from "../../sdk/contracts.js";
import { ProblemError } from "../internal/errors.js";
import { recoverSigner } from "../keys/secp256k1.js";
import type { AuthStore, ReceiptState, ReleaseRow, ReleaseStore, RequestState, RequestView } from "../store/store.js";
import { revertName, upstreamProblem } from "./chain-errors.js";
import { createRequestDigest } from "../release/signing.js";

export type Credential =
  | { kind: "signature"; issuedAt: number; signature: string }
  | { kind: "session"; address: string };

export interface FetchRequest {
  requestId: bigint;
  credential: Credential;
  /**
   * Called with the caller's account as soon as it is authenticated, before any store read
   * (the HTTP layer's per-account rate limit); may throw to refuse.
   */
  gate?: (account: string) => Promise<void>;
}

export type { GrantStatus, GrantStatusName, KindName, PendingReason };

export type FetchAnswer =
  | { status: "ready"; envelope: Envelope }
  | { status: "pending"; requestId: string; reason: PendingReason; retryAfter: number };

export interface DatasetParties {
  subject: string;
  provider: string;
}

export interface ReaderDeps {
  store: Pick<ReleaseStore, "requestView"> & Pick<AuthStore, "consumeSignature">;
  domain: TypedDataDomain;
  /** Wall-clock unix seconds. */
  now: () => number;
  maxSkewSeconds: number;
  retryAfterSeconds?: number;
  /** Subject and current provider of a dataset (grant status for non-requesters). */
  parties?: (datasetId: string) => Promise<DatasetParties>;
  /**
   * Throws (503 chain-view-stale) while the custodian's view of the chain is too old to judge
   * revocations (service/http/health.ts `staleness`); asked before any answer.
   */
  freshness?: () => Promise<void>;
  /**
   * Threshold custody: whether this custodian carried out a final shred order of (dataset,
   * version, set) (service/custody/shred.ts). A share envelope of a shredded set is no longer
   * served, even one released before the order. Undefined without a custody contract.
   */
  shredded?: (datasetId: string, version: number, setId: number) => Promise<boolean>;
}

export type EnvelopeReader = (req: FetchRequest) => Promise<FetchAnswer>;
export type GrantStatusReader = (req: FetchRequest) => Promise<GrantStatus>;

const EXPIRY_REASONS = new Set(["Expired", "ConsentExpired"]);
const kindName = (k: number): KindName => (termOf(GRANT_KINDS, k)?.name ?? "none") as KindName;

/**
 * The release row of the request's current grant: same kind, and made from the same
 * AccessGranted log (block hash + log index). A row of another grant — one a reorg orphaned
 * that the follower has not rolled back yet — is never the answer.
 */
export function currentRelease(req: RequestState, releases: ReleaseRow[]): ReleaseRow | undefined {
  return releases.find(
    (r) =>
      r.kind === req.kind &&
      (r.grantHash === null || req.grantHash === null || (r.grantHash.toLowerCase() === req.grantHash.toLowerCase() && r.grantLogIndex === req.grantLogIndex)),
  );
}

/**
 * The answer for an authenticated requester, from stored state. `now` is max(wall clock, chain
 * time), so expiry is never judged later than the chain would judge it.
 */
export function decide(req: RequestState, releases: ReleaseRow[], paused: boolean, now: number, retryAfter = 2): FetchAnswer {
  const pending = (reason: PendingReason): FetchAnswer => ({ status: "pending", requestId: req.requestId, reason, retryAfter });
  if (req.voidReason) {
    throw new ProblemError("grant-revoked", `the grant is no longer valid (${req.voidReason})`, { reason: req.voidReason });
  }
  if (req.kind === 0 || req.expiresAt === null) return pending("not-granted");
  if (req.expiresAt <= now) {
    throw new ProblemError("grant-expired", `the grant expired at ${new Date(req.expiresAt * 1000).toISOString()}`, {
      reason: "Expired",
      expiresAt: req.expiresAt,
    });
  }
  if (paused) throw new ProblemError("ledger-paused", "the ledger is paused by its admin; nothing is delivered meanwhile");
  const row = currentRelease(req, releases);
  switch (row?.status) {
    case "released":
      if (!row.envelope || row.envelope.expiresAt <= now) return pending("releasing");
      return { status: "ready", envelope: row.envelope };
    case "refused": {
      const reason = row.reason ?? "unknown";
      if (EXPIRY_REASONS.has(reason)) throw new ProblemError("grant-expired", `the grant is no longer valid (${reason})`, { reason });
      throw new ProblemError("grant-revoked", `the grant is no longer valid (${reason})`, { reason });
    }
    case "waiting-key":
      return pending("waiting-for-key");
    case "superseded":
      return pending("upgrading");
    default:
      return pending("releasing");
  }
}

/** The status of a request for any party, from stored state (same rules as {@link decide}). */
export function describe(req: RequestState, releases: ReleaseRow[], paused: boolean, now: number, caller: GrantStatus["caller"]): GrantStatus {
  const released = releases
    .filter((r) => r.status === "released" && r.envelopeHash && (r.kind !== req.kind || currentRelease(req, [r])))
    .map((r) => ({ kind: kindName(r.kind), envelopeHash: r.envelopeHash!, receipt: r.receiptState, receiptTx: r.receiptTx }));
  const base = {
    requestId: req.requestId,
    datasetId: req.datasetId,
    requester: req.requester,
    kind: kindName(req.kind),
    version: req.version,
    expiresAt: req.expiresAt,
    released,
    paused,
    caller,
  };
  const status = (s: GrantStatusName, reason: string | null): GrantStatus => ({ ...base, status: s, reason });
  if (req.voidReason) return status(EXPIRY_REASONS.has(req.voidReason) ? "expired" : "revoked", req.voidReason);
  if (req.kind === 0 || req.expiresAt === null) return status("requested", null);
  if (req.expiresAt <= now) return status("expired", "Expired");
  const row = currentRelease(req, releases);
  switch (row?.status) {
    case "released":
      return status("released", null);
    case "refused": {
      const reason = row.reason ?? "unknown";
      return status(EXPIRY_REASONS.has(reason) ? "expired" : "revoked", reason);
    }
    case "waiting-key":
      return status("granted", "waiting-for-key");
    case "superseded":
      return status("granted", "upgrading");
    default:
      return status("granted", "releasing");
  }
}

/**
 * Shared by both readers: authenticates, finds the request, checks the caller, consumes.
 *
 * The signed-request check is the fetch hot path's main cost, so it is done directly: the
 * EIP-712 digest from a precomputed domain separator and type hash (./signing.ts
 * `createRequestDigest`), the signer recovered with libsecp256k1 (../keys/secp256k1.ts) —
 * the same answers as ethers `verifyTypedData`, about ten times faster. Accounts are compared
 * lower-case (no checksum hashing per request). The request's state, releases, pause flag and
 * chain time are read together (`store.requestView`), then the digest is consumed: one write.
 */
function createAuthenticator(deps: ReaderDeps, types: Record<string, TypedDataField[]>, typeName: string, perSigner: boolean) {
  const { store } = deps;
  const digestOf = createRequestDigest(deps.domain, types);
  return async function authenticate(
    req: FetchRequest,
    allowed: (caller: string, state: RequestState) => Promise<GrantStatus["caller"] | undefined>,
    refuse: () => ProblemError,
  ): Promise<{ view: RequestView & { state: RequestState }; caller: GrantStatus["caller"]; wallNow: number }> {
    // Fail closed: stored state is only as current as the last head read (a revocation the
    // custodian cannot see must not be served as a live grant).
    await deps.freshness?.();
    const wallNow = deps.now();
    const c = req.credential;
    let account: string; // lower-case 0x address
    let digest: string | undefined;
    if (c.kind === "session") {
      account = c.address.toLowerCase(); // from our own session store (checksummed at sign-in)
    } else {
      if (!Number.isSafeInteger(c.issuedAt) || Math.abs(wallNow - c.issuedAt) > deps.maxSkewSeconds) {
        throw new ProblemError("bad-signature", `issuedAt must be within ${deps.maxSkewSeconds} s of the custodian's clock`, {
          reason: "outside-window",
        });
      }
      let d: Uint8Array;
      let signer: string | null;
      try {
        d = digestOf({ requestId: req.requestId, issuedAt: c.issuedAt });
        signer = recoverSigner(d, Buffer.from(c.signature.startsWith("0x") ? c.signature.slice(2) : c.signature, "hex"));
      } catch {
        signer = null;
        d = new Uint8Array(0);
      }
      if (!signer) throw new ProblemError("bad-signature", `the ${typeName} signature is malformed`, { reason: "malformed" });
      account = signer;
      // Several parties may sign the same (requestId, issuedAt): one's use must not burn the other's.
      const kept = perSigner ? keccak_256(Buffer.concat([d, Buffer.from(account.slice(2), "hex")])) : d;
      digest = `0x${Buffer.from(kept).toString("hex")}`;
    }
    await req.gate?.(account);
    const requestId = req.requestId.toString();
    const view = await store.requestView(requestId);
    const state = view.state;
    if (!state) throw new ProblemError("unknown-request", `no access request ${requestId} has been seen on the ledger`);
    const caller = await allowed(account, state);
    if (!caller) throw refuse();
    // Consumed only once the signer is known to be entitled, so nobody else can burn a caller's
    // (requestId, issuedAt) ahead of time. The digest, not the signature bytes, is kept: a
    // malleated copy of a used signature has the same digest.
    if (digest && c.kind === "signature" && !(await store.consumeSignature(digest, c.issuedAt + deps.maxSkewSeconds, wallNow))) {
      throw new ProblemError("bad-signature", "this signed request was already used; sign a new one", { reason: "replayed" });
    }
    return { view: { ...view, state }, caller, wallNow };
  };
}

export function createEnvelopeReader(deps: ReaderDeps): EnvelopeReader {
  const authenticate = createAuthenticator(deps, ENVELOPE_REQUEST_TYPES, "EnvelopeRequest", false);
  return async function read(req) {
    const { view, wallNow } = await authenticate(
      req,
      async (caller, s) => (s.requester.toLowerCase() === caller ? "requester" : undefined),
      () => new ProblemError("not-requester", `request ${req.requestId} belongs to another account`),
    );
    const now = Math.max(wallNow, view.chainTime);
    const answer = decide(view.state, view.releases, view.paused, now, deps.retryAfterSeconds);
    const envelope = answer.status === "ready" ? answer.envelope : undefined;
    if (envelope?.share && deps.shredded && (await deps.shredded(envelope.datasetId, envelope.version, envelope.share.setId))) {
      throw new ProblemError("grant-revoked", "the grant is no longer valid (custody:Shredded): this custodian destroyed its share", { reason: "custody:Shredded" });
    }
    return answer;
  };
}

export function createGrantStatusReader(deps: ReaderDeps): GrantStatusReader {
  const authenticate = createAuthenticator(deps, GRANT_STATUS_REQUEST_TYPES, "GrantStatusRequest", true);
  return async function status(req) {
    const { view, caller, wallNow } = await authenticate(
      req,
      async (account, s) => {
        if (s.requester.toLowerCase() === account) return "requester";
        if (!deps.parties) return undefined;
        const p = await deps.parties(s.datasetId);
        if (p.subject.toLowerCase() === account) return "subject";
        if (p.provider.toLowerCase() === account) return "provider";
        return undefined;
      },
      () => new ProblemError("not-party", `only request ${req.requestId}'s requester, subject or provider may read its status`),
    );
    const now = Math.max(wallNow, view.chainTime);
    const answer = describe(view.state, view.releases, view.paused, now, caller);
    // Threshold custody: a released share of a shredded set is no longer served (as the envelope reader says).
    const envelope = answer.status === "released" ? currentRelease(view.state, view.releases)?.envelope : undefined;
    if (envelope?.share && deps.shredded && (await deps.shredded(envelope.datasetId, envelope.version, envelope.share.setId))) {
      return { ...answer, status: "revoked", reason: "custody:Shredded" };
    }
    return answer;
  };
}

/**
 * Subject and current provider of a dataset, from the ledger, cached: the subject never changes;
 * the provider may (transfer), so it is re-read after `ttlSeconds`.
 */
export function createPartiesLookup(ledger: Pick<Sealshare, "dataset">, now: () => number, ttlSeconds = 60, max = 10_000) {
  const cache = new Map<string, { parties: DatasetParties; at: number }>();
  return async function parties(datasetId: string): Promise<DatasetParties> {
    const hit = cache.get(datasetId);
    if (hit && now() - hit.at < ttlSeconds) return hit.parties;
    let d: { provider: string; subject: string };
    try {
      d = await ledger.dataset(BigInt(datasetId));
    } catch (err) {
      if (revertName(err) === "DatasetsUnknown") throw new ProblemError("unknown-dataset", `dataset ${datasetId} is not on the ledger`);
      upstreamProblem(err);
    }
    const p = { subject: getAddress(d.subject), provider: getAddress(d.provider) };
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.set(datasetId, { parties: p, at: now() });
    return p;
  };
}
