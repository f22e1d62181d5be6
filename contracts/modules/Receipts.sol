// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Access} from "./Access.sol";
import {IReceipts} from "../interfaces/IReceipts.sol";

/// @title Key-release receipts (see {IReceipts}).
/// @notice The custodian's record of key releases, one by one or sealed in Merkle batches.
/// @dev A one-by-one receipt is an event only: the ledger's job is to make the release
///      public and attributable to the custodian, and the custodian's own store dedupes.
///      Receipts are not stopped by the pause: they record facts that already happened, and an
///      auditor needs them most during an emergency.
abstract contract Receipts is Access, IReceipts {
    mapping(bytes16 batchId => bytes32 root) private _batchRoots;

    /// @inheritdoc IReceipts
    function recordRelease(uint256 requestId, uint8 kind, bytes32 envelopeHash)
        external
        onlyRole(CUSTODIAN_ROLE)
    {
        RequestRecord storage r = _requestRecord(requestId);
        if (!_wasGranted(r.status)) revert ReceiptsNotGranted(requestId);
        emit KeyReleased(requestId, r.datasetId, r.requester, kind, envelopeHash);
    }

    /// @inheritdoc IReceipts
    function sealReceiptBatch(bytes16 batchId, bytes32 root, uint32 count)
        external
        onlyRole(CUSTODIAN_ROLE)
    {
        if (root == bytes32(0) || count == 0) revert ReceiptsEmptyBatch();
        if (_batchRoots[batchId] != bytes32(0)) revert ReceiptsBatchExists(batchId);
        _batchRoots[batchId] = root;
        emit ReceiptBatchSealed(batchId, root, count);
    }

    /// @inheritdoc IReceipts
    function receiptLeaf(uint256 requestId, uint8 kind, bytes32 envelopeHash, uint40 releasedAt)
        public
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(requestId, kind, envelopeHash, releasedAt))));
    }

    /// @inheritdoc IReceipts
    function verifyReceipt(bytes16 batchId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool) {
        bytes32 root = _batchRoots[batchId];
        return root != bytes32(0) && MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IReceipts
    function receiptBatchRoot(bytes16 batchId) external view returns (bytes32) {
        return _batchRoots[batchId];
    }
}
