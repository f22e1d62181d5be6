// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccess} from "../../interfaces/IAccess.sol";
import {IMembers} from "../../interfaces/IMembers.sol";
import {ConsentTerms} from "../../common/Types.sol";

/// @title Benchmark helper: a member institution that files many access requests per transaction
/// @notice Not part of Sealshare. `npm run bench` uses it to put a backlog of thousands of grants
///         on a local chain in a few blocks (for the custodian's ingestion rate) instead of one
///         signed transaction per grant. It goes through the ledger's public entry points like any
///         member: the supervisor registers it, it publishes a device key, the subject consents to it.
contract BenchRequester {
    /// @notice Publishes this contract's encryption key for `deviceId` (it is a member like any other).
    /// @param ledger The Sealshare ledger.
    /// @param deviceId This contract's device id.
    /// @param publicKey A 33-byte compressed secp256k1 key.
    /// @param publicKeyY The key's y coordinate.
    /// @param possessionSignature The key's KeyPossession proof with this contract as owner.
    /// @return The new key's id.
    function publishKey(
        IMembers ledger,
        bytes32 deviceId,
        bytes calldata publicKey,
        bytes32 publicKeyY,
        bytes calldata possessionSignature
    ) external returns (uint40) {
        return ledger.publishEncryptionKey(deviceId, publicKey, publicKeyY, possessionSignature);
    }

    /// @notice Files `count` identical requests under `consent`; returns the last request id.
    /// @param ledger The Sealshare ledger.
    /// @param p The request parameters, the same for every request.
    /// @param consent The terms of a consent recorded for this contract.
    /// @param count How many requests to file.
    /// @return last The last request's id.
    function requestMany(IAccess ledger, IAccess.RequestParams calldata p, ConsentTerms calldata consent, uint256 count)
        external
        returns (uint256 last)
    {
        for (uint256 i = 0; i < count; ++i) {
            last = ledger.requestAccess(p, consent);
        }
    }
}
