// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsentTerms} from "./Types.sol";

// The EIP-712 struct hashes that more than one contract computes (the ledger and its
// ShareApprovalVerifier), in one place so they cannot drift. The type strings match
// sdk/eip712.ts (CONSENT_TYPES, SHARE_APPROVAL_TYPES); the domain is the ledger's.
// EIP-712 type strings are as long as their types; they are hashed at compile time.
// solhint-disable gas-small-strings

/// @dev keccak256 of the EIP-712 type of a consent's terms (the struct a subject signs).
bytes32 constant CONSENT_TYPE_HASH = keccak256(
    "Consent(address subject,address requester,uint64 datasetId,uint8 category,uint32 purpose,uint8 maxKind,uint40 expiresAt,bytes32 receiptHash,bytes32 nonce,uint40 deadline)"
);

/// @dev keccak256 of the EIP-712 type of an approval given by signature (IAccess.relayShares):
///      the consent it relies on, the version-independent request terms, and the signer, its
///      role and a deadline. The domain adds the chain id and the ledger's address.
bytes32 constant SHARE_APPROVAL_TYPE_HASH = keccak256(
    "ShareApproval(bytes32 consentId,address requester,uint64 datasetId,uint32 purpose,uint8 kind,uint32 duration,address approver,bool asSupervisor,uint40 deadline)"
);
// solhint-enable gas-small-strings

/// @dev The EIP-712 struct hash of consent terms (the consent id is its typed-data digest).
function consentStructHash(ConsentTerms calldata t) pure returns (bytes32) {
    return keccak256(
        abi.encode(
            CONSENT_TYPE_HASH,
            t.subject,
            t.requester,
            t.datasetId,
            t.category,
            t.purpose,
            t.maxKind,
            t.expiresAt,
            t.receiptHash,
            t.nonce,
            t.deadline
        )
    );
}
