// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Policy, CategoryMinimum, TemporaryRule, VersionParams, DatasetView, VersionView} from "../common/Types.sol";

/// @title Datasets
/// @notice Providers register encrypted datasets about a subject (hashes, sizes and a URI; never
///         data or keys), publish append-only versions, set policy, retire and transfer them.
interface IDatasets {
    /// @notice No dataset has id `datasetId`.
    error DatasetsUnknown(uint64 datasetId);
    /// @notice `caller` is not the dataset's current provider.
    error DatasetsNotProvider(uint64 datasetId, address caller);
    /// @notice The dataset was retired; nothing more can be requested or published.
    error DatasetsRetired(uint64 datasetId);
    /// @notice The policy is below the category's floor: provider approval or supervisor quorum
    ///         under it, a temporary maximum above the category's `maxTemporary` when set, or
    ///         non-zero in a category that forbids temporary grants.
    error DatasetsPolicyBelowMinimum(uint8 category, Policy policy, CategoryMinimum minimum);
    /// @notice The policy's `supervisorQuorum` is above `maxSupervisors` (MAX_SUPERVISORS): no
    ///         request could ever reach it.
    error DatasetsQuorumTooHigh(uint8 supervisorQuorum, uint8 maxSupervisors);
    /// @notice The policy's `maxFormal` is 0: no formal grant could be made.
    error DatasetsNoFormalMaximum();
    /// @notice The policy's temporary maximum is above its formal maximum (seconds).
    error DatasetsTemporaryAboveFormal(uint32 maxTemporary, uint32 maxFormal);
    /// @notice The policy's temporary maximum is above `ceiling` (MAX_TEMPORARY_SECONDS, seconds).
    error DatasetsTemporaryAboveCeiling(uint32 maxTemporary, uint32 ceiling);
    /// @notice `category` is not a known Category.
    error DatasetsInvalidCategory(uint8 category);
    /// @notice The category minimum's `supervisorQuorum` is above `maxSupervisors` (MAX_SUPERVISORS):
    ///         no policy could meet it, so the category would become ungrantable.
    error DatasetsCategoryQuorumTooHigh(uint8 category, uint8 supervisorQuorum, uint8 maxSupervisors);
    /// @notice The category minimum's early `temporaryQuorum` is above its full `supervisorQuorum`:
    ///         an early stage cannot need more approvals than the formal grant.
    error DatasetsCategoryEarlyQuorumAboveQuorum(uint8 category, uint8 temporaryQuorum, uint8 supervisorQuorum);
    /// @notice The category minimum sets a `temporaryQuorum` while its temporary `rule` is not
    ///         `TemporaryRule.Early` (the only rule that reads it): the number would mean nothing.
    error DatasetsCategoryEarlyQuorumWithoutEarly(uint8 category, uint8 temporaryQuorum, TemporaryRule rule);
    /// @notice The category minimum's `maxTemporary` is above `ceiling` (MAX_TEMPORARY_SECONDS,
    ///         seconds): the global ceiling caps every temporary grant anyway.
    error DatasetsCategoryTemporaryAboveCeiling(uint8 category, uint32 maxTemporary, uint32 ceiling);
    /// @notice The category minimum caps temporary grants (`maxTemporary`, seconds) while its rule
    ///         is `TemporaryRule.Forbidden`: a cap on grants that cannot exist would mislead readers.
    error DatasetsCategoryTemporaryCapWhenForbidden(uint8 category, uint32 maxTemporary);
    /// @notice `version` does not exist for `datasetId`.
    error DatasetsUnknownVersion(uint64 datasetId, uint32 version);
    /// @notice A version must carry a ciphertext hash, a non-zero Merkle root (the key commitment
    ///         binds it), a key commitment and a non-zero size.
    error DatasetsInvalidVersion(uint64 datasetId);
    /// @notice The version declares (`givenDatasetId`, `givenVersion`) but the ledger assigns
    ///         (`datasetId`, `version`): its key commitment was made for another slot (a lost race
    ///         for the id: recompute with nextDatasetId() and resend; or a copied commitment).
    error DatasetsVersionSlotMismatch(uint64 datasetId, uint32 version, uint64 givenDatasetId, uint32 givenVersion);
    /// @notice The subject must be a non-zero address.
    error DatasetsInvalidSubject();

    /// @notice `provider` registered `datasetId` about `subject`. On-demand datasets carry a
    ///         `sourceRef` and no version until the provider's adapter publishes one.
    /// @param datasetId The new dataset's id.
    /// @param provider The member that registered it and approves for it.
    /// @param subject The person the data is about.
    /// @param category Its Category.
    /// @param policy Its access policy.
    /// @param sourceRef Reference of the data source an on-demand adapter pulls from (or zero).
    event DatasetRegistered(
        uint64 indexed datasetId,
        address indexed provider,
        address indexed subject,
        uint8 category,
        Policy policy,
        bytes32 sourceRef
    );
    /// @notice A new ciphertext version of `datasetId`.
    /// @param datasetId The dataset.
    /// @param version The new version number (1, 2, ...).
    /// @param provider The provider that published it.
    /// @param merkleRoot Merkle root of the stream's chunk hashes: the content commitment (docs/FORMAT.md).
    /// @param keyCommitment Commitment to the version's data key.
    /// @param size Ciphertext size in bytes.
    /// @param formatId Stream format and schema.
    /// @param storageURI Where the ciphertext lives.
    event DatasetVersionPublished(
        uint64 indexed datasetId,
        uint32 indexed version,
        address indexed provider,
        bytes32 merkleRoot,
        bytes32 keyCommitment,
        uint64 size,
        bytes32 formatId,
        string storageURI
    );
    /// @notice The provider changed the dataset's policy.
    /// @param datasetId The dataset.
    /// @param oldPolicy The policy before.
    /// @param newPolicy The policy from now on.
    event DatasetPolicyChanged(uint64 indexed datasetId, Policy oldPolicy, Policy newPolicy);
    /// @notice Stewardship moved from `from` to `to`; `to` approves from now on.
    /// @param datasetId The dataset.
    /// @param from The provider before.
    /// @param to The provider from now on.
    event DatasetTransferred(uint64 indexed datasetId, address indexed from, address indexed to);
    /// @notice The dataset was retired by its provider.
    /// @param datasetId The dataset.
    /// @param provider The provider that retired it.
    event DatasetRetired(uint64 indexed datasetId, address indexed provider);
    /// @notice Supervisors changed the floor for `category`.
    /// @param category The Category.
    /// @param oldMinimum The floor before.
    /// @param newMinimum The floor from now on.
    event CategoryMinimumChanged(uint8 indexed category, CategoryMinimum oldMinimum, CategoryMinimum newMinimum);

    /// @notice Registers a dataset with its first version (`first.size == 0` and an empty hash
    ///         registers an on-demand dataset with no version yet, identified by `sourceRef`).
    /// @dev Caller must be an active member; it becomes the provider. Emits {DatasetRegistered}
    ///      and, with a first version, {DatasetVersionPublished}.
    /// @param subject The person the data is about (non-zero).
    /// @param category A Category.
    /// @param policy The access policy, at or above the category minimum.
    /// @param sourceRef Reference of the data source for an on-demand dataset (or zero).
    /// @param first The first version, or all zero for an on-demand dataset. Its `datasetId` must
    ///        be nextDatasetId() and its `version` 1, the slot its key commitment binds
    ///        (else {DatasetsVersionSlotMismatch}); the SDK retries with a fresh id if another
    ///        registration took it first.
    /// @return datasetId The new dataset's id.
    function registerDataset(
        address subject,
        uint8 category,
        Policy calldata policy,
        bytes32 sourceRef,
        VersionParams calldata first
    ) external returns (uint64 datasetId);

    /// @notice Appends a version. Only the current provider. Emits {DatasetVersionPublished}.
    /// @dev `version.datasetId` must be `datasetId` and `version.version` latestVersion + 1, the
    ///      slot its key commitment binds (else {DatasetsVersionSlotMismatch}).
    /// @param datasetId The dataset.
    /// @param version The new ciphertext's slot, hashes, size, format and URI.
    /// @return The new version number.
    function publishVersion(uint64 datasetId, VersionParams calldata version) external returns (uint32);

    /// @notice Replaces the policy (never below the category minimum; temporary cap ≤ formal cap,
    ///         ≤ 1 day, ≤ the category's cap, 0 where the category forbids temporary grants).
    ///         Emits {DatasetPolicyChanged}.
    /// @param datasetId The dataset.
    /// @param policy The new policy.
    function setPolicy(uint64 datasetId, Policy calldata policy) external;

    /// @notice Hands stewardship to another active member. Emits {DatasetTransferred}.
    /// @param datasetId The dataset.
    /// @param newProvider An active member.
    function transferDataset(uint64 datasetId, address newProvider) external;

    /// @notice Retires the dataset: no new requests or versions; live grants stop. Works while
    ///         paused (it only reduces access). Emits {DatasetRetired}.
    /// @param datasetId The dataset.
    function retireDataset(uint64 datasetId) external;

    /// @notice Sets the floor for a category. Requires SUPERVISOR_ROLE. Emits {CategoryMinimumChanged}.
    /// @dev The floor applies to grants at once, including requests made and datasets registered
    ///      before: provider approval (both kinds), the formal quorum, and for temporary grants the
    ///      rule (AfterQuorum: the full quorum; Early: `temporaryQuorum`; Forbidden: none) and the
    ///      cap. Checked in this order, one error per failure: supervisorQuorum ≤ 32
    ///      ({DatasetsCategoryQuorumTooHigh}), temporaryQuorum ≤ supervisorQuorum
    ///      ({DatasetsCategoryEarlyQuorumAboveQuorum}), temporaryQuorum 0 unless Early
    ///      ({DatasetsCategoryEarlyQuorumWithoutEarly}), maxTemporary ≤ 1 day
    ///      ({DatasetsCategoryTemporaryAboveCeiling}) and 0 under Forbidden
    ///      ({DatasetsCategoryTemporaryCapWhenForbidden}); an unknown category reverts
    ///      {DatasetsInvalidCategory} first.
    /// @param category A Category.
    /// @param minimum The floor every dataset of the category must meet from now on.
    function setCategoryMinimum(uint8 category, CategoryMinimum calldata minimum) external;

    /// @notice A dataset's header.
    /// @param datasetId An existing dataset.
    /// @return The provider, subject, category, retired flag, latest version and policy (see {DatasetView}).
    function dataset(uint64 datasetId) external view returns (DatasetView memory);

    /// @notice The id the next registered dataset will get: what a provider binds its first
    ///         version's key commitment to (`VersionParams.datasetId`).
    function nextDatasetId() external view returns (uint64);
    /// @notice A version's hashes and size.
    /// @param datasetId The dataset.
    /// @param version A published version.
    /// @return The ciphertext's SHA-256, Merkle root, key commitment, size and publication time (see {VersionView}).
    function datasetVersion(uint64 datasetId, uint32 version) external view returns (VersionView memory);
}
