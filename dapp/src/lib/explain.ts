/**
 * Turns anything a wallet, the ledger, the custodian or the crypto code throws into one short
 * sentence and a hint, for the page's notice area. Ledger reverts are decoded with the SDK
 * (sdk/revert.ts), so a user reads `ConsentsUnknown(0x…)` and what to do about it, never hex.
 */
import { isError } from "ethers";
import { decodeRevert } from "../../../sdk/revert.js";
import type { CustodianError } from "../../../sdk/custodian-client.js";
import { SealshareError } from "../../../sdk/errors.js";
import { grantInvalidLabel as invalidWords, GrantInvalidReason } from "../../../sdk/vocabulary.js";

export interface Explained {
  /** One sentence. */
  message: string;
  hint?: string;
  /** Stable word a test or a script can look for: the revert name, the custodian code, … */
  code: string;
}

/** What each custom error means for the person who hit it. */
const LEDGER_HINTS: Record<string, string> = {
  ConsentsUnknown: "No consent with these exact terms is recorded on the ledger. Ask the person to sign a consent and paste it here, or check you pasted it whole.",
  ConsentsRevoked: "The person withdrew this consent. Ask them for a new one.",
  ConsentsExpired: "This consent has expired. Ask the person for a new one.",
  ConsentsSignatureExpired: "The signed consent was not used before its deadline. Ask the person to sign again.",
  ConsentsInvalidSignature: "The signature does not belong to the person named in the consent.",
  ConsentsAlreadyRecorded: "This consent is already on the ledger; request access without relaying it again.",
  ConsentsCancelled: "The person cancelled this consent before it was recorded.",
  ConsentsExpiryNotInFuture: "The consent's expiry must be in the future.",
  ConsentsInvalidKind: "The consent must allow a temporary or a formal grant.",
  ConsentsInvalidCategory: "The consent names an unknown category.",
  ConsentsNotSubject: "Only the person the data is about can do this.",
  AccessConsentMismatch: "The consent does not cover this request (requester, dataset, purpose or kind differ).",
  AccessInvalidKind: "The requested grant kind must be temporary or formal.",
  AccessZeroDuration: "The requested duration must be above zero.",
  AccessWrongStatus: "The request is not in a state that allows this (already decided, or no live grant).",
  AccessAlreadyApproved: "You already approved this request; each approver counts once.",
  AccessNotApprover: "Your account may not approve, reject or revoke this request.",
  AccessNoVersion: "The dataset has no published version yet.",
  AccessNothingToAdvance: "Nothing to advance yet: an approval or the data itself is still missing.",
  DatasetsCategoryQuorumTooHigh: "A category minimum can ask for at most 32 supervisors.",
  DatasetsCategoryEarlyQuorumAboveQuorum: "The early quorum cannot be larger than the category's full supervisor quorum.",
  DatasetsCategoryEarlyQuorumWithoutEarly: "An early quorum applies only when temporary grants are allowed early; choose that rule or set it to 0.",
  DatasetsCategoryTemporaryAboveCeiling: "A temporary grant can last at most one day.",
  DatasetsCategoryTemporaryCapWhenForbidden: "Temporary grants are forbidden for this category, so leave their maximum at 0.",
  MembersNotActive: "This account is not an active member institution (not registered, or suspended).",
  MembersAlreadyRegistered: "This institution is already registered.",
  MembersNotSuspended: "This member is not suspended.",
  KeysUnknownDevice: "No live encryption key is registered for this device. Derive and register your device key first.",
  KeysInvalidPublicKey: "That is not a valid compressed secp256k1 public key.",
  KeysNoProofOfPossession: "The key was sent without a valid proof that this account holds its private key (a key of someone else's cannot be published as yours).",
  AccessConflictOfInterest: "A supervisor may not approve a request of its own institution, or of the dataset's provider, or one it is affiliated with.",
  ConsentsNotDatasetSubject: "Only the person the dataset is about can consent to its use.",
  DatasetsVersionSlotMismatch: "Another dataset or version was registered at the same moment; publish again.",
  DatasetsNotProvider: "Only the dataset's current provider can do this.",
  DatasetsPolicyBelowMinimum: "The policy is weaker than the supervisors' minimum for this category.",
  DatasetsRetired: "The dataset was retired.",
  DatasetsUnknown: "There is no dataset with this number.",
  SealsharePaused: "The ledger is paused by its administrator.",
  AccessControlUnauthorizedAccount: "Your account does not hold the role this needs (for example, supervisor).",
};

/** What the custodian's stable problem codes mean (service/internal/errors.ts). */
const CUSTODIAN_WORDS: Record<string, string> = {
  "grant-revoked": "Not delivered: the grant was revoked — consent withdrawn, grant revoked or requester suspended.",
  "grant-expired": "Not delivered: the grant has expired.",
  "not-requester": "Not delivered: this account did not make the request.",
  "unknown-request": "The custodian has not seen this request (yet).",
  "bad-signature": "The custodian did not accept the signed request.",
  "not-provider": "The custodian refused: this account is not the dataset's provider.",
  "key-commitment-mismatch": "The custodian refused the key: it does not match the key commitment registered on chain.",
  "ledger-paused": "Nothing is delivered while the ledger is paused.",
};

export function explain(err: unknown): Explained {
  if (isError(err, "ACTION_REJECTED") || (err as { code?: unknown } | null)?.code === 4001) {
    return { code: "rejected-in-wallet", message: "You declined the request in your wallet; nothing was sent." };
  }
  const revert = decodeRevert(err);
  if (revert) {
    return { code: revert.name, message: `The ledger refused: ${revert.text}`, hint: LEDGER_HINTS[revert.name] };
  }
  if (isCustodianError(err)) {
    const reason = typeof err.problem?.reason === "string" ? ` (${err.problem.reason})` : "";
    return {
      code: err.code,
      message: CUSTODIAN_WORDS[err.code] ? `${CUSTODIAN_WORDS[err.code]}${reason}` : `The custodian answered: ${err.message}`,
      hint: err.hint,
    };
  }
  if (err instanceof SealshareError && err.code === "CUSTODIAN_UNREACHABLE") {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
    return { code: err.code, message: `${err.message}${cause}.`, hint: "The custodian may be down, or not allow this site's origin (its CORS list). Try again later." };
  }
  if (err instanceof SealshareError && err.code === "GRANT_NOT_VALID") {
    // The SDK's fetchKey asked the chain first: say what it said, in words.
    const reason = GrantInvalidReason.indexOf(String(err.details?.reason) as (typeof GrantInvalidReason)[number]);
    return { code: "grant-invalid", message: `Not used: the ledger says this grant is ${reason >= 0 ? invalidWords(reason) : String(err.details?.reason)}.`, hint: err.hint };
  }
  if (err instanceof SealshareError) return { code: err.code, message: err.message, hint: err.hint };
  if (isError(err, "CALL_EXCEPTION")) {
    return { code: "CALL_EXCEPTION", message: `The ledger refused the transaction${err.reason ? `: ${err.reason}` : ""}.` };
  }
  const shortMessage = (err as { shortMessage?: unknown } | null)?.shortMessage;
  const message = typeof shortMessage === "string" ? shortMessage : err instanceof Error ? err.message : String(err);
  return { code: (err as { code?: string } | null)?.code ?? (err instanceof Error ? err.name : "error"), message };
}

/** By shape, not instanceof: importing the class would pull the custodian client (and ECIES) into every page. */
function isCustodianError(err: unknown): err is CustodianError {
  return err instanceof SealshareError && err.name === "CustodianError" && typeof (err as CustodianError).status === "number";
}
