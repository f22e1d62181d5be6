// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccess} from "../interfaces/IAccess.sol";
import {GrantView} from "../common/Types.sol";

/// @title Batch read of `isGrantValid`, without a deployment ("deployless" call)
/// @notice Never deployed. The custodian sends an `eth_call` with no `to` and
///         `data = creationCode ‖ abi.encode(ledger, requestIds)`: the node runs this constructor
///         as a contract creation in a throw-away state, and what the constructor `return`s
///         (the would-be runtime code) is the call's output. One call (at one block tag) answers
///         for a whole round of releases instead of one call each, on any node, with nothing to
///         deploy; it reads the ledger only through its public view, so it cannot answer
///         anything the ledger would not. Kept out of the ledger contract (at its size limit).
/// @dev The output is what a creation may return: at most 24,576 bytes (EIP-170), not starting
///      with 0xEF (EIP-3541). So it is packed: the block number the answers are from (8 bytes,
///      so the caller knows which block "latest" was), then RECORD bytes per id, in the order asked:
///        [0]      flags: bit 0 valid, bit 1 the view reverted (the rest of the record is zero)
///        [1]      reason (GrantInvalidReason)     [2]      kind (GrantKind)
///        [3..8)   expiresAt (uint40)              [8..16)  datasetId (uint64)
///        [16..20) version (uint32)                [20..25) keyId (uint40)
///        [25..45) requester                       [45]     publicKey length (0..33; 0xff if longer)
///        [46..79) publicKey, zero-padded          [79..111) keyCommitment
///      i.e. at most 221 ids per call (service/release/grant-reader.ts sends 200).
contract GrantValidityReader {
    uint256 private constant RECORD = 111;

    /// @notice Reads `ledger.isGrantValid(id)` for every id and returns the packed records.
    /// @param ledger The Sealshare ledger.
    /// @param requestIds The request ids to read, in the order of the answers.
    constructor(IAccess ledger, uint256[] memory requestIds) {
        uint256 n = requestIds.length;
        bytes memory out = new bytes(8 + n * RECORD);
        bytes8 blockNo = bytes8(uint64(block.number));
        // solhint-disable-next-line no-inline-assembly
        assembly {
            mstore(add(out, 32), blockNo)
        }
        for (uint256 i = 0; i < n; ++i) {
            bytes memory rec;
            try ledger.isGrantValid(requestIds[i]) returns (GrantView memory v) {
                uint256 keyLength = v.publicKey.length;
                bytes memory key = v.publicKey;
                if (keyLength > 33) {
                    keyLength = 0xff;
                    key = "";
                }
                rec = abi.encodePacked(
                    uint8(v.valid ? 1 : 0),
                    uint8(v.reason),
                    uint8(v.kind),
                    v.expiresAt,
                    v.datasetId,
                    v.version,
                    v.keyId,
                    v.requester,
                    uint8(keyLength),
                    bytes.concat(key, new bytes(33 - key.length)),
                    v.keyCommitment
                );
            } catch {
                rec = new bytes(RECORD);
                rec[0] = 0x02;
            }
            // solhint-disable-next-line no-inline-assembly
            assembly {
                mcopy(add(add(out, 40), mul(i, RECORD)), add(rec, 32), RECORD)
            }
        }
        // solhint-disable-next-line no-inline-assembly
        assembly {
            return(add(out, 32), mload(out))
        }
    }
}
