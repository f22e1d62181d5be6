// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GrantInvalidReason, GrantKind, GrantView} from "../../common/Types.sol";

/// @title A stand-in ledger for GrantValidityReader's edge cases
/// @notice Answers `isGrantValid` as no real ledger can: request 1 reverts, and every other id
///         is a valid grant naming a key longer than 33 bytes (`keyLength` bytes of 0xab). The
///         reader must then flag the revert, and report the long key as length 0xff, key empty.
contract GrantLedgerDouble {
    /// @notice The stand-in has no answer for `requestId`.
    error GrantLedgerDoubleNoAnswer(uint256 requestId);

    /// @notice The length of the key every answer names.
    uint256 public immutable keyLength;

    /// @param keyLength_ Length in bytes of the public key in every answer.
    constructor(uint256 keyLength_) {
        keyLength = keyLength_;
    }

    /// @notice Reverts for request 1; otherwise a valid formal grant with a `keyLength`-byte key.
    /// @param requestId Any id.
    function isGrantValid(uint256 requestId) external view returns (GrantView memory g) {
        if (requestId == 1) revert GrantLedgerDoubleNoAnswer(requestId);
        g.valid = true;
        g.reason = GrantInvalidReason.None;
        g.kind = GrantKind.Formal;
        g.expiresAt = 1_000;
        g.datasetId = 7;
        g.version = 2;
        g.requester = address(0xBEEF);
        g.keyId = 9;
        g.publicKey = new bytes(keyLength);
        for (uint256 i = 0; i < keyLength; ++i) {
            g.publicKey[i] = 0xab;
        }
        g.keyCommitment = keccak256("commitment");
    }
}
