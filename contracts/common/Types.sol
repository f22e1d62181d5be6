// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Sealshare shared vocabulary
/// @notice Enums and structs used across the Sealshare modules, kept in one place so that the
///         contracts, the custodian, the SDK and auditors read the same words.
/// @dev Storage structs are packed by hand: every field's width is chosen so that the hot
///      records of a share (consent, request) fit in as few 32-byte slots as possible.

/// @notice What kind of financial data a dataset holds.
enum Category {
    Deposit, // 0: bank deposits and current accounts
    Fund, // 1: investment fund holdings
    Stock, // 2: equities
    Bond, // 3: fixed income
    Insurance, // 4: insurance policies and claims
    Trust, // 5: trust holdings
    Other // 6: anything else
}

/// @notice How strong a grant is. Ordered: a consent allowing `Formal` also allows `Temporary`.
enum GrantKind {
    None, // 0: not granted
    Temporary, // 1: short, capped by the dataset's `maxTemporary`, issued at an early stage
    Formal // 2: every approval the policy requires is in
}

/// @notice Lifecycle of an access request.
enum RequestStatus {
    None, // 0: no such request
    Pending, // 1: waiting for approvals
    Temporary, // 2: temporary grant live (may still be upgraded to formal)
    Formal, // 3: formal grant live
    Rejected, // 4: refused by an approver before any grant
    Revoked // 5: a grant was revoked by the provider or a supervisor
}

/// @notice Why `isGrantValid` says no. Stable codes: the custodian maps them to HTTP answers.
enum GrantInvalidReason {
    None, // 0: the grant is valid
    NotGranted, // 1: the request does not exist, is pending or was rejected
    Expired, // 2: the grant's expiresAt has passed
    Revoked, // 3: revoked by the provider or a supervisor
    ConsentRevoked, // 4: the subject withdrew the consent
    ConsentExpired, // 5: the consent ran out
    RequesterSuspended, // 6: the requester was suspended (or suspended and reinstated since)
    DeviceKeyChanged, // 7: the device key the request named was rotated or revoked
    DatasetRetired, // 8: the dataset was retired
    Paused // 9: the ledger is paused by the admin
}

/// @notice A dataset's access policy, set by its provider, never below the category minimum.
struct Policy {
    bool requireProvider; // the provider must approve each request
    uint8 supervisorQuorum; // distinct supervisors that must approve a formal grant
    uint32 maxTemporary; // seconds; 0 disables temporary grants
    uint32 maxFormal; // seconds; the longest formal grant
}

/// @notice When a category lets a temporary grant (released before the formal one) happen.
enum TemporaryRule {
    AfterQuorum, // 0 (default): a temporary grant needs the category's full supervisor quorum
    Early, // 1: a temporary grant needs `temporaryQuorum` supervisors (at most the full quorum)
    Forbidden // 2: no temporary grants in the category
}

// CategoryMinimum is 8 bytes, one slot; solhint sizes the enum field as a whole word.
// solhint-disable gas-struct-packing
/// @notice A floor the supervisors set per category that no dataset policy may go under. It is
///         applied when a policy is set and again at every grant (the floor may rise later).
struct CategoryMinimum {
    bool requireProvider; // every dataset of the category needs provider approval (both kinds)
    uint8 supervisorQuorum; // at least this many supervisors for a formal grant
    TemporaryRule temporary; // what a temporary grant needs (see TemporaryRule)
    uint8 temporaryQuorum; // supervisors a temporary grant needs under Early; 0 otherwise
    uint32 maxTemporary; // seconds; caps the category's temporary grants; 0 = the global ceiling only
}
// solhint-enable gas-struct-packing

// ConsentTerms and GrantView are never stored: ConsentTerms is calldata whose field order is the
// signed EIP-712 type, GrantView a view's return value. Slot packing does not apply to them.
// solhint-disable gas-struct-packing
/// @notice The terms a subject consents to. Hashed (EIP-712) into the consent id.
/// @dev Only (subject, expiresAt, maxKind, status) are stored; the rest is supplied again as
///      calldata when it is used and checked against the id, which saves a storage slot.
struct ConsentTerms {
    address subject; // the person the data is about (EOA or ERC-1271 account)
    address requester; // the member allowed to ask; address(0) = any registered member
    uint64 datasetId; // one dataset; 0 = every dataset of `category` about the subject
    uint8 category; // the category, used when datasetId == 0
    uint32 purpose; // purpose code (names and meanings: docs/CODES.md, from sdk/vocabulary.ts)
    uint8 maxKind; // highest GrantKind allowed
    uint40 expiresAt; // unix seconds; the consent is void from this second on
    bytes32 receiptHash; // hash of the off-chain consent receipt (ISO/IEC TS 27560 fields)
    bytes32 nonce; // random salt chosen by the subject: makes each consent id unique
    uint40 deadline; // unix seconds; the consent cannot be recorded after this
}
// solhint-enable gas-struct-packing

// VersionParams is calldata, never stored (the ledger keeps a VersionRecord): packing does not apply.
// solhint-disable gas-struct-packing
/// @notice A new version of a dataset's ciphertext.
/// @dev `datasetId` and `version` name the slot the key commitment was made for; the ledger
///      accepts them only if they are the id and number it assigns (DatasetsVersionSlotMismatch),
///      so a commitment copied from another dataset can never be registered under its own slot.
struct VersionParams {
    uint64 datasetId; // the id the ledger assigns: nextDatasetId() at registration
    uint32 version; // the number the ledger assigns: latestVersion + 1
    bytes32 merkleRoot; // Merkle root of the stream's chunk hashes: the content commitment (docs/FORMAT.md); non-zero
    bytes32 keyCommitment; // data-key commitment v2 (docs/FORMAT.md): bound to chain, ledger, datasetId, version, merkleRoot
    uint64 size; // ciphertext size in bytes
    bytes32 formatId; // stream format + schema, e.g. "sealshare-stream-v1/ndjson"
    string storageURI; // where the ciphertext lives (blob store URI)
}
// solhint-enable gas-struct-packing

// solhint-disable gas-struct-packing
/// @notice What the custodian needs to release a key, and why not when it must not.
struct GrantView {
    bool valid; // the one bit the custodian trusts
    GrantInvalidReason reason; // why not, when `valid` is false
    GrantKind kind; // kind of the live (or last) grant
    uint40 expiresAt; // unix seconds
    uint64 datasetId;
    uint32 version; // the dataset version the grant covers
    address requester;
    uint40 keyId; // the encryption key the request named
    bytes publicKey; // that key (33-byte compressed secp256k1); empty if it changed
    bytes32 keyCommitment; // the version's data-key commitment, to check the deposit against
}
// solhint-enable gas-struct-packing

// The views' return values: never stored, so slot packing does not apply. Field names and order
// are those of the views' former named outputs, so a client reading by name is unaffected.
// solhint-disable gas-struct-packing
/// @notice A dataset's header (`IDatasets.dataset`).
struct DatasetView {
    address provider; // the current provider (a member institution)
    address subject; // the person the data is about
    uint8 category; // its Category
    bool retired; // retired by its provider: no new request or grant
    uint32 latestVersion; // the latest version number; 0 = none published yet (on-demand dataset)
    Policy policy; // its access policy
}

/// @notice A published version of a dataset (`IDatasets.datasetVersion`).
struct VersionView {
    bytes32 merkleRoot; // Merkle root of the stream's chunk hashes: the content commitment (docs/FORMAT.md)
    bytes32 keyCommitment; // data-key commitment v2 (docs/FORMAT.md)
    uint64 size; // ciphertext size in bytes
    uint40 publishedAt; // unix seconds
}

/// @notice An access request's stored record (`IAccess.requestOf`).
struct RequestView {
    address requester; // the member that asked
    uint64 datasetId; // the dataset asked for
    uint32 version; // the version asked for or granted; 0 = latest, none published yet
    bytes32 consentId; // the consent the request relies on
    uint8 status; // RequestStatus
    uint8 wantKind; // GrantKind asked for
    bool providerApproved; // the provider approved
    uint8 supervisorApprovals; // distinct approvers that still hold SUPERVISOR_ROLE
    uint40 expiresAt; // unix seconds; the live (or last) grant's expiry, 0 if never granted
}

/// @notice The stored part of a consent (`IConsents.consentOf`).
struct ConsentView {
    address subject; // its subject; address(0) = no consent recorded under the id
    uint40 expiresAt; // unix seconds; void from this second on
    uint8 maxKind; // highest GrantKind allowed
    bool revoked; // the subject revoked it
}

/// @notice A device encryption key (`IMembers.encryptionKey`).
struct KeyView {
    address owner; // the key's owner; address(0) = unknown key id
    bytes32 deviceId; // the owner's device it belongs to
    bytes publicKey; // 33-byte compressed secp256k1 key; empty for an unknown id
    bool live; // still the device's current key (not rotated or revoked)
}
// solhint-enable gas-struct-packing
