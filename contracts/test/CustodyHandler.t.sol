// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {vm} from "./Vm.t.sol";
import {ISealshareLedger, SealshareTestBase} from "./SealshareTestBase.t.sol";
import {ICustody} from "../interfaces/ICustody.sol";
import {ConsentTerms, GrantKind, Policy, VersionParams} from "../common/Types.sol";
import {IAccess} from "../interfaces/IAccess.sol";

/// @title Invariant-test handler for threshold custody: random sequences on one ledger + custody
/// @notice The fuzzer calls these with random arguments; each bounds them to the actors and
///         objects it controls, acts through `vm.prank`, and keeps a ghost model of what custody
///         must hold (serving set per version, shredded versions, sets each version has used,
///         shred confirmations, supervisors' votes, custodians' key rotations). Refused calls
///         leave no trace; a call custody accepts that the model says it must refuse counts a
///         violation. CustodyInvariants.t.sol judges the model against the contract.
/// @dev Both contracts are deployed from their production artifacts (vm.getCode): what is
///      tested is what ships.
contract CustodyHandler is SealshareTestBase {
    bytes32 internal constant CUSTODIAN_DEVICE = keccak256("sealshare-custodian");
    uint256 internal constant DATASETS = 2;
    uint256 internal constant SETS = 3;

    ISealshareLedger public ledger;
    ICustody public custody;

    address[4] public custodians;
    /// @dev The sets: 1 = 2-of-3 [c0, c1, c2]; 2 = 1-of-1 [c3]; 3 = 3-of-4 [c0, c1, c2, c3].
    mapping(uint32 setId => address[]) internal members;
    mapping(uint32 setId => uint8) public thresholdOf;
    mapping(uint32 setId => bool) public retired;
    /// @dev keyId each set recorded per custodian, and the custodian's live key id now.
    mapping(uint32 setId => mapping(address custodian => uint40)) internal recordedKey;
    mapping(address custodian => uint40) internal liveKey;

    uint64[DATASETS] public datasetIds;
    mapping(uint64 datasetId => uint32) public latestVersion;
    mapping(uint8 category => uint8) public minThreshold;
    mapping(address supervisor => bool) public isSupervisor;

    // The ghost model.
    mapping(uint64 datasetId => mapping(uint32 version => uint32)) public servingSet;
    mapping(uint64 datasetId => mapping(uint32 version => uint32)) public shreddedSet; // serving set when shredded; 0 = not
    mapping(uint64 datasetId => mapping(uint32 version => mapping(uint32 setId => bool))) public used;
    mapping(uint64 datasetId => mapping(uint32 version => mapping(uint32 setId => uint16))) public confirmed;
    mapping(uint64 datasetId => mapping(uint32 version => address[])) internal voters;

    /// @dev The formal grants of version 1 of each dataset (request ids).
    uint256[DATASETS] public grants;

    uint256 public violations;
    uint256 public deposits;
    uint256 public shreds;
    uint256 public confirmations;

    constructor() {
        _makeActors();
        ledger = _deployWorld();
        isSupervisor[sup0] = true;
        isSupervisor[sup1] = true;
        bytes memory init = abi.encodePacked(vm.getCode("SealshareCustody.sol:SealshareCustody"), abi.encode(ledger));
        address deployed;
        assembly ("memory-safe") {
            deployed := create(0, add(init, 0x20), mload(init))
        }
        require(deployed != address(0), "custody deployment failed");
        custody = ICustody(deployed);
        vm.label(deployed, "custody");

        custodians = [custodian, vm.addr(0xC1), vm.addr(0xC2), vm.addr(0xC3)];
        for (uint256 i = 0; i < 4; ++i) {
            address c = custodians[i];
            if (i > 0) {
                vm.prank(admin);
                ledger.grantRole(CUSTODIAN_ROLE, c);
            }
            _publishCustodianKey(c, 4 + i);
        }
        _registerSet(_list(0, 1, 2), 2);
        _registerSet(_list(3, 3, 3), 1);
        address[] memory all = new address[](4);
        for (uint256 i = 0; i < 4; ++i) all[i] = custodians[i];
        _registerSet(all, 3);

        Policy memory policy = _policy(true, 1, HOUR, 30 * DAY);
        // Versions are read from the ledger before the prank (a view call would consume it).
        VersionParams memory first = _firstVersion(ledger, 1);
        vm.prank(bank);
        datasetIds[0] = ledger.registerDataset(ana, 0, policy, bytes32(0), first);
        first = _firstVersion(ledger, 2);
        vm.prank(bank);
        datasetIds[1] = ledger.registerDataset(ben, 1, policy, bytes32(0), first);
        latestVersion[datasetIds[0]] = 1;
        latestVersion[datasetIds[1]] = 1;

        // One formal grant of version 1 of each dataset to insurer: what shareGrant answers about.
        grants[0] = _grant(datasetIds[0], ana, 0);
        grants[1] = _grant(datasetIds[1], ben, 1);
    }

    /// @dev `subject` consents, insurer asks for version 1 of `datasetId`, bank and sup0 approve.
    function _grant(uint64 datasetId, address subject, uint8 category) internal returns (uint256 requestId) {
        ConsentTerms memory t = ConsentTerms({
            subject: subject,
            requester: insurer,
            datasetId: datasetId,
            category: category,
            purpose: 1,
            maxKind: uint8(GrantKind.Formal),
            expiresAt: uint40(block.timestamp + 365 * DAY),
            receiptHash: bytes32(0),
            nonce: keccak256(abi.encode("custody grant", datasetId)),
            deadline: uint40(block.timestamp)
        });
        IAccess.RequestParams memory params = IAccess.RequestParams({
            datasetId: datasetId,
            version: 1,
            purpose: 1,
            kind: uint8(GrantKind.Formal),
            duration: 7 * DAY,
            deviceId: _device(insurer)
        });
        vm.prank(subject);
        ledger.giveConsent(t);
        vm.prank(insurer);
        requestId = ledger.requestAccess(params, t);
        vm.prank(bank);
        ledger.approveAsProvider(requestId);
        vm.prank(sup0);
        ledger.approveAsSupervisor(requestId);
        require(ledger.isGrantValid(requestId).valid, "grant not made");
    }

    // ------------------------------------------------------------------------- actions

    /// @notice The provider (or, one time in four, a stranger) deposits a version's shares to a set.
    function depositShares(uint256 datasetSeed, uint256 versionSeed, uint256 setSeed, bytes32 root, uint256 callerSeed)
        external
    {
        (uint64 d, uint32 v) = _version(datasetSeed, versionSeed);
        uint32 setId = uint32(setSeed % SETS) + 1;
        address caller = callerSeed % 4 == 0 ? mallory : bank;
        bool mustRefuse = caller != bank || root == bytes32(0) || ledger.paused() || shreddedSet[d][v] != 0
            || retired[setId] || thresholdOf[setId] < minThreshold[d == datasetIds[0] ? 0 : 1] || used[d][v][setId]
            || !_keysUnchanged(setId);
        uint32 before = servingSet[d][v];
        vm.prank(caller);
        try custody.depositShares(d, v, setId, root) {
            if (mustRefuse) ++violations;
            servingSet[d][v] = setId;
            used[d][v][setId] = true;
            ++deposits;
            if (before != 0) _checkOrdered(d, v, before);
        } catch {}
    }

    /// @notice The provider (or a stranger) orders the serving set's shares shredded.
    function orderShred(uint256 datasetSeed, uint256 versionSeed, uint256 callerSeed) external {
        (uint64 d, uint32 v) = _version(datasetSeed, versionSeed);
        address caller = callerSeed % 4 == 0 ? insurer : bank;
        bool mustRefuse = caller != bank || ledger.paused() || servingSet[d][v] == 0 || shreddedSet[d][v] != 0;
        vm.prank(caller);
        try custody.orderShred(d, v) {
            if (mustRefuse) ++violations;
            shreddedSet[d][v] = servingSet[d][v];
            ++shreds;
        } catch {}
    }

    /// @notice A supervisor (or sup2, who may not hold the role) votes to shred a version.
    function voteShred(uint256 datasetSeed, uint256 versionSeed, uint256 voterSeed) external {
        (uint64 d, uint32 v) = _version(datasetSeed, versionSeed);
        address voter = [sup0, sup1, sup2][voterSeed % 3];
        bool voted;
        for (uint256 i = 0; i < voters[d][v].length; ++i) if (voters[d][v][i] == voter) voted = true;
        bool mustRefuse = !isSupervisor[voter] || ledger.paused() || servingSet[d][v] == 0 || shreddedSet[d][v] != 0
            || voted;
        vm.prank(voter);
        try custody.voteShred(d, v) {
            if (mustRefuse) ++violations;
            voters[d][v].push(voter);
            uint256 live;
            for (uint256 i = 0; i < voters[d][v].length; ++i) if (isSupervisor[voters[d][v][i]]) ++live;
            bool ordered = custody.custodyOf(d, v).shredded;
            // Ordered exactly when the votes of current supervisors reach the quorum.
            if (ordered != (live >= custody.shredQuorum())) ++violations;
            if (ordered) {
                shreddedSet[d][v] = servingSet[d][v];
                ++shreds;
            }
        } catch {}
    }

    /// @notice A custodian (or a non-member of the set) confirms a shred.
    function confirmShred(uint256 datasetSeed, uint256 versionSeed, uint256 setSeed, uint256 custodianSeed) external {
        (uint64 d, uint32 v) = _version(datasetSeed, versionSeed);
        uint32 setId = uint32(setSeed % SETS) + 1;
        address c = custodians[custodianSeed % 4];
        (bool inSet, uint8 index) = _indexOf(setId, c);
        bool ordered = shreddedSet[d][v] == setId || (used[d][v][setId] && servingSet[d][v] != setId);
        bool mustRefuse = !inSet || !ordered || (confirmed[d][v][setId] >> index) & 1 == 1;
        vm.prank(c);
        try custody.confirmShred(d, v, setId) {
            if (mustRefuse) ++violations;
            confirmed[d][v][setId] |= uint16(1) << index;
            ++confirmations;
        } catch {}
    }

    /// @notice The provider publishes a new version.
    function publishVersion(uint256 datasetSeed, uint256 tag) external {
        uint64 d = datasetIds[datasetSeed % DATASETS];
        if (latestVersion[d] >= 4) return;
        uint32 next = latestVersion[d] + 1;
        vm.prank(bank);
        try ledger.publishVersion(d, _versionParams(d, next, tag)) {
            latestVersion[d] = next;
        } catch {}
    }

    /// @notice A custodian rotates its share key: sets recording the old one take no deposit.
    function rotateCustodianKey(uint256 custodianSeed, uint256 tag) external {
        address c = custodians[custodianSeed % 4];
        _publishCustodianKey(c, tag);
    }

    /// @notice The admin retires a set.
    function retireSet(uint256 setSeed) external {
        uint32 setId = uint32(setSeed % SETS) + 1;
        vm.prank(admin);
        try custody.retireSet(setId) {
            retired[setId] = true;
        } catch {}
    }

    /// @notice A supervisor sets a category's minimum threshold (0..4).
    function setMinThreshold(uint256 categorySeed, uint256 thresholdSeed) external {
        uint8 category = uint8(categorySeed % 2);
        uint8 t = uint8(thresholdSeed % 5);
        address s = isSupervisor[sup0] ? sup0 : isSupervisor[sup1] ? sup1 : sup2;
        vm.prank(s);
        try custody.setCategoryMinThreshold(category, t) {
            if (!isSupervisor[s]) ++violations;
            minThreshold[category] = t;
        } catch {}
    }

    /// @notice The admin grants or revokes sup0's, sup1's or sup2's SUPERVISOR_ROLE.
    function toggleSupervisor(uint256 seed) external {
        address s = [sup0, sup1, sup2][seed % 3];
        vm.prank(admin);
        if (isSupervisor[s]) ledger.revokeRole(SUPERVISOR_ROLE, s);
        else ledger.grantRole(SUPERVISOR_ROLE, s);
        isSupervisor[s] = !isSupervisor[s];
    }

    /// @notice The admin sets the shred quorum to 1, 2 or 3.
    function setShredQuorum(uint256 seed) external {
        vm.prank(admin);
        custody.setShredQuorum(uint8(seed % 3) + 1);
    }

    /// @notice The admin pauses or unpauses the ledger.
    function togglePause() external {
        vm.prank(admin);
        if (ledger.paused()) ledger.unpause();
        else ledger.pause();
    }

    // ------------------------------------------------------------------------- model reads

    /// @notice The members of set `setId`, in share order.
    function membersOf(uint32 setId) external view returns (address[] memory) {
        return members[setId];
    }

    /// @notice `custodian`'s index in set `setId`, if it is a member.
    function indexIn(uint32 setId, address custodian) external view returns (bool, uint8) {
        return _indexOf(setId, custodian);
    }

    /// @notice The dataset ids the handler drives.
    function datasetAt(uint256 i) external view returns (uint64) {
        return datasetIds[i];
    }

    // ------------------------------------------------------------------------- helpers

    function _version(uint256 datasetSeed, uint256 versionSeed) internal view returns (uint64 d, uint32 v) {
        d = datasetIds[datasetSeed % DATASETS];
        v = uint32(versionSeed % latestVersion[d]) + 1;
    }

    function _checkOrdered(uint64 d, uint32 v, uint32 replaced) internal {
        if (custody.shredOf(d, v, replaced).orderedAt == 0) ++violations;
    }

    function _keysUnchanged(uint32 setId) internal view returns (bool) {
        address[] storage m = members[setId];
        for (uint256 i = 0; i < m.length; ++i) if (recordedKey[setId][m[i]] != liveKey[m[i]]) return false;
        return true;
    }

    function _indexOf(uint32 setId, address c) internal view returns (bool, uint8) {
        address[] storage m = members[setId];
        for (uint256 i = 0; i < m.length; ++i) if (m[i] == c) return (true, uint8(i));
        return (false, 0);
    }

    function _publishCustodianKey(address c, uint256 tag) internal {
        (bytes memory publicKey, bytes32 y, bytes memory sig) = _keyProof(ledger, tag, c, CUSTODIAN_DEVICE);
        vm.prank(c);
        try ledger.publishEncryptionKey(CUSTODIAN_DEVICE, publicKey, y, sig) returns (uint40 keyId) {
            liveKey[c] = keyId;
        } catch {}
    }

    function _registerSet(address[] memory list, uint8 t) internal {
        vm.prank(admin);
        uint32 setId = custody.registerSet(list, t);
        thresholdOf[setId] = t;
        for (uint256 i = 0; i < list.length; ++i) {
            members[setId].push(list[i]);
            recordedKey[setId][list[i]] = liveKey[list[i]];
        }
    }

    /// @dev Custodians i, j, k as a list (one entry when all three are equal).
    function _list(uint256 i, uint256 j, uint256 k) internal view returns (address[] memory list) {
        if (i == j && j == k) {
            list = new address[](1);
            list[0] = custodians[i];
            return list;
        }
        list = new address[](3);
        (list[0], list[1], list[2]) = (custodians[i], custodians[j], custodians[k]);
    }
}
