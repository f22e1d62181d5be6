// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SealshareBase} from "./SealshareBase.sol";
import {Members} from "./Members.sol";
import {IDatasets} from "../interfaces/IDatasets.sol";
import {Category, Policy, CategoryMinimum, TemporaryRule, VersionParams, DatasetView, VersionView} from "../common/Types.sol";

/// @title Datasets (see {IDatasets}).
/// @notice Encrypted datasets' registry: versions (append-only), policy, transfer, retirement.
abstract contract Datasets is SealshareBase, Members, IDatasets {
    /// @dev Two slots. Slot 1: provider, category, retired, latestVersion, policy flags and
    ///      maxTemporary; slot 2: subject, maxFormal, registeredAt.
    struct DatasetRecord {
        address provider;
        uint8 category;
        bool retired;
        uint32 latestVersion;
        bool requireProvider;
        uint8 supervisorQuorum;
        uint32 maxTemporary;
        address subject;
        uint32 maxFormal;
        uint40 registeredAt;
    }

    /// @dev Append-only: a version, once written, is never changed.
    struct VersionRecord {
        bytes32 merkleRoot;
        bytes32 keyCommitment;
        uint64 size;
        uint40 publishedAt;
    }

    mapping(uint64 datasetId => DatasetRecord) private _datasets;
    mapping(uint64 datasetId => mapping(uint32 version => VersionRecord)) private _versions;
    mapping(uint8 category => CategoryMinimum) private _categoryMinimum;

    /// @inheritdoc IDatasets
    function registerDataset(
        address subject,
        uint8 category,
        Policy calldata policy,
        bytes32 sourceRef,
        VersionParams calldata first
    ) external whenNotPaused returns (uint64 datasetId) {
        _requireActiveMember(msg.sender);
        if (subject == address(0)) revert DatasetsInvalidSubject();
        if (category > uint8(type(Category).max)) revert DatasetsInvalidCategory(category);
        _checkPolicy(category, policy);
        datasetId = ++_globals.lastDatasetId;
        _datasets[datasetId] = DatasetRecord({
            provider: msg.sender,
            category: category,
            retired: false,
            latestVersion: 0,
            requireProvider: policy.requireProvider,
            supervisorQuorum: policy.supervisorQuorum,
            maxTemporary: policy.maxTemporary,
            subject: subject,
            maxFormal: policy.maxFormal,
            registeredAt: _now()
        });
        emit DatasetRegistered(datasetId, msg.sender, subject, category, policy, sourceRef);
        // An on-demand dataset starts with no version (all zero): its adapter publishes one on request.
        if (first.merkleRoot != bytes32(0) || first.keyCommitment != bytes32(0) || first.size != 0) _appendVersion(datasetId, _datasets[datasetId], first);
    }

    /// @inheritdoc IDatasets
    function publishVersion(uint64 datasetId, VersionParams calldata version) external whenNotPaused returns (uint32) {
        DatasetRecord storage d = _requireProviderOf(datasetId);
        return _appendVersion(datasetId, d, version);
    }

    /// @inheritdoc IDatasets
    function setPolicy(uint64 datasetId, Policy calldata policy) external whenNotPaused {
        DatasetRecord storage d = _requireProviderOf(datasetId);
        _checkPolicy(d.category, policy);
        Policy memory old = _policyOf(d);
        d.requireProvider = policy.requireProvider;
        d.supervisorQuorum = policy.supervisorQuorum;
        d.maxTemporary = policy.maxTemporary;
        d.maxFormal = policy.maxFormal;
        emit DatasetPolicyChanged(datasetId, old, policy);
    }

    /// @inheritdoc IDatasets
    function transferDataset(uint64 datasetId, address newProvider) external whenNotPaused {
        DatasetRecord storage d = _requireProviderOf(datasetId);
        _requireActiveMember(newProvider);
        d.provider = newProvider;
        emit DatasetTransferred(datasetId, msg.sender, newProvider);
    }

    /// @inheritdoc IDatasets
    /// @dev Not `whenNotPaused`: it only reduces access, which must stay possible in an emergency.
    function retireDataset(uint64 datasetId) external {
        DatasetRecord storage d = _requireProviderOf(datasetId);
        d.retired = true;
        emit DatasetRetired(datasetId, msg.sender);
    }

    /// @inheritdoc IDatasets
    function setCategoryMinimum(uint8 category, CategoryMinimum calldata minimum)
        external
        onlyRole(SUPERVISOR_ROLE)
        whenNotPaused
    {
        if (category > uint8(type(Category).max)) revert DatasetsInvalidCategory(category);
        // A quorum no policy may reach would make the category ungrantable; an early quorum
        // above the full one, or set without Early, would mean nothing; a temporary cap above
        // the ceiling or under Forbidden would mislead readers of the floor.
        TemporaryRule rule = minimum.temporary;
        uint8 quorum = minimum.supervisorQuorum;
        uint8 early = minimum.temporaryQuorum;
        uint32 cap = minimum.maxTemporary;
        if (quorum > MAX_SUPERVISORS) revert DatasetsCategoryQuorumTooHigh(category, quorum, MAX_SUPERVISORS);
        if (early > quorum) revert DatasetsCategoryEarlyQuorumAboveQuorum(category, early, quorum);
        if (early != 0 && rule != TemporaryRule.Early) {
            revert DatasetsCategoryEarlyQuorumWithoutEarly(category, early, rule);
        }
        if (cap > MAX_TEMPORARY_SECONDS) {
            revert DatasetsCategoryTemporaryAboveCeiling(category, cap, MAX_TEMPORARY_SECONDS);
        }
        if (cap != 0 && rule == TemporaryRule.Forbidden) {
            revert DatasetsCategoryTemporaryCapWhenForbidden(category, cap);
        }
        CategoryMinimum memory old = _categoryMinimum[category];
        _categoryMinimum[category] = minimum;
        emit CategoryMinimumChanged(category, old, minimum);
    }

    /// @inheritdoc IDatasets
    function dataset(uint64 datasetId) external view returns (DatasetView memory) {
        DatasetRecord storage d = _requireDataset(datasetId);
        return DatasetView({
            provider: d.provider,
            subject: d.subject,
            category: d.category,
            retired: d.retired,
            latestVersion: d.latestVersion,
            policy: _policyOf(d)
        });
    }

    /// @inheritdoc IDatasets
    function nextDatasetId() external view returns (uint64) {
        return _globals.lastDatasetId + 1;
    }

    /// @inheritdoc IDatasets
    function datasetVersion(uint64 datasetId, uint32 version) external view returns (VersionView memory) {
        VersionRecord storage v = _versions[datasetId][version];
        if (v.publishedAt == 0) revert DatasetsUnknownVersion(datasetId, version);
        return VersionView({
            merkleRoot: v.merkleRoot,
            keyCommitment: v.keyCommitment,
            size: v.size,
            publishedAt: v.publishedAt
        });
    }

    /// @dev The stored record of dataset `datasetId` (provider zero: none), for the modules that
    ///      read datasets (Access). Only this module writes it.
    function _datasetRecord(uint64 datasetId) internal view returns (DatasetRecord storage) {
        return _datasets[datasetId];
    }

    /// @dev Version `version` of dataset `datasetId` (publishedAt zero: not published).
    function _versionRecord(uint64 datasetId, uint32 version) internal view returns (VersionRecord storage) {
        return _versions[datasetId][version];
    }

    /// @dev The floor the supervisors set for `category` (all zero: none).
    function _categoryFloor(uint8 category) internal view returns (CategoryMinimum storage) {
        return _categoryMinimum[category];
    }

    function _requireDataset(uint64 datasetId) internal view returns (DatasetRecord storage d) {
        d = _datasets[datasetId];
        if (d.provider == address(0)) revert DatasetsUnknown(datasetId);
    }

    /// @dev The caller must be the dataset's current provider and still an active member.
    function _requireProviderOf(uint64 datasetId) internal view returns (DatasetRecord storage d) {
        return _requireProviderOf(datasetId, msg.sender);
    }

    /// @dev `account` must be the dataset's current provider and still an active member (the
    ///      caller, or the signer of a relayed approval: one rule for both paths).
    function _requireProviderOf(uint64 datasetId, address account) internal view returns (DatasetRecord storage d) {
        d = _requireDataset(datasetId);
        if (d.provider != account) revert DatasetsNotProvider(datasetId, account);
        if (d.retired) revert DatasetsRetired(datasetId);
        _requireActiveMember(account);
    }

    function _appendVersion(uint64 datasetId, DatasetRecord storage d, VersionParams calldata v)
        private
        returns (uint32 version)
    {
        if (v.merkleRoot == bytes32(0) || v.keyCommitment == bytes32(0) || v.size == 0) {
            revert DatasetsInvalidVersion(datasetId);
        }
        version = ++d.latestVersion;
        _checkSlot(datasetId, version, v);
        _versions[datasetId][version] = VersionRecord(v.merkleRoot, v.keyCommitment, v.size, _now());
        emit DatasetVersionPublished(
            datasetId, version, msg.sender, v.merkleRoot, v.keyCommitment, v.size, v.formatId, v.storageURI
        );
    }

    /// @dev The version's declared slot must be the one the ledger assigns: its key commitment
    ///      was computed for that slot (sdk/stream/commitment.ts), so a commitment made for
    ///      another dataset or version, e.g. copied from someone else's, is refused here.
    function _checkSlot(uint64 datasetId, uint32 version, VersionParams calldata v) private pure {
        if (v.datasetId != datasetId || v.version != version) {
            revert DatasetsVersionSlotMismatch(datasetId, version, v.datasetId, v.version);
        }
    }

    /// @dev A policy meets the category floor, and its temporary cap is within the formal one,
    ///      the global ceiling, the category's cap (when set), and zero if the category forbids
    ///      temporary grants. The floor is applied again at every grant (Access._advance).
    function _checkPolicy(uint8 category, Policy calldata p) private view {
        // The policy's own shape first, then the category's floor.
        if (p.supervisorQuorum > MAX_SUPERVISORS) revert DatasetsQuorumTooHigh(p.supervisorQuorum, MAX_SUPERVISORS);
        if (p.maxFormal == 0) revert DatasetsNoFormalMaximum();
        if (p.maxTemporary > p.maxFormal) revert DatasetsTemporaryAboveFormal(p.maxTemporary, p.maxFormal);
        if (p.maxTemporary > MAX_TEMPORARY_SECONDS) {
            revert DatasetsTemporaryAboveCeiling(p.maxTemporary, MAX_TEMPORARY_SECONDS);
        }
        CategoryMinimum memory min = _categoryMinimum[category];
        if (
            (min.requireProvider && !p.requireProvider) || p.supervisorQuorum < min.supervisorQuorum
                || (min.maxTemporary != 0 && p.maxTemporary > min.maxTemporary)
                || (min.temporary == TemporaryRule.Forbidden && p.maxTemporary != 0)
        ) revert DatasetsPolicyBelowMinimum(category, p, min);
    }

    function _policyOf(DatasetRecord storage d) private view returns (Policy memory) {
        return Policy(d.requireProvider, d.supervisorQuorum, d.maxTemporary, d.maxFormal);
    }
}
