// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Key-release receipts
/// @notice The custodian records each key release, one by one or sealed in batches as a Merkle
///         root (OpenZeppelin MerkleProof leaves), so anyone can verify a release's inclusion.
interface IReceipts {
    /// @notice The request was never granted, so no key could have been released for it.
    error ReceiptsNotGranted(uint256 requestId);
    /// @notice A batch with this id was already sealed.
    error ReceiptsBatchExists(bytes16 batchId);
    /// @notice A batch needs a non-zero root and count.
    error ReceiptsEmptyBatch();

    /// @notice The custodian released the data key of `requestId`, wrapped to the request's key.
    /// @param requestId The granted request.
    /// @param datasetId Its dataset.
    /// @param requester Its requester.
    /// @param kind The GrantKind the key was released under.
    /// @param envelopeHash Hash of the signed envelope the custodian served.
    event KeyReleased(
        uint256 indexed requestId, uint64 indexed datasetId, address indexed requester, uint8 kind, bytes32 envelopeHash
    );
    /// @notice The custodian sealed `count` releases under `root`.
    /// @param batchId The batch's UUID.
    /// @param root Merkle root of the batch's receipt leaves ({receiptLeaf}).
    /// @param count How many releases the batch holds.
    event ReceiptBatchSealed(bytes16 indexed batchId, bytes32 root, uint32 count);

    /// @notice Records one release. Requires CUSTODIAN_ROLE. Emits {KeyReleased}.
    /// @param requestId A request that was granted.
    /// @param kind The GrantKind the key was released under.
    /// @param envelopeHash Hash of the signed envelope served.
    function recordRelease(uint256 requestId, uint8 kind, bytes32 envelopeHash) external;

    /// @notice Seals a batch of releases. Requires CUSTODIAN_ROLE. Emits {ReceiptBatchSealed}.
    /// @param batchId A new batch UUID.
    /// @param root Merkle root of the batch's receipt leaves (non-zero).
    /// @param count How many releases the batch holds (non-zero).
    function sealReceiptBatch(bytes16 batchId, bytes32 root, uint32 count) external;

    /// @notice The leaf of a release in a batch: keccak256(bytes.concat(keccak256(abi.encode(
    ///         requestId, kind, envelopeHash, releasedAt)))), as OpenZeppelin's StandardMerkleTree.
    /// @param requestId The granted request.
    /// @param kind The GrantKind the key was released under.
    /// @param envelopeHash Hash of the signed envelope served.
    /// @param releasedAt Unix seconds of the release.
    function receiptLeaf(uint256 requestId, uint8 kind, bytes32 envelopeHash, uint40 releasedAt)
        external
        pure
        returns (bytes32);

    /// @notice True if `leaf` is in sealed batch `batchId`.
    /// @param batchId A sealed batch.
    /// @param leaf A receipt leaf ({receiptLeaf}).
    /// @param proof Its Merkle inclusion proof, as the custodian serves it.
    function verifyReceipt(bytes16 batchId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool);

    /// @notice A sealed batch's root (zero if none). The count and time are in {ReceiptBatchSealed}:
    ///         only the root is stored, which keeps a batch of 100 under 500 gas per release.
    /// @param batchId A batch UUID.
    /// @return root The sealed root, zero if none.
    function receiptBatchRoot(bytes16 batchId) external view returns (bytes32 root);
}
