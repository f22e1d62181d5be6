/**
 * The requester fetches the data key of its grant from the custodian and checks it: the
 * custodian's account must hold CUSTODIAN_ROLE on the ledger (the chain, not the service, is the
 * trust anchor), the grant must be valid on chain now, the envelope must be signed by it, be for
 * this request and describe the grant the chain holds (dataset, version, device key id, kind),
 * not be expired (by wall clock and chain time), unwrap with the device's private key, and the key must match the
 * version's key commitment on chain (v2: bound to this chain, ledger, dataset and version). Only then is it returned.
 *
 * @example
 * ```ts
 * const { dek, datasetId, version } = await fetchKey(insurerCtx, {
 *   custodian, requestId, devicePrivateKey: device.privateKey, waitMs: 30_000,
 * });
 * ```
 */
import type { Envelope } from "../envelope.js";
import { CUSTODIAN_ROLE } from "../contracts.js";
import { isTransientCustodianError, type CustodianClient, type PendingReason } from "../custodian-client.js";
import { hexlify } from "ethers";
import { keyPairFromPrivateKey } from "../crypto/ecies.js";
import { SealshareError } from "../errors.js";
import { GrantInvalidReason } from "../vocabulary.js";
import { expiryNow, readCall, requireSigner, toDeviceId, type SealshareContext } from "./context.js";
import { getDeviceKey } from "./get-device-key.js";
import { keyMatchesVersion } from "./key-binding.js";

export interface FetchKeyParams {
  custodian: CustodianClient;
  requestId: bigint;
  /** The private key of the device the request named. Never leaves this process. */
  devicePrivateKey: Uint8Array;
  /**
   * The label you know that device by (a device key file's `device`), named in errors. Used only
   * when it hashes to the device id the chain names, so a wrong label is never shown as the name.
   */
  deviceLabel?: string;
  /** Keep polling this long while the custodian says "pending". Default 0: answer at once. */
  waitMs?: number;
  /** Wait for at least this grant kind (2 = formal); default any. */
  minKind?: number;
}

export interface FetchKeyResult {
  /** The data key. Secret. */
  dek: Uint8Array;
  requestId: bigint;
  datasetId: bigint;
  version: number;
  kind: number;
  expiresAt: number;
  custodian: string;
  envelope: Envelope;
}

export const GRANT_HINTS: Record<string, string> = {
  Expired: "the grant ran out; request access again",
  Revoked: "the provider or a supervisor revoked the grant; nothing more is delivered under it (ask them why; request access again once that is settled)",
  ConsentRevoked: "the subject withdrew the consent; ask the subject for a new one",
  ConsentExpired: "the consent ran out; ask the subject for a new one",
  RequesterSuspended: "your institution was suspended; grants from before a suspension stay void: ask a supervisor to reinstate it, then request access again",
  DeviceKeyChanged: "the device key the request named was rotated or revoked; request again for the current key",
  DatasetRetired: "the provider retired the dataset",
  Paused: "the ledger is paused by its admin; try again later",
};

const PENDING_HINTS: Record<PendingReason, string> = {
  "not-granted": "the request is not granted yet; ask the provider or the supervisors whose approval is missing (`sealshare access status` says which)",
  releasing: "the custodian is releasing the key; try again in a moment (or pass --wait)",
  "waiting-for-key": "the provider has not deposited the data key with the custodian yet; ask the provider to deposit it (or pass --wait)",
  upgrading: "the formal envelope is being prepared; try again in a moment",
};

/**
 * Errors: `GRANT_NOT_VALID` (the chain says revoked, expired, …; `details.reason`),
 * `KEY_NOT_READY` (still pending), CustodianError (`grant-expired`, `grant-revoked`,
 * `not-requester`, `unknown-request`), `ENVELOPE_EXPIRED`, `ENVELOPE_WRONG_ISSUER`,
 * `ENVELOPE_MISMATCH` (another request), `ENVELOPE_WRONG_DATASET` / `ENVELOPE_WRONG_VERSION` /
 * `ENVELOPE_WRONG_KEY` / `ENVELOPE_WRONG_KIND` (not the grant `isGrantValid` names),
 * `UNWRAP_FAILED` (naming the device the envelope is wrapped to: its id, its label when
 * `deviceLabel` is that device's), `KEY_COMMITMENT_MISMATCH`, `CUSTODIAN_NOT_AUTHORIZED`.
 */
export async function fetchKey(ctx: SealshareContext, p: FetchKeyParams): Promise<FetchKeyResult> {
  const signer = requireSigner(ctx);
  // The chain says first whether there is anything to fetch: revoked, expired, consent withdrawn…
  const g = await readCall(() => ctx.ledger.isGrantValid(p.requestId));
  const reason = GrantInvalidReason[Number(g.reason)] ?? "NotGranted";
  if (!g.valid && reason !== "NotGranted") {
    throw new SealshareError("GRANT_NOT_VALID", `request #${p.requestId} has no valid grant: ${reason}${reason === "Expired" ? ` (it ran out at ${new Date(Number(g.expiresAt) * 1000).toISOString()})` : ""}`, {
      hint: GRANT_HINTS[reason] ?? "see `sealshare access status`",
      details: { reason },
    });
  }
  if (reason === "NotGranted") await readCall(() => ctx.ledger.requestOf(p.requestId)); // AccessUnknownRequest if there is no such request
  const info = await p.custodian.info();
  if (!(await readCall(() => ctx.ledger.hasRole(CUSTODIAN_ROLE, info.address)))) {
    throw new SealshareError("CUSTODIAN_NOT_AUTHORIZED", `the service at ${p.custodian.baseUrl} signs as ${info.address}, which is not the ledger's custodian`, {
      hint: "point --custodian-url at this deployment's custodian",
    });
  }
  const until = Date.now() + (p.waitMs ?? 0);
  let envelope: Envelope;
  for (;;) {
    let answer: Awaited<ReturnType<CustodianClient["fetchEnvelope"]>>;
    try {
      answer = await p.custodian.fetchEnvelope(signer, p.requestId);
    } catch (err) {
      // A custodian catching up with the chain (or its RPC) answers 503 for a moment: wait, as for pending.
      if (!isTransientCustodianError(err) || Date.now() >= until) throw err;
      await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, until - Date.now()))));
      continue;
    }
    if (answer.status === "ready" && answer.envelope.kind >= (p.minKind ?? 0)) {
      envelope = answer.envelope;
      break;
    }
    if (Date.now() >= until) {
      const reason: PendingReason = answer.status === "pending" ? answer.reason : "upgrading";
      throw new SealshareError("KEY_NOT_READY", `the key of request #${p.requestId} is not ready: ${reason}`, { hint: PENDING_HINTS[reason], details: { reason } });
    }
    const retryMs = answer.status === "pending" ? Math.max(200, answer.retryAfter * 1000) : 500;
    await new Promise((r) => setTimeout(r, Math.min(retryMs, Math.max(0, until - Date.now()))));
  }
  await checkEnvelopeAgainstChain(ctx, p.requestId, envelope);
  if ((await expiryNow(ctx)) >= envelope.expiresAt) {
    throw new SealshareError("ENVELOPE_EXPIRED", `the grant of request #${p.requestId} expired at ${new Date(envelope.expiresAt * 1000).toISOString()}`, {
      hint: "request access again",
    });
  }
  let dek: Uint8Array;
  try {
    dek = p.custodian.openEnvelope(envelope, p.devicePrivateKey, info.address);
  } catch (err) {
    if (err instanceof SealshareError && err.code === "UNWRAP_FAILED") throw await unwrapFailed(ctx, p, envelope, err);
    throw err;
  }
  if (!(await keyMatchesVersion(ctx, dek, BigInt(envelope.datasetId), envelope.version))) {
    dek.fill(0);
    throw new SealshareError("KEY_COMMITMENT_MISMATCH", `the released key does not match dataset #${envelope.datasetId} v${envelope.version}'s commitment on chain`, {
      hint: "do not use this key; report it to the provider and the supervisor",
    });
  }
  return {
    dek,
    requestId: p.requestId,
    datasetId: BigInt(envelope.datasetId),
    version: envelope.version,
    kind: envelope.kind,
    expiresAt: envelope.expiresAt,
    custodian: info.address,
    envelope,
  };
}

/**
 * UNWRAP_FAILED naming the device: the envelope is wrapped to the key the request named (key id
 * checked against the chain above), so the chain says which device that is. Two cases: the
 * private key given is not that device's published key (the usual one: another device's file),
 * or it is and the wrapped key still does not open (the custodian wrapped something broken).
 */
async function unwrapFailed(ctx: SealshareContext, p: FetchKeyParams, envelope: Envelope, cause: SealshareError): Promise<SealshareError> {
  const key = await getDeviceKey(ctx, { keyId: envelope.keyId });
  const deviceId = key?.deviceId.toLowerCase();
  const labelled = (id: string | undefined) => (p.deviceLabel && id && toDeviceId(p.deviceLabel) === id ? p.deviceLabel : undefined);
  const deviceName = labelled(deviceId);
  const device = deviceId ? `device ${deviceName ? `"${deviceName}" (${deviceId})` : deviceId}, key #${envelope.keyId}` : `key #${envelope.keyId}`;
  let given: string | undefined;
  try {
    given = hexlify(keyPairFromPrivateKey(p.devicePrivateKey).publicKey);
  } catch {
    given = undefined; // not a valid private key at all: certainly not that device's
  }
  const details = { requestId: p.requestId.toString(), keyId: envelope.keyId, ...(deviceId ? { deviceId } : {}), ...(deviceName ? { deviceName } : {}) };
  if (key && given === key.publicKey) {
    return new SealshareError("UNWRAP_FAILED", `the envelope of request #${p.requestId} is wrapped to ${device}, whose private key you gave, and still does not open`, {
      hint: "the custodian wrapped a damaged key: do not retry with other keys; report it to the custodian's operator",
      details,
      cause,
    });
  }
  const other = p.deviceLabel && !deviceName ? ` (you gave the key of device "${p.deviceLabel}")` : "";
  return new SealshareError("UNWRAP_FAILED", `could not unwrap the data key of request #${p.requestId}: it is wrapped to ${device}, and the device key you gave is not that device's key${other}`, {
    hint: "use that device's key file (the one whose public key you published for it with `sealshare keys publish`); if it is lost, publish a new key for a device and request access again naming it",
    details,
    cause,
  });
}

const MISMATCH_HINT = "do not use this envelope; the custodian answered for another grant (report it), or it is still catching up with the chain: try again";

/**
 * The envelope must describe the grant the chain holds for this request now: same request, the
 * request's dataset, and the version, device key and grant kind `isGrantValid` names. A signed
 * envelope for another grant (a custodian bug, or a replayed answer) is refused by name.
 */
export async function checkEnvelopeAgainstChain(ctx: SealshareContext, requestId: bigint, envelope: Envelope): Promise<void> {
  if (BigInt(envelope.requestId) !== requestId) {
    throw new SealshareError("ENVELOPE_MISMATCH", `the custodian answered with the envelope of request #${envelope.requestId}`, { hint: MISMATCH_HINT });
  }
  const [r, g] = await Promise.all([readCall(() => ctx.ledger.requestOf(requestId)), readCall(() => ctx.ledger.isGrantValid(requestId))]);
  checkEnvelopeAgainstGrant(requestId, envelope, r, g);
}

/**
 * {@link checkEnvelopeAgainstChain} on a request and grant already read from the chain (a threshold
 * fetch reads them once for all its custodians' envelopes, moments before they arrive).
 */
export function checkEnvelopeAgainstGrant(
  requestId: bigint,
  envelope: Envelope,
  r: { datasetId: bigint },
  g: { valid: boolean; reason: bigint | number; version: bigint | number; keyId: bigint | number; kind: bigint | number },
): void {
  if (BigInt(envelope.requestId) !== requestId) {
    throw new SealshareError("ENVELOPE_MISMATCH", `the custodian answered with the envelope of request #${envelope.requestId}`, { hint: MISMATCH_HINT });
  }
  if (!g.valid) {
    const reason = GrantInvalidReason[Number(g.reason)] ?? "NotGranted";
    throw new SealshareError("GRANT_NOT_VALID", `request #${requestId} has no valid grant: ${reason}`, { hint: GRANT_HINTS[reason] ?? "see `sealshare access status`", details: { reason } });
  }
  const differ = (code: string, what: string, got: unknown, want: unknown) =>
    new SealshareError(code, `the envelope of request #${requestId} names ${what} ${String(got)}, the chain's grant ${String(want)}`, { hint: MISMATCH_HINT, details: { envelope: String(got), chain: String(want) } });
  if (BigInt(envelope.datasetId) !== BigInt(r.datasetId)) throw differ("ENVELOPE_WRONG_DATASET", "dataset", envelope.datasetId, r.datasetId);
  if (envelope.version !== Number(g.version)) throw differ("ENVELOPE_WRONG_VERSION", "version", envelope.version, g.version);
  if (envelope.keyId !== Number(g.keyId)) throw differ("ENVELOPE_WRONG_KEY", "device key", envelope.keyId, g.keyId);
  if (envelope.kind !== Number(g.kind)) throw differ("ENVELOPE_WRONG_KIND", "grant kind", envelope.kind, g.kind);
}
