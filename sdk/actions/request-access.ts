/**
 * A requester member asks for access to a dataset under a consent: purpose, grant kind,
 * duration, and the device whose published key the data key is to be wrapped to. With the
 * subject's consent signature, the consent is recorded in the same transaction
 * (`requestAccessWithConsent`): the subject pays no gas and nobody pays twice. If the policy
 * needs no further approval, the grant comes in the same transaction.
 *
 * @example
 * ```ts
 * const signed = await signConsent(anaCtx, { requester: insurer, datasetId: 1n, purpose: "underwriting" });
 * const { requestId } = await requestAccess(insurerCtx, {
 *   datasetId: 1n, purpose: "underwriting", kind: "formal", duration: "7d",
 *   device: "insurer/laptop-1", consent: signed.terms, signature: signed.signature,
 * });
 * ```
 */
import type { ConsentTerms } from "../eip712.js";
import { eventIn, eventsIn, readCall, sendTx, toDeviceId, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import { assertDatasetSubject } from "./consent-terms.js";
import { toGrantKind, toPurpose, toSeconds } from "./vocab.js";

export interface RequestAccessParams {
  datasetId: bigint;
  /** 0 or omitted = the latest version when asked. */
  version?: number;
  purpose: string | number;
  kind: string | number;
  duration: number | string;
  /** Device label or bytes32 id; the account must have a live key for it. */
  device: string;
  /** The consent's terms. */
  consent: ConsentTerms;
  /** The subject's signature over `consent`, when the consent is not recorded yet. */
  signature?: string;
}

export interface RequestAccessResult extends TxResult {
  requestId: bigint;
  consentId: string;
  version: number;
  keyId: number;
  /** Whether the consent was recorded by this transaction. */
  consentRecorded: boolean;
  /** Set when the policy let the grant happen at once. */
  granted?: { kind: number; expiresAt: number };
}

/**
 * Errors: `MembersNotActive`, `KeysUnknownDevice`, `ConsentsUnknown`, `ConsentsRevoked`,
 * `ConsentsExpired`, `AccessConsentMismatch(consentId, what)`, `AccessInvalidKind`, `AccessZeroDuration`,
 * `DatasetsRetired`, and with a signature `ConsentsInvalidSignature`, `ConsentsSignatureExpired`,
 * `NOT_DATASET_SUBJECT` (checked before sending).
 */
export async function requestAccess(ctx: SealshareContext, p: RequestAccessParams): Promise<RequestAccessResult> {
  const params = {
    datasetId: p.datasetId,
    version: p.version ?? 0,
    purpose: toPurpose(p.purpose),
    kind: toGrantKind(p.kind),
    duration: toSeconds(p.duration),
    deviceId: toDeviceId(p.device),
  };
  let withSignature = false;
  if (p.signature) {
    // Record the consent here only if nobody did yet; otherwise just use it.
    const id = await readCall(() => ctx.ledger.consentId(p.consent));
    withSignature = (await readCall(() => ctx.ledger.consentOf(id))).subject === "0x0000000000000000000000000000000000000000";
  }
  const l = writer(ctx);
  if (withSignature) await assertDatasetSubject(ctx, p.consent); // relaying it: the dataset's subject only
  const receipt = await sendTx(() => (withSignature ? l.requestAccessWithConsent(params, p.consent, p.signature!) : l.requestAccess(params, p.consent)));
  const e = eventIn(ctx, receipt, "AccessRequested");
  const g = eventsIn(ctx, receipt, "AccessGranted")[0];
  return {
    ...txResult(receipt),
    requestId: e.requestId as bigint,
    consentId: e.consentId as string,
    version: Number(e.version),
    keyId: Number(e.keyId),
    consentRecorded: withSignature,
    ...(g ? { granted: { kind: Number(g.kind), expiresAt: Number(g.expiresAt) } } : {}),
  };
}
