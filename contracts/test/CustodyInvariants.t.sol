// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {vm} from "./Vm.t.sol";
import {CustodyHandler} from "./CustodyHandler.t.sol";
import {ICustody} from "../interfaces/ICustody.sol";

/// @title Invariant tests of threshold custody (SealshareCustody's header lists them)
/// @notice The fuzzer drives CustodyHandler (the only target) through random deposits (by the
///         provider and by strangers), changes of set, shred orders, supervisors' votes under
///         role changes and quorum changes, confirmations by members and non-members, key
///         rotations, set retirements, floor changes and pauses. After each call every
///         invariant below must hold against the handler's ghost model.
contract CustodyInvariantsTest {
    CustodyHandler internal handler;
    ICustody internal custody;

    function setUp() public {
        handler = new CustodyHandler();
        custody = handler.custody();
    }

    /// @notice A target contract and the functions of it the fuzzer may call (Foundry's shape).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice Only the handler is fuzzed.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The handler's actions, weighted (an action listed n times is n times as likely).
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        CustodyHandler h = handler;
        bytes4[20] memory weighted = [
            h.depositShares.selector,
            h.depositShares.selector,
            h.depositShares.selector,
            h.depositShares.selector,
            h.orderShred.selector,
            h.voteShred.selector,
            h.voteShred.selector,
            h.voteShred.selector,
            h.voteShred.selector,
            h.toggleSupervisor.selector,
            h.toggleSupervisor.selector,
            h.confirmShred.selector,
            h.confirmShred.selector,
            h.confirmShred.selector,
            h.publishVersion.selector,
            h.rotateCustodianKey.selector,
            h.retireSet.selector,
            h.setMinThreshold.selector,
            h.toggleSupervisor.selector,
            h.togglePause.selector
        ];
        bytes4[] memory selectors = new bytes4[](weighted.length + 1);
        for (uint256 i = 0; i < weighted.length; ++i) {
            selectors[i] = weighted[i];
        }
        selectors[weighted.length] = h.setShredQuorum.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(h), selectors);
    }

    /// @notice Guards the guard: a scripted run reaches deposits, a change of set, shreds by the
    ///         provider and by vote, and confirmations, so the invariants cannot pass vacuously.
    function test_handlerReachesDepositsShredsAndConfirmations() public {
        handler.depositShares(0, 0, 0, keccak256("root a"), 1); // dataset 0 v1 -> set 1
        vm.assertTrue(custody.shareGrant(handler.grants(0), handler.custodians(1)).valid, "set 1's c1 serves the grant");
        vm.assertFalse(custody.shareGrant(handler.grants(0), handler.custodians(3)).valid, "c3 is not in set 1");
        handler.depositShares(0, 0, 1, keccak256("root b"), 1); // change of set -> set 2
        handler.depositShares(1, 0, 2, keccak256("root c"), 1); // dataset 1 v1 -> set 3
        handler.confirmShred(0, 0, 0, 1); // c1 confirms set 1's shred (replaced)
        handler.orderShred(0, 0, 1); // the provider shreds dataset 0 v1 (set 2)
        handler.voteShred(1, 0, 0); // sup0
        handler.voteShred(1, 0, 1); // sup1: quorum 2, ordered
        handler.confirmShred(1, 0, 2, 3); // c3 confirms set 3's shred
        vm.assertEq(handler.deposits(), 3, "deposits made");
        vm.assertEq(handler.shreds(), 2, "shreds ordered (provider + vote)");
        vm.assertEq(handler.confirmations(), 2, "confirmations made");
        vm.assertEq(handler.violations(), 0, "no violation");
        invariant_custodyMatchesTheModel();
        invariant_shredsAndConfirmationsMatchTheModel();
        invariant_nothingRefusableWasAccepted();
        invariant_shareGrantIsValidExactlyWhenEveryConditionHolds();
    }

    /// @notice Votes of accounts that lost SUPERVISOR_ROLE do not count towards the quorum, and
    ///         a re-appointed supervisor's vote counts again (scripted: the fuzzer reaches this
    ///         sequence only now and then).
    function test_staleVotesDoNotCount() public {
        handler.depositShares(0, 0, 0, keccak256("root"), 1); // dataset 0 v1 -> set 1
        handler.voteShred(0, 0, 0); // sup0 votes
        handler.toggleSupervisor(0); // sup0 loses the role
        vm.assertEq(uint256(custody.shredVotes(handler.datasetAt(0), 1)), 0, "a former supervisor's vote counts");
        handler.voteShred(0, 0, 1); // sup1: one live vote, quorum 2
        vm.assertFalse(custody.custodyOf(handler.datasetAt(0), 1).shredded, "ordered below the quorum");
        handler.toggleSupervisor(0); // sup0 is re-appointed: its vote counts again
        vm.assertEq(uint256(custody.shredVotes(handler.datasetAt(0), 1)), 2, "votes of current supervisors");
        handler.toggleSupervisor(2); // sup2 appointed
        handler.voteShred(0, 0, 2); // its vote orders (3 >= 2)
        vm.assertTrue(custody.custodyOf(handler.datasetAt(0), 1).shredded, "not ordered at the quorum");
        vm.assertEq(handler.violations(), 0, "no violation");
    }

    /// @notice No call that the rules refuse was accepted: deposits by non-providers, to
    ///         retired, weaker or re-used sets, with a changed custodian key, while paused or
    ///         after a shred; orders by non-providers; votes by non-supervisors or twice; a shred
    ///         ordered by votes of fewer current supervisors than the quorum (or not ordered at
    ///         it); confirmations by non-members, twice or without an order.
    function invariant_nothingRefusableWasAccepted() public view {
        vm.assertEq(handler.violations(), 0, "custody accepted a call its rules refuse");
    }

    /// @notice Each version is served by at most one set (the last deposit), under a non-zero
    ///         root; a shredded version keeps the set it was shredded on, forever.
    function invariant_custodyMatchesTheModel() public view {
        for (uint256 i = 0; i < 2; ++i) {
            uint64 d = handler.datasetAt(i);
            for (uint32 v = 1; v <= handler.latestVersion(d); ++v) {
                ICustody.CustodyView memory c = custody.custodyOf(d, v);
                vm.assertEq(uint256(c.setId), uint256(handler.servingSet(d, v)), "serving set");
                vm.assertEq(c.sharesRoot != bytes32(0), c.setId != 0, "a serving set has a non-zero root");
                uint32 shreddedOn = handler.shreddedSet(d, v);
                vm.assertEq(c.shredded, shreddedOn != 0, "shredded flag");
                if (shreddedOn != 0) vm.assertEq(uint256(c.setId), uint256(shreddedOn), "a shredded version changed set");
            }
        }
    }

    /// @notice A set that held a version and was replaced has its shred ordered; one that never
    ///         held it has none; confirmations are exactly those made, only by members' bits.
    function invariant_shredsAndConfirmationsMatchTheModel() public view {
        for (uint256 i = 0; i < 2; ++i) {
            uint64 d = handler.datasetAt(i);
            for (uint32 v = 1; v <= handler.latestVersion(d); ++v) {
                for (uint32 setId = 1; setId <= 3; ++setId) {
                    ICustody.ShredView memory s = custody.shredOf(d, v, setId);
                    bool replaced = handler.used(d, v, setId) && handler.servingSet(d, v) != setId;
                    bool ordered = replaced || handler.shreddedSet(d, v) == setId;
                    vm.assertEq(s.orderedAt != 0, ordered, "shred ordered exactly for replaced and shredded sets");
                    uint16 all = uint16((uint256(1) << handler.membersOf(setId).length) - 1);
                    vm.assertEq(uint256(s.confirmed), uint256(handler.confirmed(d, v, setId)), "confirmations");
                    vm.assertEq(uint256(s.confirmed & ~all), 0, "a confirmation bit outside the set");
                    vm.assertEq(uint256(s.pending), ordered ? uint256(all & ~s.confirmed) : 0, "pending bits");
                    vm.assertEq(
                        custody.unconfirmedShred(d, v, setId).length,
                        _popcount(s.pending),
                        "unconfirmedShred lists the pending custodians"
                    );
                }
            }
        }
    }

    /// @notice shareGrant, what a custodian trusts, is valid exactly when the ledger's grant is
    ///         valid, shares of the granted version were deposited, they were not shredded, and
    ///         the custodian is in the serving set; its reason, set, index and root say the same.
    function invariant_shareGrantIsValidExactlyWhenEveryConditionHolds() public view {
        for (uint256 i = 0; i < 2; ++i) {
            uint256 requestId = handler.grants(i);
            uint64 d = handler.datasetAt(i);
            uint32 serving = handler.servingSet(d, 1);
            bool shredded = handler.shreddedSet(d, 1) != 0;
            for (uint256 k = 0; k < 4; ++k) {
                address c = handler.custodians(k);
                ICustody.ShareGrantView memory g = custody.shareGrant(requestId, c);
                (bool inSet, uint8 index) = serving == 0 ? (false, 0) : handler.indexIn(serving, c);
                bool ledgerValid = g.grant.valid;
                vm.assertEq(g.grant.datasetId, d, "the grant's dataset");
                vm.assertEq(g.valid, ledgerValid && serving != 0 && !shredded && inSet, "shareGrant.valid");
                ICustody.ShareInvalidReason expected = !ledgerValid
                    ? ICustody.ShareInvalidReason.GrantInvalid
                    : serving == 0
                        ? ICustody.ShareInvalidReason.NotDeposited
                        : shredded ? ICustody.ShareInvalidReason.Shredded : !inSet ? ICustody.ShareInvalidReason.NotInSet : ICustody.ShareInvalidReason.None;
                vm.assertEq(uint256(g.reason), uint256(expected), "shareGrant.reason");
                vm.assertEq(uint256(g.setId), uint256(serving), "shareGrant.setId");
                vm.assertEq(uint256(g.index), inSet ? uint256(index) : 255, "shareGrant.index");
                vm.assertEq(g.sharesRoot, custody.custodyOf(d, 1).sharesRoot, "shareGrant.sharesRoot");
            }
        }
    }

    function _popcount(uint16 x) internal pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }
}
