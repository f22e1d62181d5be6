// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {vm} from "./Vm.t.sol";
import {ISealshareLedger, SealshareTestBase} from "./SealshareTestBase.t.sol";
import {ConsentTerms, GrantKind, VersionParams} from "../common/Types.sol";
import {IAccess} from "../interfaces/IAccess.sol";
import {IConsents} from "../interfaces/IConsents.sol";

/// @title Fuzz tests: an EIP-712 consent signature is good once, before its deadline, on one
///        chain and one ledger (DESIGN.md §3, fourth invariant).
/// @dev Every signature here is made over the digest the test computes from the EIP-712
///      specification (SealshareTestBase), never over the contract's own `consentId`.
contract ConsentSignaturesTest is SealshareTestBase {
    /// @dev secp256k1 group order, to build the high-s twin of a signature.
    uint256 private constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint32 private constant PURPOSE = 7;

    ISealshareLedger internal ledger;
    uint64 internal datasetId;

    function setUp() public {
        _makeActors();
        ledger = _deployWorld();
        // Provider approval required, so a request stays pending and grants play no part here.
        VersionParams memory v = _firstVersion(ledger, 1);
        vm.prank(bank);
        datasetId = ledger.registerDataset(ana, 0, _policy(true, 0, HOUR, 30 * DAY), bytes32(0), v);
    }

    function testFuzz_consentSignatureCannotBeReplayed(
        bytes32 nonce,
        uint32 deadlineIn,
        address relayer,
        address replayer,
        bool firstViaRequest
    ) public {
        vm.assume(relayer != address(0) && replayer != address(0));
        ConsentTerms memory t = _terms(nonce, _bound(deadlineIn, 0, 30 * DAY));
        bytes32 digest = _consentDigest(t, block.chainid, address(ledger));
        bytes memory sig = _sign(ANA_PK, digest);
        vm.assertEq(ledger.consentId(t), digest, "consent id is the EIP-712 digest of the terms");

        _submit(t, sig, firstViaRequest, relayer);
        address subject = ledger.consentOf(digest).subject;
        vm.assertEq(subject, ana, "first submission recorded");

        bytes memory replayed = abi.encodeWithSelector(IConsents.ConsentsAlreadyRecorded.selector, digest);
        _expectReplayFails(t, sig, replayer, replayed);

        // Revocation does not free the id: the old signature cannot bring the consent back.
        vm.prank(ana);
        ledger.revokeConsent(digest);
        _expectReplayFails(t, sig, replayer, replayed);
        vm.prank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IConsents.ConsentsRevoked.selector, digest));
        ledger.requestAccess(_params(), t);

        // Nor does a malleated (high-s) twin of the same signature.
        vm.prank(replayer);
        vm.expectRevert();
        ledger.giveConsentBySig(t, _highS(sig));
    }

    function testFuzz_consentSignatureRejectedAfterDeadline(
        bytes32 nonce,
        uint32 deadlineIn,
        uint32 lateBy,
        uint32 revokeDeadlineIn,
        bool viaRequest
    ) public {
        uint40 deadline = uint40(block.timestamp + _bound(deadlineIn, 0, 30 * DAY));
        ConsentTerms memory t = _terms(nonce, deadline - block.timestamp);
        bytes memory sig = _sign(ANA_PK, _consentDigest(t, block.chainid, address(ledger)));

        // A twin consent signed with the same deadline is still accepted AT the deadline.
        ConsentTerms memory twin = _terms(~nonce, deadline - block.timestamp);
        bytes32 twinId = _consentDigest(twin, block.chainid, address(ledger));
        bytes memory twinSig = _sign(ANA_PK, twinId);
        vm.warp(deadline);
        _submit(twin, twinSig, !viaRequest, mallory);

        // One second after it (and any time later), the signature is refused on every path.
        vm.warp(uint256(deadline) + 1 + _bound(lateBy, 0, 365 * DAY));
        vm.expectRevert(abi.encodeWithSelector(IConsents.ConsentsSignatureExpired.selector, deadline));
        _submitNoPrankCheck(t, sig, viaRequest);

        // The same holds for a revocation signature.
        uint40 revokeDeadline = uint40(block.timestamp + _bound(revokeDeadlineIn, 0, 7 * DAY));
        bytes memory revokeSig = _sign(ANA_PK, _revokeDigest(twinId, revokeDeadline, block.chainid, address(ledger)));
        vm.warp(uint256(revokeDeadline) + 1);
        vm.prank(mallory);
        vm.expectRevert(abi.encodeWithSelector(IConsents.ConsentsSignatureExpired.selector, revokeDeadline));
        ledger.revokeConsentBySig(twinId, revokeDeadline, revokeSig);
        bool revoked = ledger.consentOf(twinId).revoked;
        vm.assertFalse(revoked, "late revocation signature had no effect");
    }

    function testFuzz_consentSignatureBoundToChainAndContract(bytes32 nonce, uint64 otherChainId, bool viaRequest)
        public
    {
        uint256 homeChain = block.chainid;
        uint256 otherChain = _bound(otherChainId, 1, type(uint64).max);
        vm.assume(otherChain != homeChain);
        ISealshareLedger other = _deployWorld();
        VersionParams memory v = _firstVersion(other, 1);
        vm.prank(bank);
        other.registerDataset(ana, 0, _policy(true, 0, HOUR, 30 * DAY), bytes32(0), v);

        ConsentTerms memory t = _terms(nonce, HOUR);
        bytes32 homeId = _consentDigest(t, homeChain, address(ledger));
        bytes memory sig = _sign(ANA_PK, homeId);
        bytes memory invalid = abi.encodeWithSelector(IConsents.ConsentsInvalidSignature.selector, ana);

        // Another ledger on the same chain: a different domain, so a different digest.
        vm.assertTrue(other.consentId(t) != homeId, "consent ids differ between deployments");
        vm.expectRevert(invalid);
        _submitTo(other, t, sig, viaRequest);

        // The same ledger on another chain (a fork, or a redeploy at the same address).
        vm.chainId(otherChain);
        vm.assertEq(ledger.consentId(t), _consentDigest(t, otherChain, address(ledger)), "domain follows chain id");
        vm.expectRevert(invalid);
        _submitTo(ledger, t, sig, viaRequest);

        // A signature made for the other chain is refused at home.
        bytes memory foreignSig = _sign(ANA_PK, _consentDigest(t, otherChain, address(ledger)));
        vm.chainId(homeChain);
        vm.expectRevert(invalid);
        _submitTo(ledger, t, foreignSig, viaRequest);

        // Only the signature for (home chain, this ledger) is accepted, and only here.
        _submitTo(ledger, t, sig, viaRequest);
        address subject = ledger.consentOf(homeId).subject;
        vm.assertEq(subject, ana, "accepted on its own chain and ledger");
        subject = other.consentOf(homeId).subject;
        vm.assertEq(subject, address(0), "unknown to the other ledger");
    }

    // ---------------------------------------------------------------------------------------

    function _terms(bytes32 nonce, uint256 deadlineIn) internal view returns (ConsentTerms memory) {
        return ConsentTerms({
            subject: ana,
            requester: insurer,
            datasetId: datasetId,
            category: 0,
            purpose: PURPOSE,
            maxKind: uint8(GrantKind.Formal),
            expiresAt: uint40(block.timestamp + deadlineIn + 400 * uint256(DAY)),
            receiptHash: keccak256("consent receipt"),
            nonce: nonce,
            deadline: uint40(block.timestamp + deadlineIn)
        });
    }

    function _params() internal view returns (IAccess.RequestParams memory) {
        return IAccess.RequestParams({
            datasetId: datasetId,
            version: 0,
            purpose: PURPOSE,
            kind: uint8(GrantKind.Formal),
            duration: DAY,
            deviceId: _device(insurer)
        });
    }

    /// @dev Records the signed consent: relayed alone by `relayer`, or with a request by insurer.
    function _submit(ConsentTerms memory t, bytes memory sig, bool viaRequest, address relayer) internal {
        vm.prank(viaRequest ? insurer : relayer);
        if (viaRequest) ledger.requestAccessWithConsent(_params(), t, sig);
        else ledger.giveConsentBySig(t, sig);
    }

    /// @dev As {_submit} but without a prank, so a preceding expectRevert applies to this call.
    function _submitNoPrankCheck(ConsentTerms memory t, bytes memory sig, bool viaRequest) internal {
        _submitTo(ledger, t, sig, viaRequest);
    }

    function _submitTo(ISealshareLedger target, ConsentTerms memory t, bytes memory sig, bool viaRequest) internal {
        if (viaRequest) {
            vm.prank(insurer);
            target.requestAccessWithConsent(_params(), t, sig);
        } else {
            vm.prank(mallory);
            target.giveConsentBySig(t, sig);
        }
    }

    /// @dev Every way of submitting `t` again fails with `revertData`.
    function _expectReplayFails(ConsentTerms memory t, bytes memory sig, address replayer, bytes memory revertData)
        internal
    {
        vm.prank(replayer);
        vm.expectRevert(revertData);
        ledger.giveConsentBySig(t, sig);
        vm.prank(insurer);
        vm.expectRevert(revertData);
        ledger.requestAccessWithConsent(_params(), t, sig);
        vm.prank(ana);
        vm.expectRevert(revertData);
        ledger.giveConsent(t);
    }

    /// @dev The other valid-looking encoding of the same ECDSA signature: (r, n - s, v ^ 1).
    function _highS(bytes memory sig) internal pure returns (bytes memory) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }
}
