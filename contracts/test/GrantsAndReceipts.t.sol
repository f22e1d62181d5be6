// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {vm, Vm} from "./Vm.t.sol";
import {ISealshareLedger, SealshareTestBase} from "./SealshareTestBase.t.sol";
import {ConsentTerms, GrantKind, GrantView, RequestStatus, VersionParams} from "../common/Types.sol";
import {IAccess} from "../interfaces/IAccess.sol";
import {IReceipts} from "../interfaces/IReceipts.sol";

/// @title Fuzz tests: a grant's expiry is exactly min(requested, consent, policy), and only the
///        custodian records key releases (DESIGN.md §2 step 6 and §3).
contract GrantsAndReceiptsTest is SealshareTestBase {
    uint32 private constant PURPOSE = 3;

    ISealshareLedger internal ledger;

    function setUp() public {
        _makeActors();
        ledger = _deployWorld();
    }

    /// @dev One fuzz case of the expiry test, bounded.
    struct ExpiryCase {
        uint32 duration; // asked for
        uint32 consentTtl; // consent expiry - now
        uint32 maxTemporary; // policy; 0 = no temporary grants
        uint32 maxFormal; // policy
        uint32 waitBeforeFormal; // between the temporary stage and the supervisor's approval
        bool requireProvider;
        bool wantFormal;
    }

    /// @dev Walks a request through its temporary grant (if the policy allows one) and, when a
    ///      formal grant is wanted, through a supervisor's approval some time later; checks each
    ///      grant's expiresAt against the formula in the event, in storage and in isGrantValid,
    ///      and that the grant stops being valid exactly at that second.
    function testFuzz_grantExpiryIsMinOfRequestedConsentAndPolicy(
        uint32 duration,
        uint32 consentTtl,
        uint32 maxTemporary,
        uint32 maxFormal,
        uint32 waitBeforeFormal,
        bool requireProvider,
        bool wantFormal
    ) public {
        ExpiryCase memory c;
        c.duration = uint32(_bound(duration, 1, 400 * DAY));
        c.consentTtl = uint32(_bound(consentTtl, 1, 400 * DAY));
        c.maxFormal = uint32(_bound(maxFormal, 1, 400 * DAY));
        // A policy's temporary cap is at most its formal one and the 1-day ceiling.
        c.maxTemporary = uint32(_bound(maxTemporary, 0, c.maxFormal < DAY ? c.maxFormal : DAY));
        c.waitBeforeFormal = uint32(_bound(waitBeforeFormal, 0, c.consentTtl - 1));
        c.requireProvider = requireProvider;
        c.wantFormal = wantFormal;
        _checkExpiryCase(c);
    }

    /// @dev The bank registers a bond dataset about ana: 1 h temporary, 1 d formal grants.
    function _registerBonds(bool requireProvider, uint256 tag) internal returns (uint64) {
        VersionParams memory v = _firstVersion(ledger, tag);
        vm.prank(bank);
        return ledger.registerDataset(ana, 2, _policy(requireProvider, 0, HOUR, DAY), bytes32(0), v);
    }

    function _checkExpiryCase(ExpiryCase memory c) internal {
        VersionParams memory v = _firstVersion(ledger, 7);
        vm.prank(bank);
        uint64 datasetId = ledger.registerDataset(
            ana, 1, _policy(c.requireProvider, c.wantFormal ? 1 : 0, c.maxTemporary, c.maxFormal), bytes32(0), v
        );
        ConsentTerms memory t = _consent(datasetId, uint40(block.timestamp + c.consentTtl));
        vm.prank(ana);
        ledger.giveConsent(t);

        // Stage 1: the request (and the provider's approval if required) at t0.
        uint256 t0 = block.timestamp;
        vm.recordLogs();
        vm.prank(insurer);
        uint256 requestId = ledger.requestAccess(_params(datasetId, c.wantFormal, c.duration), t);
        if (c.requireProvider) {
            vm.prank(bank);
            ledger.approveAsProvider(requestId);
        }
        Vm.Log[] memory logs = vm.getRecordedLogs();
        if (c.maxTemporary == 0) {
            vm.assertEq(_grants(logs).length, 0, "no temporary grant when the policy disables them");
            uint8 status = ledger.requestOf(requestId).status;
            vm.assertEq(status, uint8(RequestStatus.Pending), "still pending");
        } else {
            _checkGrant(requestId, logs, GrantKind.Temporary, _min3(t0 + c.duration, t.expiresAt, t0 + c.maxTemporary));
        }
        if (!c.wantFormal) return;

        // Stage 2: a supervisor's approval, later, upgrades (or first grants) the formal grant.
        vm.warp(t0 + c.waitBeforeFormal);
        uint256 t1 = block.timestamp;
        vm.recordLogs();
        vm.prank(sup0);
        ledger.approveAsSupervisor(requestId);
        _checkGrant(
            requestId, vm.getRecordedLogs(), GrantKind.Formal, _min3(t1 + c.duration, t.expiresAt, t1 + c.maxFormal)
        );
    }

    function testFuzz_onlyCustodianRecordsReleases(
        address stranger,
        uint8 pick,
        uint8 kind,
        bytes32 envelopeHash,
        bytes16 batchId,
        bytes32 root,
        uint32 count
    ) public {
        address[8] memory callers = [admin, sup0, sup1, bank, insurer, ana, mallory, stranger];
        address caller = callers[pick % callers.length];
        vm.assume(caller != custodian);
        root = root == bytes32(0) ? keccak256("root") : root;
        count = count == 0 ? 1 : count;

        // A granted request (no approval needed) and a pending one.
        uint256 granted = _request(_registerBonds(false, 1));
        uint256 pending = _request(_registerBonds(true, 2));
        vm.assertTrue(ledger.isGrantValid(granted).valid, "granted");

        bytes memory denied =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, CUSTODIAN_ROLE);
        vm.prank(caller);
        vm.expectRevert(denied);
        ledger.recordRelease(granted, kind, envelopeHash);
        vm.prank(caller);
        vm.expectRevert(denied);
        ledger.sealReceiptBatch(batchId, root, count);

        // The custodian can, but only for a request that was granted.
        vm.recordLogs();
        vm.prank(custodian);
        ledger.recordRelease(granted, kind, envelopeHash);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        vm.assertEq(logs.length, 1, "one receipt");
        vm.assertEq(logs[0].topics[0], IReceipts.KeyReleased.selector, "KeyReleased");
        vm.assertEq(logs[0].topics[1], bytes32(granted), "for the granted request");
        vm.prank(custodian);
        vm.expectRevert(abi.encodeWithSelector(IReceipts.ReceiptsNotGranted.selector, pending));
        ledger.recordRelease(pending, kind, envelopeHash);
        vm.prank(custodian);
        ledger.sealReceiptBatch(batchId, root, count);
        vm.assertEq(ledger.receiptBatchRoot(batchId), root, "batch sealed");

        // "The custodian" is whoever holds the role now: a revoked custodian is refused.
        vm.prank(admin);
        ledger.revokeRole(CUSTODIAN_ROLE, custodian);
        vm.prank(custodian);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, custodian, CUSTODIAN_ROLE)
        );
        ledger.recordRelease(granted, kind, envelopeHash);
    }

    // ---------------------------------------------------------------------------------------

    /// @dev The one AccessGranted in `logs` is for `requestId`, of `kind`, until `expected`; the
    ///      stored grant agrees; it is valid one second before expiry and invalid at expiry.
    function _checkGrant(uint256 requestId, Vm.Log[] memory logs, GrantKind kind, uint256 expected) internal {
        Vm.Log[] memory grants = _grants(logs);
        vm.assertEq(grants.length, 1, "exactly one AccessGranted");
        vm.assertEq(grants[0].topics[1], bytes32(requestId), "for this request");
        (uint8 gotKind, uint40 expiresAt,,) = abi.decode(grants[0].data, (uint8, uint40, uint32, uint40));
        vm.assertEq(gotKind, uint8(kind), "grant kind");
        vm.assertEq(expiresAt, expected, "expiresAt = min(now + duration, consent expiry, now + policy max)");

        uint40 stored = ledger.requestOf(requestId).expiresAt;
        vm.assertEq(stored, expected, "stored expiresAt");
        GrantView memory g = ledger.isGrantValid(requestId);
        vm.assertEq(g.expiresAt, expected, "isGrantValid expiresAt");
        vm.assertTrue(g.valid, "valid right after the grant");

        uint256 now_ = block.timestamp;
        vm.warp(expected - 1);
        vm.assertTrue(ledger.isGrantValid(requestId).valid, "valid until the last second");
        vm.warp(expected);
        vm.assertFalse(ledger.isGrantValid(requestId).valid, "invalid from expiresAt on");
        vm.warp(now_);
    }

    function _grants(Vm.Log[] memory logs) internal view returns (Vm.Log[] memory out) {
        uint256 n;
        out = new Vm.Log[](logs.length);
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == address(ledger) && logs[i].topics[0] == IAccess.AccessGranted.selector) {
                out[n++] = logs[i];
            }
        }
        assembly ("memory-safe") {
            mstore(out, n)
        }
    }

    function _consent(uint64 datasetId, uint40 expiresAt) internal view returns (ConsentTerms memory) {
        return ConsentTerms({
            subject: ana,
            requester: insurer,
            datasetId: datasetId,
            category: 0,
            purpose: PURPOSE,
            maxKind: uint8(GrantKind.Formal),
            expiresAt: expiresAt,
            receiptHash: bytes32(0),
            nonce: keccak256(abi.encode(datasetId, expiresAt)),
            deadline: uint40(block.timestamp)
        });
    }

    function _params(uint64 datasetId, bool formal, uint32 duration)
        internal
        view
        returns (IAccess.RequestParams memory)
    {
        return IAccess.RequestParams({
            datasetId: datasetId,
            version: 0,
            purpose: PURPOSE,
            kind: uint8(formal ? GrantKind.Formal : GrantKind.Temporary),
            duration: duration,
            deviceId: _device(insurer)
        });
    }

    /// @dev Ana consents and insurer asks for a formal day of `datasetId`.
    function _request(uint64 datasetId) internal returns (uint256 requestId) {
        ConsentTerms memory t = _consent(datasetId, uint40(block.timestamp + 30 * DAY));
        vm.prank(ana);
        ledger.giveConsent(t);
        vm.prank(insurer);
        requestId = ledger.requestAccess(_params(datasetId, true, DAY), t);
    }

    function _min3(uint256 a, uint256 b, uint256 c) internal pure returns (uint256 m) {
        m = a < b ? a : b;
        m = m < c ? m : c;
    }
}
