// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GrantView, DatasetView} from "../common/Types.sol";
import {CustodianSets} from "./CustodianSets.sol";
import {ICustody} from "../interfaces/ICustody.sol";
import {ICustodyLedger} from "./ICustodyLedger.sol";

/// @title Sealshare threshold custody
/// @notice Where each dataset version's key shares are (which custodian set, under which shares
///         root), when they were ordered destroyed and which custodians confirmed it, and the one
///         view a custodian trusts before serving its share ({shareGrant}). The interface
///         ({ICustody}) is the spec; custodian sets and thresholds are in {CustodianSets}.
/// @dev Deployed beside the ledger with the ledger's address, because the ledger is at the
///      EIP-170 size limit. Non-upgradeable, like the ledger.
///
///      Invariants (contracts/test/CustodyInvariants.t.sol fuzzes them against a model;
///      test/contracts/custody.test.ts pins each rule case by case):
///      - a version's shares are served by at most one set: `_custody[d][v].setId`;
///      - a version is shredded iff the shred of its serving set was ordered; once shredded it
///        takes no deposit, order or vote again (irreversible);
///      - a set holds a version's shares at most once: a set that was replaced has its shred
///        ordered (`_shreds[d][v][old].orderedAt ≠ 0`), and a deposit to it is refused;
///      - a shred's `confirmed` bitmap only has bits below its set's n, each set once.
contract SealshareCustody is CustodianSets {
    /// @dev Where a version's shares are: the root, and in one more slot the serving set and
    ///      when it was deposited.
    struct VersionCustody {
        bytes32 sharesRoot;
        uint32 setId;
        uint40 depositedAt;
    }

    /// @dev A shred order of one set's shares of one version, one slot.
    struct ShredRecord {
        uint40 orderedAt;
        uint16 confirmed;
    }

    mapping(uint64 datasetId => mapping(uint32 version => VersionCustody)) private _custody;
    mapping(uint64 datasetId => mapping(uint32 version => mapping(uint32 setId => ShredRecord))) private _shreds;
    mapping(uint64 datasetId => mapping(uint32 version => address[])) private _shredVoters;
    mapping(uint64 datasetId => mapping(uint32 version => mapping(address supervisor => bool))) private _voted;

    /// @notice Deploys custody for one ledger.
    /// @param ledger_ The Sealshare ledger (immutable).
    constructor(ICustodyLedger ledger_) CustodianSets(ledger_) {}

    // ---------------------------------------------------------------------------------------
    // Deposits
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ICustody
    /// @dev Check order: pause, root, dataset (the ledger's DatasetsUnknown), provider, version,
    ///      shredded, set (unknown, retired, minimum), already used, custodians' keys.
    function depositShares(uint64 datasetId, uint32 version, uint32 setId, bytes32 sharesRoot) external {
        _checkNotPaused();
        if (sharesRoot == 0) revert CustodyInvalidSharesRoot();
        DatasetView memory d = _providedBySender(datasetId);
        // Versions are append-only and never deleted: 1 .. latestVersion all exist.
        if (version == 0 || version > d.latestVersion) revert CustodyUnknownVersion(datasetId, version);
        VersionCustody storage c = _custody[datasetId][version];
        uint32 replaced = c.setId;
        if (replaced != 0 && _shreds[datasetId][version][replaced].orderedAt != 0) {
            revert CustodyVersionShredded(datasetId, version);
        }
        SetRecord memory s = _set(setId);
        if (s.n == 0) revert CustodyUnknownSet(setId);
        if (!s.active) revert CustodySetRetired(setId);
        uint8 minimum = _categoryMinimum(d.category);
        if (s.threshold < minimum) revert CustodyThresholdBelowMinimum(setId, s.threshold, d.category, minimum);
        // Only a version deposited before can have a set that held it (a first deposit skips a read).
        if (replaced != 0 && (replaced == setId || _shreds[datasetId][version][setId].orderedAt != 0)) {
            revert CustodySetAlreadyUsed(datasetId, version, setId);
        }
        _checkKeysUnchanged(setId, s.n);

        c.sharesRoot = sharesRoot;
        c.setId = setId;
        c.depositedAt = _now();
        if (replaced != 0) _orderShred(datasetId, version, replaced);
        emit SharesDeposited(datasetId, version, setId, sharesRoot, replaced);
    }

    /// @dev Reverts {CustodyCustodianKeyChanged} if a custodian's live key under
    ///      CUSTODIAN_DEVICE_ID is not the one the set recorded: the provider wraps shares to the
    ///      recorded key ids, and a rotated or revoked key may be lost or leaked.
    function _checkKeysUnchanged(uint32 setId, uint256 n) private view {
        for (uint256 i = 0; i < n; ++i) {
            SetMember memory m = _member(setId, i);
            uint40 current = _LEDGER.currentKeyId(m.custodian, CUSTODIAN_DEVICE_ID);
            if (current != m.keyId) revert CustodyCustodianKeyChanged(setId, m.custodian, m.keyId, current);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Shredding
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ICustody
    function orderShred(uint64 datasetId, uint32 version) external {
        _checkNotPaused();
        _providedBySender(datasetId);
        _orderShred(datasetId, version, _servingSet(datasetId, version));
    }

    /// @inheritdoc ICustody
    /// @dev A vote counts while its giver holds SUPERVISOR_ROLE; the count is taken at each vote,
    ///      so a quorum reached with votes of former supervisors is not a quorum.
    function voteShred(uint64 datasetId, uint32 version) external {
        _checkNotPaused();
        _checkRole(SUPERVISOR_ROLE);
        uint32 setId = _servingSet(datasetId, version);
        if (_voted[datasetId][version][msg.sender]) revert CustodyAlreadyVoted(datasetId, version, msg.sender);
        _voted[datasetId][version][msg.sender] = true;
        _shredVoters[datasetId][version].push(msg.sender);
        uint8 votes = _liveVotes(datasetId, version);
        emit ShredVoted(datasetId, version, msg.sender, votes);
        if (votes >= shredQuorum()) _orderShred(datasetId, version, setId);
    }

    /// @inheritdoc ICustody
    function confirmShred(uint64 datasetId, uint32 version, uint32 setId) external {
        uint8 index = _indexOf(setId, msg.sender);
        if (index == NOT_IN_SET) revert CustodyNotInSet(setId, msg.sender);
        ShredRecord storage r = _shreds[datasetId][version][setId];
        if (r.orderedAt == 0) revert CustodyShredNotOrdered(datasetId, version, setId);
        uint16 bit = uint16(1) << index;
        if (r.confirmed & bit != 0) revert CustodyAlreadyConfirmed(datasetId, version, setId, msg.sender);
        r.confirmed |= bit;
        emit ShredConfirmed(datasetId, version, setId, msg.sender, index);
    }

    /// @dev The set serving (`datasetId`, `version`); reverts {CustodyNotDeposited} when none,
    ///      {CustodyVersionShredded} when its shred was ordered already.
    function _servingSet(uint64 datasetId, uint32 version) private view returns (uint32 setId) {
        setId = _custody[datasetId][version].setId;
        if (setId == 0) revert CustodyNotDeposited(datasetId, version);
        if (_shreds[datasetId][version][setId].orderedAt != 0) revert CustodyVersionShredded(datasetId, version);
    }

    /// @dev Orders set `setId`'s shares of the version destroyed, by the caller (the provider,
    ///      or the supervisor whose vote reached the quorum). Emits {ShredOrdered}.
    function _orderShred(uint64 datasetId, uint32 version, uint32 setId) private {
        uint40 orderedAt = _now();
        _shreds[datasetId][version][setId].orderedAt = orderedAt;
        emit ShredOrdered(datasetId, version, setId, msg.sender, orderedAt);
    }

    /// @dev The votes to shred the version whose givers still hold SUPERVISOR_ROLE.
    function _liveVotes(uint64 datasetId, uint32 version) private view returns (uint8 votes) {
        address[] storage voters = _shredVoters[datasetId][version];
        uint256 n = voters.length;
        for (uint256 i = 0; i < n; ++i) {
            if (_LEDGER.hasRole(SUPERVISOR_ROLE, voters[i])) ++votes;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ICustody
    function shareGrant(uint256 requestId, address custodian) external view returns (ShareGrantView memory v) {
        GrantView memory g = _LEDGER.isGrantValid(requestId);
        v.grant = g;
        v.index = NOT_IN_SET;
        VersionCustody storage c = _custody[g.datasetId][g.version];
        uint32 setId = c.setId;
        if (setId != 0) {
            SetRecord memory s = _set(setId);
            v.setId = setId;
            v.index = _indexOf(setId, custodian);
            v.threshold = s.threshold;
            v.n = s.n;
            v.sharesRoot = c.sharesRoot;
            v.shredded = _shreds[g.datasetId][g.version][setId].orderedAt != 0;
        }
        if (!g.valid) v.reason = ShareInvalidReason.GrantInvalid;
        else if (setId == 0) v.reason = ShareInvalidReason.NotDeposited;
        else if (v.shredded) v.reason = ShareInvalidReason.Shredded;
        else if (v.index == NOT_IN_SET) v.reason = ShareInvalidReason.NotInSet;
        v.valid = v.reason == ShareInvalidReason.None;
    }

    /// @inheritdoc ICustody
    function custodyOf(uint64 datasetId, uint32 version) external view returns (CustodyView memory) {
        VersionCustody storage c = _custody[datasetId][version];
        return CustodyView({
            setId: c.setId,
            sharesRoot: c.sharesRoot,
            depositedAt: c.depositedAt,
            shredded: c.setId != 0 && _shreds[datasetId][version][c.setId].orderedAt != 0
        });
    }

    /// @inheritdoc ICustody
    function shredOf(uint64 datasetId, uint32 version, uint32 setId) public view returns (ShredView memory v) {
        ShredRecord storage r = _shreds[datasetId][version][setId];
        v.orderedAt = r.orderedAt;
        v.confirmed = r.confirmed;
        if (r.orderedAt != 0) {
            uint16 all = uint16((uint256(1) << _set(setId).n) - 1);
            v.pending = all & ~r.confirmed;
        }
    }

    /// @inheritdoc ICustody
    function unconfirmedShred(uint64 datasetId, uint32 version, uint32 setId) external view returns (address[] memory list) {
        uint16 pending = shredOf(datasetId, version, setId).pending;
        uint256 count = 0;
        for (uint16 p = pending; p != 0; p &= p - 1) ++count;
        list = new address[](count);
        uint256 k = 0;
        for (uint256 i = 0; i < MAX_CUSTODIANS && k < count; ++i) {
            if ((uint256(pending) >> i) & 1 != 0) {
                list[k] = _member(setId, i).custodian;
                ++k;
            }
        }
    }

    /// @inheritdoc ICustody
    function shredVotes(uint64 datasetId, uint32 version) external view returns (uint8) {
        return _liveVotes(datasetId, version);
    }

    // ---------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------

    /// @dev The dataset's header; reverts {CustodyNotProvider} unless the caller is its current
    ///      provider (the ledger reverts DatasetsUnknown for an unknown id).
    function _providedBySender(uint64 datasetId) private view returns (DatasetView memory d) {
        d = _LEDGER.dataset(datasetId);
        if (d.provider != msg.sender) revert CustodyNotProvider(datasetId, msg.sender);
    }

    /// @dev Reverts {CustodyLedgerPaused} while the ledger is paused: a shred is irreversible,
    ///      so an incident pause stops it (and deposits) until the admin lifts it.
    function _checkNotPaused() private view {
        if (_LEDGER.paused()) revert CustodyLedgerPaused();
    }

    /// @dev The time seam (unix seconds), as the ledger's.
    function _now() internal view virtual returns (uint40) {
        return uint40(block.timestamp);
    }
}
