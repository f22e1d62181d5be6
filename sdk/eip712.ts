/**
 * The one EIP-712 module shared by the contracts' tests, the SDK, the CLI, the custodian and
 * the dapp. Two domains:
 *  - the ledger's ("Sealshare", "1", chainId, ledger address): consents and their revocation,
 *    and share approvals given by signature, checked on chain. Clients read it from the chain (ERC-5267 `eip712Domain()`), never guess.
 *  - the custodian's ("Sealshare Custodian", "1", chainId, ledger address): key deposits,
 *    envelope fetch and grant-status requests, and the envelopes the custodian signs. Bound to the same chain and
 *    ledger, so a signature for one deployment or chain is useless on another.
 * And one that authorizes nothing:
 *  - key derivation ("Sealshare Key Derivation", "1", chainId; no contract): the message a wallet
 *    signs so a device encryption key can be derived from the signature (sdk/crypto/wallet-key.ts).
 */
import { concat, getBytes, keccak256, type TypedDataDomain, type TypedDataField } from "ethers";

export type Types = Record<string, TypedDataField[]>;

/** The fields of `ConsentTerms` in contracts/common/Types.sol, in order. */
export const CONSENT_TYPES: Types = {
  Consent: [
    { name: "subject", type: "address" },
    { name: "requester", type: "address" },
    { name: "datasetId", type: "uint64" },
    { name: "category", type: "uint8" },
    { name: "purpose", type: "uint32" },
    { name: "maxKind", type: "uint8" },
    { name: "expiresAt", type: "uint40" },
    { name: "receiptHash", type: "bytes32" },
    { name: "nonce", type: "bytes32" },
    { name: "deadline", type: "uint40" },
  ],
};

export const REVOKE_CONSENT_TYPES: Types = {
  RevokeConsent: [
    { name: "consentId", type: "bytes32" },
    { name: "deadline", type: "uint40" },
  ],
};

/**
 * A provider's or a supervisor's approval given by signature instead of by transaction, relayed
 * by the requester with the subject's signed consent in one `relayShares` call. Bound (with the
 * ledger's domain: chain id and ledger address) to the consent id and the version-independent
 * request terms, to its signer and role, and to a deadline. Single use: the consent id can be
 * recorded once, and `relayShares` records it. Same fields, in order, as SHARE_APPROVAL_TYPE_HASH
 * in contracts/common/TypedData.sol.
 */
export const SHARE_APPROVAL_TYPES: Types = {
  ShareApproval: [
    { name: "consentId", type: "bytes32" },
    { name: "requester", type: "address" },
    { name: "datasetId", type: "uint64" },
    { name: "purpose", type: "uint32" },
    { name: "kind", type: "uint8" },
    { name: "duration", type: "uint32" },
    { name: "approver", type: "address" },
    { name: "asSupervisor", type: "bool" },
    { name: "deadline", type: "uint40" },
  ],
};

export interface ShareApprovalMessage {
  consentId: string;
  requester: string;
  datasetId: bigint;
  purpose: number;
  kind: number;
  duration: number;
  approver: string;
  asSupervisor: boolean;
  deadline: bigint;
}

/** A provider hands the custodian a dataset version's data key, ECIES-wrapped to the custodian. */
export const KEY_DEPOSIT_TYPES: Types = {
  KeyDeposit: [
    { name: "datasetId", type: "uint64" },
    { name: "version", type: "uint32" },
    { name: "wrappedKeyHash", type: "bytes32" }, // keccak256 of the ECIES ciphertext
    { name: "issuedAt", type: "uint40" },
  ],
};

/**
 * A provider hands one custodian of a set its Shamir share of a dataset version's data key
 * (threshold custody, contracts/interfaces/ICustody.sol), ECIES-wrapped to that custodian, with the
 * share's Merkle proof against the version's on-chain shares root. Custodian domain.
 */
export const SHARE_DEPOSIT_TYPES: Types = {
  ShareDeposit: [
    { name: "datasetId", type: "uint64" },
    { name: "version", type: "uint32" },
    { name: "setId", type: "uint32" },
    { name: "index", type: "uint8" },
    { name: "wrappedShareHash", type: "bytes32" }, // keccak256 of the ECIES ciphertext
    { name: "proofHash", type: "bytes32" }, // keccak256 of the proof's bytes32 nodes, concatenated
    { name: "issuedAt", type: "uint40" },
  ],
};

/** A requester asks for the envelope of its grant. Single use, within a time window. */
export const ENVELOPE_REQUEST_TYPES: Types = {
  EnvelopeRequest: [
    { name: "requestId", type: "uint256" },
    { name: "issuedAt", type: "uint40" },
  ],
};

/**
 * The requester, the subject or the provider asks the custodian for a grant's status. Single
 * use, within a time window; a separate type from EnvelopeRequest so one never stands for the
 * other.
 */
export const GRANT_STATUS_REQUEST_TYPES: Types = {
  GrantStatusRequest: [
    { name: "requestId", type: "uint256" },
    { name: "issuedAt", type: "uint40" },
  ],
};

/** What the custodian signs about a release, so a requester can verify who issued it. */
export const KEY_ENVELOPE_TYPES: Types = {
  KeyEnvelope: [
    { name: "requestId", type: "uint256" },
    { name: "datasetId", type: "uint64" },
    { name: "version", type: "uint32" },
    { name: "kind", type: "uint8" },
    { name: "expiresAt", type: "uint40" },
    { name: "keyId", type: "uint40" },
    { name: "wrappedKeyHash", type: "bytes32" },
  ],
};

/**
 * A released Shamir share (threshold custody): the KeyEnvelope's fields, `wrappedKeyHash` being the
 * wrapped share's, and which share it is — set, index, threshold and the hash of its Merkle proof —
 * so the signature covers what the requester combines. An envelope without a share keeps
 * KeyEnvelope.
 */
export const KEY_SHARE_ENVELOPE_TYPES: Types = {
  KeyShareEnvelope: [
    { name: "requestId", type: "uint256" },
    { name: "datasetId", type: "uint64" },
    { name: "version", type: "uint32" },
    { name: "kind", type: "uint8" },
    { name: "expiresAt", type: "uint40" },
    { name: "keyId", type: "uint40" },
    { name: "wrappedKeyHash", type: "bytes32" },
    { name: "setId", type: "uint32" },
    { name: "index", type: "uint8" },
    { name: "threshold", type: "uint8" },
    { name: "proofHash", type: "bytes32" },
  ],
};

/**
 * The fixed message a wallet signs to derive its device encryption key (sdk/crypto/wallet-key.ts).
 * It is never sent anywhere or checked by a contract; `purpose` says so to the person signing.
 */
export const ENCRYPTION_KEY_DERIVATION_TYPES: Types = {
  EncryptionKeyDerivation: [
    { name: "app", type: "string" },
    { name: "deviceId", type: "bytes32" },
    { name: "purpose", type: "string" },
  ],
};

/** The exact `purpose` text of an EncryptionKeyDerivation message. */
export const ENCRYPTION_KEY_DERIVATION_PURPOSE = "Derive my Sealshare encryption key. Signing this does not authorize any transaction.";

export interface EncryptionKeyDerivationMessage {
  app: string;
  deviceId: string; // bytes32
  purpose: string; // ENCRYPTION_KEY_DERIVATION_PURPOSE
}

export interface ConsentTerms {
  subject: string;
  requester: string;
  datasetId: bigint;
  category: number;
  purpose: number;
  maxKind: number;
  expiresAt: bigint;
  receiptHash: string;
  nonce: string;
  deadline: bigint;
}

export interface KeyDepositMessage {
  datasetId: bigint;
  version: number;
  wrappedKeyHash: string;
  issuedAt: number;
}

export interface EnvelopeRequestMessage {
  requestId: bigint;
  issuedAt: number;
}

export interface GrantStatusRequestMessage {
  requestId: bigint;
  issuedAt: number;
}

export interface KeyEnvelopeMessage {
  requestId: bigint;
  datasetId: bigint;
  version: number;
  kind: number;
  expiresAt: number;
  keyId: number;
  wrappedKeyHash: string;
}

export interface KeyShareEnvelopeMessage extends KeyEnvelopeMessage {
  setId: number;
  index: number;
  threshold: number;
  proofHash: string;
}

export interface ShareDepositMessage {
  datasetId: bigint;
  version: number;
  setId: number;
  index: number;
  wrappedShareHash: string;
  proofHash: string;
  issuedAt: number;
}

/** keccak256 over a Merkle proof's nodes (bytes32 each), concatenated: what ShareDeposit and KeyShareEnvelope sign. */
export function proofHash(proof: readonly string[]): string {
  return keccak256(concat(proof.map((p) => getBytes(p))));
}

export function custodianDomain(chainId: bigint, ledger: string): TypedDataDomain {
  return { name: "Sealshare Custodian", version: "1", chainId, verifyingContract: ledger };
}

/**
 * The key-derivation domain. No verifyingContract: the derived key must survive redeployments of
 * the ledger, so only the chain id binds it (a key per chain, as the ledger stores keys per chain).
 */
export function encryptionKeyDerivationDomain(chainId: bigint): TypedDataDomain {
  return { name: "Sealshare Key Derivation", version: "1", chainId };
}

/** Reads the ledger's EIP-712 domain from the chain (ERC-5267). */
export async function ledgerDomain(ledger: {
  eip712Domain(): Promise<[string, string, string, bigint, string, string, bigint[]]>;
}): Promise<TypedDataDomain> {
  const [, name, version, chainId, verifyingContract] = await ledger.eip712Domain();
  return { name, version, chainId, verifyingContract };
}

/**
 * Proof of possession of an encryption key, signed with THAT key's private key (not the wallet's)
 * in the ledger's domain, so it is bound to chain and ledger; the fields bind it to the owner
 * publishing it and its device. `publishEncryptionKey` refuses a key without it: nobody can
 * publish somebody else's public key (say, the custodian's) as their own device key.
 */
export const KEY_POSSESSION_TYPES: Types = {
  KeyPossession: [
    { name: "owner", type: "address" },
    { name: "deviceId", type: "bytes32" },
    { name: "publicKey", type: "bytes" }, // the 33-byte compressed point being published
  ],
};
