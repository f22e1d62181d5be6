/**
 * What to do about each custom error the ledger can raise: the "how to fix" half of the error
 * catalogue. `asLedgerError` (sdk/revert.ts) attaches these as `SealshareError.hint`, so the CLI
 * and the dapp print the same advice. Keyed by the Solidity error name. A hint speaks to the
 * person reading it and says who must act when it is someone else ("ask a supervisor to …").
 * Errors whose advice depends on their arguments (the role a call needs) get it from
 * {@link ledgerErrorHint}.
 */
import { ZeroHash } from "ethers";
import { CUSTODIAN_ROLE, SUPERVISOR_ROLE } from "./contracts.js";

/** The ledger's roles by hash: the constant's name (as in Solidity and docs/ERRORS.md) and the role in words. */
export const LEDGER_ROLES: Readonly<Record<string, { constant: string; person: string }>> = {
  [ZeroHash]: { constant: "DEFAULT_ADMIN_ROLE", person: "admin" },
  [SUPERVISOR_ROLE]: { constant: "SUPERVISOR_ROLE", person: "supervisor" },
  [CUSTODIAN_ROLE]: { constant: "CUSTODIAN_ROLE", person: "custodian" },
};

/** A role hash as its constant's name (`SUPERVISOR_ROLE`); an unknown hash stays hex. */
export function roleName(role: string): string {
  return LEDGER_ROLES[role.toLowerCase()]?.constant ?? role;
}

/**
 * The hint for a decoded ledger error with its arguments: the table's, except where the
 * arguments say more — `AccessControlUnauthorizedAccount(account, role)` names the role and who
 * can give it (the admin grants every role).
 */
export function ledgerErrorHint(name: string, args: readonly unknown[] = []): string | undefined {
  if (name === "AccessControlUnauthorizedAccount" && typeof args[0] === "string" && typeof args[1] === "string") {
    const role = LEDGER_ROLES[args[1].toLowerCase()];
    if (role?.person === "admin") return `${args[0]} is not the admin (it lacks DEFAULT_ADMIN_ROLE): act with the admin account (--as / --keystore), or ask the admin (governance) to do it`;
    if (role) {
      return `${args[0]} is not a ${role.person} (it lacks ${role.constant}): act with a ${role.person}'s account (--as / --keystore), or ask the admin to grant ${role.constant} to this account`;
    }
  }
  return LEDGER_ERROR_HINTS[name];
}

export const LEDGER_ERROR_HINTS: Readonly<Record<string, string>> = {
  // The role is in the error's arguments: `ledgerErrorHint` below names it.
  AccessControlUnauthorizedAccount: "this account lacks the role the call needs (supervisor, custodian or admin); act with an account that holds it (--as / --keystore), or ask an admin to grant it",
  SealsharePaused: "the admin paused the ledger; wait for (or ask) the admin to unpause it. Meanwhile only actions that reduce access work (revoking consents, grants and keys, rejecting requests, suspending members, retiring datasets)",
  MembersAlreadyRegistered: "that institution is registered already; nothing to do",
  MembersNotActive: "the account is not an active member: ask a supervisor to register (or reinstate) it first",
  MembersNotSuspended: "only a suspended member can be reinstated",
  KeysInvalidPublicKey: "publish a 33-byte compressed secp256k1 key (`sealshare keys generate` writes one)",
  KeysNoProofOfPossession: "the key was sent without a valid proof that you hold its private key; publish with `sealshare keys publish --device-key <file>` (or publishEncryptionKey with the key pair)",
  KeysUnknownDevice: "this account has no live key for that device; publish one with `sealshare keys publish`",
  DatasetsUnknown: "no dataset has that id; check it with `sealshare dataset show <id>`",
  DatasetsNotProvider: "only the dataset's current provider may do this; act with the provider's account (--as / --keystore), or ask the provider to do it",
  DatasetsRetired: "the provider retired the dataset; nothing more can be requested or published for it (ask the provider whether a new dataset replaces it)",
  DatasetsPolicyBelowMinimum: "the policy is weaker than the supervisors' minimum for this category; raise the quorum or require provider approval (`sealshare dataset show` of a dataset of that category prints the floor)",
  DatasetsQuorumTooHigh: "a policy may ask for at most 32 supervisors",
  DatasetsNoFormalMaximum: "give the policy a formal maximum above zero (--max-formal)",
  DatasetsTemporaryAboveFormal: "a temporary grant may not last longer than a formal one; lower --max-temporary or raise --max-formal",
  DatasetsTemporaryAboveCeiling: "a temporary grant lasts at most 1 day",
  DatasetsInvalidCategory: "use one of: deposit, fund, stock, bond, insurance, trust, other",
  DatasetsUnknownVersion: "that version does not exist; `sealshare dataset show <id>` lists the versions",
  DatasetsInvalidVersion: "a version needs a ciphertext hash, a non-zero Merkle root, a key commitment and a non-zero size",
  DatasetsVersionSlotMismatch: "the version was committed for another dataset id or version number than the ledger assigns (another transaction took it first); commit the key again for the new slot and resend (the SDK retries this itself)",
  DatasetsInvalidSubject: "give the subject's address (--subject 0x…)",
  ConsentsAlreadyRecorded: "this consent is on the ledger already; use it (access request --consent …) instead of recording it again",
  ConsentsCancelled: "the subject cancelled this signed consent before it was recorded; ask the subject for a new one",
  ConsentsSignatureExpired: "the signed consent's deadline passed; ask the subject to sign it again (`sealshare consent sign`)",
  ConsentsInvalidSignature: "the signature is not the subject's for these exact terms; relay the file the subject signed unchanged, or ask the subject to sign again",
  ConsentsNotSubject: "only the subject may do this; act with the subject's account, or ask the subject to do it",
  ConsentsNotDatasetSubject: "a consent for a dataset must be given by the person the dataset is about; ask that person (the dataset's subject) to sign, or name a category instead",
  ConsentsNoSubject: "name the subject (the person the data is about) in the terms",
  ConsentsExpiryNotInFuture: "the consent's expiry must be in the future",
  ConsentsInvalidKind: "the consent's max kind must be temporary or formal",
  ConsentsInvalidCategory: "use one of: deposit, fund, stock, bond, insurance, trust, other",
  ConsentsUnknown: "no such consent is recorded; ask the subject to consent first (`sealshare consent give`, or `consent sign` and you pass the signed file to `access request --consent`)",
  ConsentsRevoked: "the subject revoked this consent; ask the subject for a new one",
  ConsentsExpired: "the consent ran out; ask the subject for a new one",
  AccessUnknownRequest: "no request has that id; check it (the id is printed by `sealshare access request`)",
  AccessConsentMismatch: "the consent does not cover this request; the named field must match the consent's terms",
  AccessInvalidKind: "the kind asked for must be temporary or formal",
  AccessZeroDuration: "ask for a duration above zero",
  AccessWrongStatus: "the request is not in a state that allows this; see `sealshare access status <id>`",
  AccessAlreadyApproved: "this account approved the request already; each approver counts once",
  AccessConflictOfInterest: "a supervisor may not approve a request it made, for a dataset it provides, or where it is affiliated with the requester or the provider; ask another supervisor to approve",
  AccessNotApprover: "only the dataset's provider or a supervisor may do this; act with one of their accounts (--as / --keystore)",
  AccessNotRequester: "only the account that made the request records its usage",
  AccessNoVersion: "the dataset has no version yet; ask the provider to publish one first",
  AccessApprovalExpired: "a signed approval passed its deadline; ask the approver to sign again (`sealshare access sign-approval`)",
  AccessInvalidApprovalSignature: "a signed approval is not the approver's for exactly this share (consent, requester, dataset, purpose, kind, duration, role, chain, ledger); relay exactly what it signed, or ask the approver to sign again",
  AccessNothingToAdvance: "nothing changed since the last approval: an approval, the version or the quorum is still missing (`sealshare access status <id>` says which); ask the provider or a supervisor for it",
  DatasetsCategoryQuorumTooHigh: "a category minimum may ask for at most 32 supervisors (no policy could meet more)",
  DatasetsCategoryEarlyQuorumAboveQuorum: "a category's early temporary quorum may be at most its full supervisor quorum",
  DatasetsCategoryEarlyQuorumWithoutEarly: "an early temporary quorum needs the Early rule; otherwise set it to 0",
  DatasetsCategoryTemporaryAboveCeiling: "a category's temporary cap may be at most 1 day (86,400 s); 0 means the ceiling only",
  DatasetsCategoryTemporaryCapWhenForbidden: "a category that forbids temporary grants takes no temporary cap; set it to 0",
  SealshareNotPaused: "the ledger is not paused; nothing to unpause",
  SealshareTooManySupervisors: "at most 32 accounts may hold the supervisor role at once; the admin must revoke a former supervisor first",
  ReceiptsNotGranted: "the request was never granted, so no key can be released for it (the custodian operator should check its ingestion)",
  ReceiptsBatchExists: "a batch with this id is sealed already; use a fresh batch id",
  ReceiptsEmptyBatch: "a batch needs a non-zero root and count",
};
