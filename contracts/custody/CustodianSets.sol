// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICustody} from "../interfaces/ICustody.sol";
import {ICustodyLedger} from "./ICustodyLedger.sol";

/// @title Custodian sets, category minimum thresholds and the ledger link
/// @notice The half of {SealshareCustody} that is configuration: the admin registers and retires
///         custodian sets, supervisors set per-category minimum thresholds, the admin sets the
///         supervisors' shred quorum. Roles are the ledger's, read at each call.
/// @dev Deposits and shreds (SealshareCustody) read the sets through {_set}, {_member},
///      {_indexOf} and {_categoryMinimum}; only this file writes them.
abstract contract CustodianSets is ICustody {
    /// @inheritdoc ICustody
    bytes32 public constant CUSTODIAN_DEVICE_ID = keccak256("sealshare-custodian");
    /// @inheritdoc ICustody
    uint8 public constant MAX_CUSTODIANS = 16;
    /// @inheritdoc ICustody
    uint8 public constant NOT_IN_SET = type(uint8).max;

    /// @dev The ledger's role ids (SealshareBase), repeated so that a role check is one call.
    bytes32 internal constant ADMIN_ROLE = 0x00;
    bytes32 internal constant SUPERVISOR_ROLE = keccak256("SUPERVISOR_ROLE");
    bytes32 internal constant CUSTODIAN_ROLE = keccak256("CUSTODIAN_ROLE");
    /// @dev Category.Other, the last Category (contracts/common/Types.sol).
    uint8 private constant LAST_CATEGORY = 6;
    /// @dev The ledger's MAX_SUPERVISORS: a shred quorum above it could never be reached.
    uint8 private constant MAX_SHRED_QUORUM = 32;

    /// @dev One slot per set. Invariant: 1 ≤ threshold ≤ n ≤ MAX_CUSTODIANS, and members
    ///      0 .. n-1 are set, distinct, and each one's `_indexPlusOne` is its position + 1.
    struct SetRecord {
        uint8 threshold;
        uint8 n;
        bool active;
    }

    /// @dev A custodian and the key id its shares are wrapped to, one slot.
    struct SetMember {
        address custodian;
        uint40 keyId;
    }

    /// @dev The ledger, trusted for roles, datasets, keys, grants and the pause switch.
    ICustodyLedger internal immutable _LEDGER;

    /// @dev One slot of configuration: the set counter, the shred quorum and the seven
    ///      categories' minimum thresholds (index = Category).
    uint32 private _lastSetId;
    uint8 private _shredQuorum;
    uint8[7] private _categoryMin;

    mapping(uint32 setId => SetRecord) private _sets;
    mapping(uint32 setId => mapping(uint256 index => SetMember)) private _members;
    mapping(uint32 setId => mapping(address custodian => uint8 indexPlusOne)) private _indexPlusOne;

    /// @notice Links custody to its ledger; the shred quorum starts at 2.
    /// @param ledger_ The Sealshare ledger (immutable: custody follows one ledger for life).
    constructor(ICustodyLedger ledger_) {
        _LEDGER = ledger_;
        _shredQuorum = 2;
    }

    /// @dev Reverts {CustodyUnauthorizedAccount} unless the caller holds the ledger's `role`.
    function _checkRole(bytes32 role) internal view {
        if (!_LEDGER.hasRole(role, msg.sender)) revert CustodyUnauthorizedAccount(msg.sender, role);
    }

    /// @inheritdoc ICustody
    function registerSet(address[] calldata custodians, uint8 threshold) external returns (uint32 setId) {
        _checkRole(ADMIN_ROLE);
        uint256 n = custodians.length;
        if (n == 0 || n > MAX_CUSTODIANS) revert CustodyInvalidSetSize(n, MAX_CUSTODIANS);
        if (threshold == 0 || threshold > n) revert CustodyInvalidThreshold(threshold, n);
        setId = ++_lastSetId;
        uint40[] memory keyIds = new uint40[](n);
        for (uint256 i = 0; i < n; ++i) {
            address c = custodians[i];
            if (_indexPlusOne[setId][c] != 0) revert CustodyDuplicateCustodian(c);
            if (!_LEDGER.hasRole(CUSTODIAN_ROLE, c)) revert CustodyNotCustodian(c);
            uint40 keyId = _LEDGER.currentKeyId(c, CUSTODIAN_DEVICE_ID);
            if (keyId == 0) revert CustodyNoCustodianKey(c);
            _members[setId][i] = SetMember({custodian: c, keyId: keyId});
            _indexPlusOne[setId][c] = uint8(i + 1);
            keyIds[i] = keyId;
        }
        _sets[setId] = SetRecord({threshold: threshold, n: uint8(n), active: true});
        emit CustodianSetRegistered(setId, custodians, keyIds, threshold);
    }

    /// @inheritdoc ICustody
    function retireSet(uint32 setId) external {
        _checkRole(ADMIN_ROLE);
        SetRecord storage s = _existingSet(setId);
        if (!s.active) revert CustodySetRetired(setId);
        s.active = false;
        emit CustodianSetRetired(setId, msg.sender);
    }

    /// @inheritdoc ICustody
    function setCategoryMinThreshold(uint8 category, uint8 threshold) external {
        _checkRole(SUPERVISOR_ROLE);
        if (category > LAST_CATEGORY) revert CustodyInvalidCategory(category);
        if (threshold > MAX_CUSTODIANS) revert CustodyMinThresholdTooHigh(threshold, MAX_CUSTODIANS);
        uint8 old = _categoryMin[category];
        _categoryMin[category] = threshold;
        emit CustodyCategoryMinThresholdChanged(category, old, threshold, msg.sender);
    }

    /// @inheritdoc ICustody
    function setShredQuorum(uint8 quorum) external {
        _checkRole(ADMIN_ROLE);
        if (quorum == 0 || quorum > MAX_SHRED_QUORUM) revert CustodyInvalidShredQuorum(quorum, MAX_SHRED_QUORUM);
        uint8 old = _shredQuorum;
        _shredQuorum = quorum;
        emit CustodyShredQuorumChanged(old, quorum);
    }

    /// @inheritdoc ICustody
    function custodianSet(uint32 setId) external view returns (CustodianSetView memory v) {
        SetRecord storage s = _existingSet(setId);
        uint256 n = s.n;
        v.custodians = new address[](n);
        v.keyIds = new uint40[](n);
        for (uint256 i = 0; i < n; ++i) {
            SetMember storage m = _members[setId][i];
            v.custodians[i] = m.custodian;
            v.keyIds[i] = m.keyId;
        }
        v.threshold = s.threshold;
        v.active = s.active;
    }

    /// @inheritdoc ICustody
    function categoryMinThreshold(uint8 category) external view returns (uint8) {
        if (category > LAST_CATEGORY) revert CustodyInvalidCategory(category);
        return _categoryMin[category];
    }

    /// @inheritdoc ICustody
    function shredQuorum() public view returns (uint8) {
        return _shredQuorum;
    }

    /// @inheritdoc ICustody
    function lastSetId() external view returns (uint32) {
        return _lastSetId;
    }

    /// @inheritdoc ICustody
    function ledger() external view returns (address) {
        return address(_LEDGER);
    }

    /// @dev Set `setId`'s record, reverting {CustodyUnknownSet} if it was never registered.
    function _existingSet(uint32 setId) internal view returns (SetRecord storage s) {
        s = _sets[setId];
        if (s.n == 0) revert CustodyUnknownSet(setId);
    }

    /// @dev Set `setId`'s record (all zero for an unknown id).
    function _set(uint32 setId) internal view returns (SetRecord memory) {
        return _sets[setId];
    }

    /// @dev Member `index` of set `setId`.
    function _member(uint32 setId, uint256 index) internal view returns (SetMember memory) {
        return _members[setId][index];
    }

    /// @dev `custodian`'s share index in set `setId`, or NOT_IN_SET.
    function _indexOf(uint32 setId, address custodian) internal view returns (uint8) {
        uint8 plusOne = _indexPlusOne[setId][custodian];
        return plusOne == 0 ? NOT_IN_SET : plusOne - 1;
    }

    /// @dev The minimum threshold of `category` (a Category read from the ledger: in range).
    function _categoryMinimum(uint8 category) internal view returns (uint8) {
        return _categoryMin[category];
    }
}
