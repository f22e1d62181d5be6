/**
 * The dataset's provider, or a supervisor, approves a share by signing (EIP-712
 * `ShareApproval`, in the ledger's domain read from the chain) instead of sending a transaction.
 * The signed approval is a plain JSON-safe object: hand it to the requester, who relays it with
 * the subject's signed consent and the request in one transaction (`relayShare`). It approves
 * exactly one share: the consent (by id), the requester, the dataset, purpose, grant kind and
 * duration; it is single use (the consent can be recorded once) and void after its deadline.
 *
 * @example
 * ```ts
 * const signed = await signConsent(anaCtx, { requester: insurer, datasetId: 1n, purpose: "underwriting" });
 * const terms = { consent: signed.terms, requester: insurer, datasetId: 1n, purpose: "underwriting", kind: "formal", duration: "7d" };
 * const byBank = await signApproval(bankCtx, { ...terms, as: "provider" });
 * const bySupervisor = await signApproval(supervisorCtx, { ...terms, as: "supervisor" });
 * ```
 */
import { getAddress, Signature } from "ethers";
import { ledgerDomain, SHARE_APPROVAL_TYPES, type ConsentTerms, type ShareApprovalMessage } from "../eip712.js";
import { SUPERVISOR_ROLE } from "../contracts.js";
import { SealshareError } from "../errors.js";
import { chainNow, providerOf, readCall, requireSigner, toAddress, type SealshareContext } from "./context.js";
import { consentIdOf } from "./consent-terms.js";
import { toGrantKind, toPurpose, toSeconds } from "./vocab.js";

/** An approval given by signature, as the requester receives it (JSON-safe: no bigint). */
export interface SignedApproval {
  type: "sealshare-share-approval";
  chainId: string;
  ledger: string;
  consentId: string;
  requester: string;
  /** Decimal string (uint64). */
  datasetId: string;
  purpose: number;
  kind: number;
  duration: number;
  approver: string;
  asSupervisor: boolean;
  /** Unix seconds (chain time) after which the ledger refuses it. */
  deadline: number;
  /** 64-byte EIP-2098 compact signature of an EOA, 65 bytes, or an ERC-1271 account's signature. */
  signature: string;
}

export interface SignApprovalParams {
  /** The consent the share relies on: its terms (the id is computed) or its id. */
  consent: ConsentTerms | { consentId: string };
  /** The member that will request and relay. */
  requester: string;
  datasetId: bigint;
  purpose: string | number;
  /** Default formal. */
  kind?: string | number;
  /** Seconds or "7d": the grant's duration the requester will ask for. */
  duration: number | string;
  /** The role the signer approves in. */
  as: "provider" | "supervisor";
  /** How long the signature may wait to be relayed (seconds or "1h"); default 1 hour. */
  validFor?: number | string;
  /** An ERC-1271 account the signer signs for (default: the signer itself). */
  approver?: string;
}

/**
 * Errors: `NOT_PROVIDER` (the approver is not the dataset's current provider), `NOT_SUPERVISOR`
 * (it does not hold the supervisor role), `INVALID_ADDRESS`, `INVALID_DURATION`,
 * `INVALID_PURPOSE`, `INVALID_GRANT_KIND`, `DatasetsUnknown`. The ledger checks the role again
 * when the approval is relayed.
 */
export async function signApproval(ctx: SealshareContext, p: SignApprovalParams): Promise<SignedApproval> {
  const signer = requireSigner(ctx);
  const signerAddress = await signer.getAddress();
  const approver = p.approver ? toAddress(p.approver, "approver") : signerAddress;
  const asSupervisor = p.as === "supervisor";
  if (asSupervisor) {
    if (!(await readCall(() => ctx.ledger.hasRole(SUPERVISOR_ROLE, approver)))) {
      throw new SealshareError("NOT_SUPERVISOR", `${approver} does not hold the supervisor role`, { hint: "sign with a supervisor's account, or approve as the provider" });
    }
  } else {
    const d = await readCall(() => ctx.ledger.dataset(p.datasetId));
    if (d.provider !== approver) {
      throw new SealshareError("NOT_PROVIDER", `${approver} is not dataset #${p.datasetId}'s provider (${d.provider} is)`, { hint: "sign with the provider's account, or approve as a supervisor" });
    }
  }
  const domain = await ledgerDomain(ctx.ledger);
  const consentId = "consentId" in p.consent ? p.consent.consentId : await consentIdOf(ctx, p.consent);
  const message: ShareApprovalMessage = {
    consentId,
    requester: toAddress(p.requester, "requester"),
    datasetId: p.datasetId,
    purpose: toPurpose(p.purpose),
    kind: toGrantKind(p.kind ?? "formal"),
    duration: toSeconds(p.duration),
    approver,
    asSupervisor,
    deadline: BigInt((await chainNow(ctx)) + toSeconds(p.validFor ?? 3600)),
  };
  const raw = await signer.signTypedData(domain, SHARE_APPROVAL_TYPES, message);
  // An EOA signing for itself: the 64-byte form (EIP-2098) saves calldata; an account's
  // signature for an ERC-1271 approver is passed as it is.
  const signature = approver === signerAddress ? Signature.from(raw).compactSerialized : raw;
  return {
    type: "sealshare-share-approval",
    chainId: String(domain.chainId ?? (await providerOf(ctx).getNetwork()).chainId),
    ledger: getAddress(String(domain.verifyingContract)),
    consentId,
    requester: message.requester,
    datasetId: p.datasetId.toString(),
    purpose: message.purpose,
    kind: message.kind,
    duration: message.duration,
    approver,
    asSupervisor,
    deadline: Number(message.deadline),
    signature,
  };
}

/** The EIP-712 message a signed approval signs. */
export function shareApprovalMessage(a: SignedApproval): ShareApprovalMessage {
  return {
    consentId: a.consentId,
    requester: a.requester,
    datasetId: BigInt(a.datasetId),
    purpose: a.purpose,
    kind: a.kind,
    duration: a.duration,
    approver: a.approver,
    asSupervisor: a.asSupervisor,
    deadline: BigInt(a.deadline),
  };
}

const isUint = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isHex = (v: unknown, bytes?: number) => typeof v === "string" && (bytes === undefined ? /^0x([0-9a-fA-F]{2})+$/ : new RegExp(`^0x[0-9a-fA-F]{${2 * bytes}}$`)).test(v);

/** A signed approval read from JSON (a file, a message), checked field by field. Errors: `BAD_APPROVAL`. */
export function signedApprovalFromJson(json: unknown): SignedApproval {
  const a = json as Partial<SignedApproval> | null;
  const bad = (what: string) =>
    new SealshareError("BAD_APPROVAL", `not a Sealshare signed approval: ${what}`, { hint: "use the file written by `sealshare access sign-approval`" });
  if (!a || typeof a !== "object" || a.type !== "sealshare-share-approval") throw bad("wrong type");
  if (typeof a.chainId !== "string" || !/^\d+$/.test(a.chainId)) throw bad("chainId");
  if (typeof a.datasetId !== "string" || !/^\d+$/.test(a.datasetId)) throw bad("datasetId");
  if (!isHex(a.consentId, 32)) throw bad("consentId");
  for (const f of ["purpose", "kind", "duration", "deadline"] as const) if (!isUint(a[f])) throw bad(f);
  if (typeof a.asSupervisor !== "boolean") throw bad("asSupervisor");
  if (!isHex(a.signature)) throw bad("signature");
  let ledger: string, requester: string, approver: string;
  try {
    [ledger, requester, approver] = [getAddress(String(a.ledger)), getAddress(String(a.requester)), getAddress(String(a.approver))];
  } catch {
    throw bad("an address field");
  }
  return {
    type: a.type,
    chainId: a.chainId,
    ledger,
    consentId: a.consentId!,
    requester,
    datasetId: a.datasetId,
    purpose: a.purpose!,
    kind: a.kind!,
    duration: a.duration!,
    approver,
    asSupervisor: a.asSupervisor,
    deadline: a.deadline!,
    signature: a.signature!,
  };
}
