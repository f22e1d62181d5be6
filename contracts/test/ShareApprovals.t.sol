// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {vm} from "./Vm.t.sol";
import {ISealshareLedger, SealshareTestBase} from "./SealshareTestBase.t.sol";
import {ConsentTerms, GrantKind, RequestStatus, VersionParams} from "../common/Types.sol";
import {IAccess} from "../interfaces/IAccess.sol";
import {IConsents} from "../interfaces/IConsents.sol";

/// @title Fuzz tests: a signed share approval approves one share, once (issue 13 item 3).
/// @dev Digests are built here from the EIP-712 specification, never from the contract.
contract ShareApprovalsTest is SealshareTestBase {
    bytes32 private constant SHARE_APPROVAL_TYPE = keccak256(
        "ShareApproval(bytes32 consentId,address requester,uint64 datasetId,uint32 purpose,uint8 kind,uint32 duration,address approver,bool asSupervisor,uint40 deadline)"
    );
    uint32 private constant PURPOSE = 7;

    ISealshareLedger internal ledger;
    uint64 internal datasetId;
    /// @dev The share under test (kept in storage: the tests compile without the optimizer).
    bytes32 internal cid;
    uint40 internal deadline;

    function setUp() public {
        _makeActors();
        ledger = _deployWorld();
        VersionParams memory v = _firstVersion(ledger, 1);
        vm.prank(bank);
        datasetId = ledger.registerDataset(ana, 0, _policy(true, 1, HOUR, 30 * DAY), bytes32(0), v);
    }

    /// @dev Any one term of an approval changed from what is relayed makes it invalid; the
    ///      genuine one grants Formal at once; and the same share cannot be relayed twice.
    function testFuzz_approvalApprovesExactlyOneShareOnce(bytes32 nonce, uint8 field, uint32 noise, uint32 deadlineIn)
        public
    {
        ConsentTerms memory t = _terms(nonce);
        cid = _consentDigest(t, block.chainid, address(ledger));
        deadline = uint40(block.timestamp + _bound(deadlineIn, 0, 7 * DAY));
        bytes memory consentSig = _sign(ANA_PK, cid);

        IAccess.SignedApproval[] memory approvals = new IAccess.SignedApproval[](2);
        approvals[0] = _approval(BANK_PK, bank, false, 255, 0);
        // The supervisor's approval signed over one changed term (field mod 8 picks which).
        approvals[1] = _approval(SUP1_PK, sup1, true, field % 8, noise);
        vm.prank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IAccess.AccessInvalidApprovalSignature.selector, cid, sup1));
        ledger.relayShare(_params(), t, consentSig, approvals);

        approvals[1] = _approval(SUP1_PK, sup1, true, 255, 0);
        vm.prank(insurer);
        ledger.relayShare(_params(), t, consentSig, approvals);
        vm.assertEq(ledger.requestOf(1).status, uint8(RequestStatus.Formal), "granted Formal in one transaction");

        vm.prank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IConsents.ConsentsAlreadyRecorded.selector, cid));
        ledger.relayShare(_params(), t, consentSig, approvals);
    }

    /// @dev An approval is refused from the second after its deadline on, with its facts.
    function testFuzz_approvalRefusedAfterDeadline(bytes32 nonce, uint32 deadlineIn, uint32 lateBy) public {
        ConsentTerms memory t = _terms(nonce);
        cid = _consentDigest(t, block.chainid, address(ledger));
        deadline = uint40(block.timestamp + _bound(deadlineIn, 0, DAY));
        IAccess.SignedApproval[] memory approvals = new IAccess.SignedApproval[](1);
        approvals[0] = _approval(BANK_PK, bank, false, 255, 0);
        bytes memory consentSig = _sign(ANA_PK, cid);
        vm.warp(uint256(deadline) + _bound(lateBy, 1, DAY));
        vm.prank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IAccess.AccessApprovalExpired.selector, cid, bank, deadline));
        ledger.relayShare(_params(), t, consentSig, approvals);
    }

    /// @dev `approver`'s approval of the share under test, with term `changed` (0-7; 255: none)
    ///      replaced before signing.
    function _approval(uint256 pk, address approver, bool asSupervisor, uint8 changed, uint32 noise)
        internal
        returns (IAccess.SignedApproval memory a)
    {
        a = IAccess.SignedApproval({approver: approver, asSupervisor: asSupervisor, deadline: deadline, signature: ""});
        a.signature = _sign(pk, _approvalDigest(_approvalStruct(a, changed, noise | 1)));
    }

    /// @dev The ShareApproval struct hash of `a` for the share under test, one term changed by `delta`.
    function _approvalStruct(IAccess.SignedApproval memory a, uint8 changed, uint32 delta)
        internal
        view
        returns (bytes32)
    {
        IAccess.RequestParams memory p = _params();
        return keccak256(
            abi.encode(
                SHARE_APPROVAL_TYPE,
                changed == 0 ? keccak256(abi.encode(cid, delta)) : cid,
                changed == 1 ? lender : insurer,
                changed == 2 ? p.datasetId + 1 : p.datasetId,
                changed == 3 ? p.purpose ^ delta : p.purpose,
                changed == 4 ? uint8(GrantKind.Temporary) : p.kind,
                changed == 5 ? p.duration ^ delta : p.duration,
                changed == 6 ? mallory : a.approver,
                changed == 7 ? !a.asSupervisor : a.asSupervisor,
                a.deadline
            )
        );
    }

    function _approvalDigest(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(block.chainid, address(ledger)), structHash));
    }

    function _terms(bytes32 nonce) internal view returns (ConsentTerms memory) {
        return ConsentTerms({
            subject: ana,
            requester: insurer,
            datasetId: datasetId,
            category: 0,
            purpose: PURPOSE,
            maxKind: uint8(GrantKind.Formal),
            expiresAt: uint40(block.timestamp + 400 * uint256(DAY)),
            receiptHash: keccak256("consent receipt"),
            nonce: nonce,
            deadline: uint40(block.timestamp + 30 * uint256(DAY))
        });
    }

    function _params() internal view returns (IAccess.RequestParams memory) {
        return IAccess.RequestParams({
            datasetId: datasetId, version: 0, purpose: PURPOSE, kind: uint8(GrantKind.Formal), duration: DAY, deviceId: _device(insurer)
        });
    }
}
