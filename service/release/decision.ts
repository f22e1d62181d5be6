/**
 * The release decision, pure: what to do with one due release given what the store knows
 * (the job), what the chain says at the finalized block (`atFinal`) and at the head (`atHead`),
 * then — for a grant that may be served — what the stored key and the device key allow. No I/O,
 * no clock: the worker (./worker.ts) reads, calls these, and does what they say (wrap, sign,
 * persist, queue the receipt). Driven directly by test/service/release-decision.test.ts, one
 * row per case below.
 *
 * {@link decideRelease}(job, atFinal, atHead, finalized), in this order:
 *  1. a stored void (revocation, consent revoked, suspension, retirement, key change) in a block
 *     after the finalized one                       → defer soon   `voided`      (no chain read needed:
 *     {@link holdForStoredVoid}); a final stored void goes on to the chain check, which refuses
 *  2. either chain read failed                      → defer backoff `rpc-unavailable` (retryable) | `error`
 *  3. final says not valid (a reason index this build does not know → defer backoff `error`):
 *       NotGranted / Paused (may change by itself)  → defer backoff `transient`
 *       Expired, Revoked, ConsentRevoked, ConsentExpired, RequesterSuspended, DeviceKeyChanged,
 *       DatasetRetired                              → refuse        `chain` (the chain's reason)
 *  4. final valid, head not valid (voided in a block the follower may not have, and that may
 *     still be orphaned)                            → defer soon    `voided-at-head` (never refuse)
 *  5. the final grant names another requester than the row's grant (the row is bound to another
 *     AccessGranted log, a reorg handed the request id on)  → defer backoff `grant-rebound`: never
 *     served (the store archives the row when it rewinds; saveEnvelopes would refuse it anyway)
 *  6. final kind above the row's (temporary upgraded to formal)  → supersede
 *  7. final kind below the row's                    → defer backoff `kind-behind`
 *  8. otherwise                                     → serve (go on to {@link decideKey})
 *
 * {@link decideKey}(key, deviceKeyValid):
 *  - no key deposited for (dataset, version)        → wait-key      `key-not-deposited` (a deposit wakes it)
 *  - stored key fails the grant's key commitment    → defer backoff `key-commitment-mismatch` (held for
 *    a deposit of the right key, which replaces it and wakes the release)
 *  - the device key is not a secp256k1 point        → refuse        `invalid-device-key`
 *  - otherwise                                      → release
 *
 * Reasons are a typed union; {@link reasonText} gives the string stored on the release row and
 * shown by the API (unchanged from before the decision was cut out of the worker).
 */
import { GrantInvalidReason, type GrantInvalidReasonName } from "../../sdk/vocabulary.js";
import { isRetryable } from "../internal/errors.js";
import type { ReleaseJob, VoidReason } from "../store/store.js";
import type { GrantCheck, GrantCheckResult } from "./grant-reader.js";

/** Chain reasons that may change by themselves: retried, never refused. */
export type TransientChainReason = "NotGranted" | "Paused";
/** Chain reasons that end a release. */
export type FinalChainReason = Exclude<GrantInvalidReasonName, "None" | TransientChainReason>;

export type DeferReason =
  | { code: "voided"; voidReason: VoidReason }
  | { code: "rpc-unavailable" }
  | { code: "error" }
  | { code: "transient"; chain: TransientChainReason }
  | { code: "voided-at-head"; chain: GrantInvalidReasonName }
  | { code: "grant-rebound" }
  | { code: "kind-behind" }
  | { code: "key-commitment-mismatch" };

export type RefuseReason = { code: "chain"; chain: FinalChainReason } | { code: "invalid-device-key" };

/** When a deferred release is tried again: with back-off on its attempts, or in a second. */
export type Retry = "backoff" | "soon";

export type ReleaseDecision =
  | { action: "serve"; grant: GrantCheck }
  | { action: "defer"; reason: DeferReason; retry: Retry; error?: unknown }
  | { action: "refuse"; reason: RefuseReason }
  | { action: "supersede"; byKind: number };

export type KeyDecision =
  | { action: "release" }
  | { action: "wait-key" }
  | { action: "defer"; reason: { code: "key-commitment-mismatch" }; retry: "backoff" }
  | { action: "refuse"; reason: { code: "invalid-device-key" } };

/** What the stored data key of the grant's (dataset, version) is. */
export type KeyState = "missing" | "mismatch" | "ok";

const TRANSIENT: readonly string[] = ["NotGranted", "Paused"] satisfies TransientChainReason[];

/** A chain GrantInvalidReason index as its name; undefined for an index this build does not know. */
export function chainReason(index: number): GrantInvalidReasonName | undefined {
  return GrantInvalidReason[index];
}

/** Case 1 alone (no chain read needed): a stored void not final yet holds the release. */
export function holdForStoredVoid(job: Pick<ReleaseJob, "voidReason" | "voidBlock">, finalized: number): Extract<ReleaseDecision, { action: "defer" }> | null {
  if (job.voidReason && (job.voidBlock ?? 0) > finalized) return { action: "defer", reason: { code: "voided", voidReason: job.voidReason }, retry: "soon" };
  return null;
}

const failed = (error: unknown): ReleaseDecision => ({
  action: "defer",
  reason: { code: isRetryable(error) ? "rpc-unavailable" : "error" },
  retry: "backoff",
  error,
});

/** Cases 1–8: see the header. */
export function decideRelease(job: ReleaseJob, atFinal: GrantCheckResult, atHead: GrantCheckResult, finalized: number): ReleaseDecision {
  const held = holdForStoredVoid(job, finalized);
  if (held) return held;
  if (!atFinal.ok) return failed(atFinal.error);
  if (!atHead.ok) return failed(atHead.error);
  const gv = atFinal.view;
  if (!gv.valid) {
    const name = chainReason(gv.reason);
    if (name === undefined || name === "None") return { action: "defer", reason: { code: "error" }, retry: "backoff" }; // not valid for no reason: never serve
    if (TRANSIENT.includes(name)) return { action: "defer", reason: { code: "transient", chain: name as TransientChainReason }, retry: "backoff" };
    return { action: "refuse", reason: { code: "chain", chain: name as FinalChainReason } };
  }
  if (!atHead.view.valid) {
    const name = chainReason(atHead.view.reason);
    if (name === undefined) return { action: "defer", reason: { code: "error" }, retry: "backoff" };
    return { action: "defer", reason: { code: "voided-at-head", chain: name }, retry: "soon" };
  }
  if (gv.requester.toLowerCase() !== job.requester.toLowerCase()) return { action: "defer", reason: { code: "grant-rebound" }, retry: "backoff" };
  if (gv.kind > job.kind) return { action: "supersede", byKind: gv.kind };
  if (gv.kind < job.kind) return { action: "defer", reason: { code: "kind-behind" }, retry: "backoff" };
  return { action: "serve", grant: gv };
}

/** The key cases: see the header. */
export function decideKey(key: KeyState, deviceKeyValid: boolean): KeyDecision {
  if (key === "missing") return { action: "wait-key" };
  if (key === "mismatch") return { action: "defer", reason: { code: "key-commitment-mismatch" }, retry: "backoff" };
  if (!deviceKeyValid) return { action: "refuse", reason: { code: "invalid-device-key" } };
  return { action: "release" };
}

/** The reason as stored on the release row and answered by the API. */
export function reasonText(reason: DeferReason | RefuseReason): string {
  switch (reason.code) {
    case "voided":
      return `voided:${reason.voidReason}`;
    case "transient":
    case "chain":
      return reason.chain;
    case "voided-at-head":
      return `voided-at-head:${reason.chain}`;
    default:
      return reason.code;
  }
}
