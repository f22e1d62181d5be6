// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {vm} from "./Vm.t.sol";
import {SealshareHandler} from "./SealshareHandler.t.sol";
import {SealshareGhost} from "./SealshareGhost.t.sol";
import {ISealshareLedger} from "./SealshareTestBase.t.sol";
import {DatasetView, GrantKind, GrantView} from "../common/Types.sol";

/// @title Invariant tests: DESIGN.md §3, one function per invariant, named after it
/// @notice The fuzzer drives SealshareHandler (the only target) through random sequences of
///         registrations, consents (by transaction, by signature, replayed), requests, approvals
///         by the right and the wrong accounts, rejections, consent and grant revocations,
///         suspensions, key rotations, role changes, pauses and the passing of time. After each
///         call every invariant below must hold, judged against the handler's ghost record.
/// @dev The EIP-712 properties (replay, deadline, chain and contract binding) are fuzzed one by
///      one in ConsentSignatures.t.sol; replay is also attempted here, inside random histories.
contract SealshareInvariantsTest {
    SealshareHandler internal handler;
    ISealshareLedger internal ledger;

    function setUp() public {
        handler = new SealshareHandler();
        ledger = handler.ledger();
    }

    /// @notice A target contract and the functions of it the fuzzer may call (Foundry's shape).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice Only the handler is fuzzed; the ledger is reached through it.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The handler's actions, weighted: the fuzzer picks uniformly from this list, so an
    ///         action listed n times is n times as likely. The steps of a share (consent,
    ///         request, approvals) and what can void a grant come often; the rest now and then.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        SealshareHandler h = handler;
        bytes4[43] memory weighted = [
            h.requestAccessWithConsent.selector,
            h.requestAccessWithConsent.selector,
            h.requestAccessWithConsent.selector,
            h.requestAccessWithConsent.selector,
            h.requestAccess.selector,
            h.requestAccess.selector,
            h.requestAccess.selector,
            h.giveConsent.selector,
            h.giveConsent.selector,
            h.approveAsProvider.selector,
            h.approveAsProvider.selector,
            h.approveAsProvider.selector,
            h.approveAsProvider.selector,
            h.approveAsSupervisor.selector,
            h.approveAsSupervisor.selector,
            h.approveAsSupervisor.selector,
            h.approveAsSupervisor.selector,
            h.revokeConsent.selector,
            h.revokeConsent.selector,
            h.warp.selector,
            h.warp.selector,
            h.revokeGrant.selector,
            h.rejectRequest.selector,
            h.replayConsentSignature.selector,
            h.recordRelease.selector,
            h.suspendMember.selector,
            h.reinstateMember.selector,
            h.reinstateMember.selector,
            h.rotateKey.selector,
            h.toggleSupervisor.selector,
            h.pause.selector,
            h.unpause.selector,
            h.unpause.selector,
            h.unpause.selector,
            h.registerDataset.selector,
            h.publishVersion.selector,
            h.setPolicy.selector,
            h.transferDataset.selector,
            h.retireDataset.selector,
            h.setCategoryMinimum.selector,
            h.setCategoryMinimum.selector,
            h.setAffiliation.selector,
            h.recordRelease.selector
        ];
        bytes4[] memory selectors = new bytes4[](weighted.length);
        for (uint256 i = 0; i < weighted.length; ++i) {
            selectors[i] = weighted[i];
        }
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(h), selectors);
    }

    /// @notice Guards the guard: a scripted run through the handler must reach requests, grants
    ///         of both kinds and consent revocations. If a handler path silently stops working
    ///         (a bad bound, a swallowed prank), the invariants would pass vacuously; this fails.
    function test_handlerReachesGrantsOfBothKinds() public {
        for (uint256 i = 0; i < 24; ++i) {
            uint256 a = uint256(keccak256(abi.encode("a", i)));
            uint256 b = uint256(keccak256(abi.encode("b", i)));
            handler.requestAccessWithConsent(i, i, a, i, b);
            handler.giveConsent(i, i + 1, b, i, true);
            handler.requestAccess(i, i, a);
        }
        for (uint256 i = 0; i < 48; ++i) {
            handler.approveAsProvider(i, 1);
            handler.approveAsSupervisor(i, 1);
            handler.approveAsSupervisor(i, 2);
        }
        uint256 formal;
        for (uint256 i = 0; i < handler.grantCount(); ++i) {
            if (handler.grantAt(i).kind == uint8(GrantKind.Formal)) ++formal;
        }
        vm.assertGt(handler.requestCount(), 8, "requests made");
        vm.assertGt(formal, 0, "formal grants made");
        vm.assertGt(handler.grantCount() - formal, 0, "temporary grants made");
        invariant_noGrantWithoutLiveConsentAndRequiredApprovals();
        invariant_noGrantWithoutTheCategoryFloorsApprovals();
        invariant_grantValidityMatchesModel();
    }

    /// @notice No AccessGranted without a live consent that covers the request and every
    ///         approval the policy (and the category minimum) requires for that kind.
    function invariant_noGrantWithoutLiveConsentAndRequiredApprovals() public view {
        for (uint256 i = 0; i < handler.grantCount(); ++i) {
            SealshareGhost.GrantRecord memory g = handler.grantAt(i);
            vm.assertTrue(g.consentLive, "granted under a consent not recorded, revoked or expired");
            vm.assertTrue(g.consentCovers, "granted under a consent that does not cover the request");
            vm.assertTrue(!g.providerRequired || g.providerApproved, "granted without the provider's approval");
            if (g.kind == uint8(GrantKind.Formal)) {
                vm.assertTrue(g.currentApprovals >= g.quorumRequired, "formal grant below the supervisor quorum");
            } else {
                vm.assertEq(g.kind, uint8(GrantKind.Temporary), "grant of no kind");
                vm.assertTrue(g.policyMax != 0, "temporary grant where the policy allows none");
            }
            vm.assertLe(g.kind, g.wantKind, "granted more than was asked for");
            vm.assertTrue(g.requesterLive, "granted to a suspended requester");
            vm.assertTrue(g.datasetLive, "granted on a retired dataset");
            vm.assertFalse(g.paused, "granted while paused");
        }
    }

    /// @notice No AccessGranted of any kind without the approvals the category floor in force
    ///         requires for that kind: provider approval when the floor requires it; a formal
    ///         grant only with the floor's supervisor quorum; a temporary grant never in a
    ///         category that forbids them, only with the floor's temporary quorum (the full
    ///         quorum under AfterQuorum, `temporaryQuorum` under Early), and no longer than the
    ///         category's cap and the one-day ceiling.
    function invariant_noGrantWithoutTheCategoryFloorsApprovals() public view {
        for (uint256 i = 0; i < handler.grantCount(); ++i) {
            SealshareGhost.GrantRecord memory g = handler.grantAt(i);
            vm.assertTrue(!g.providerRequired || g.providerApproved, "granted without the provider approval the floor requires");
            if (g.kind == uint8(GrantKind.Formal)) {
                vm.assertTrue(g.currentApprovals >= g.quorumRequired, "formal grant below the category quorum");
                continue;
            }
            vm.assertTrue(g.categoryAllowsTemporary, "temporary grant in a category that forbids them");
            vm.assertTrue(g.currentApprovals >= g.categoryTemporaryQuorum, "temporary grant below the category's temporary quorum");
            vm.assertLe(g.expiresAt, uint256(g.grantedAt) + 1 days, "temporary grant longer than the ceiling");
            if (g.categoryMaxTemporary != 0) {
                vm.assertLe(g.expiresAt, uint256(g.grantedAt) + g.categoryMaxTemporary, "temporary grant longer than the category cap");
            }
        }
    }

    /// @notice A grant's expiresAt never exceeds the consent's expiry, the policy maximum for its
    ///         kind, or the duration asked for; and it lies in the future when granted. Checked on
    ///         every event and on what isGrantValid reports now.
    function invariant_grantExpiryNeverExceedsConsentOrPolicyMax() public view {
        for (uint256 i = 0; i < handler.grantCount(); ++i) {
            SealshareGhost.GrantRecord memory g = handler.grantAt(i);
            vm.assertLe(g.expiresAt, g.consentExpiresAt, "grant outlives its consent");
            vm.assertLe(g.expiresAt, uint256(g.grantedAt) + g.policyMax, "grant longer than the policy maximum");
            vm.assertLe(g.expiresAt, uint256(g.grantedAt) + g.duration, "grant longer than asked for");
            vm.assertGt(g.expiresAt, g.grantedAt, "grant already expired when made");
        }
        for (uint256 i = 0; i < handler.requestCount(); ++i) {
            (uint256 id, SealshareGhost.GhostRequest memory r) = handler.requestAt(i);
            if (!r.everGranted) continue;
            GrantView memory v = ledger.isGrantValid(id);
            vm.assertEq(v.expiresAt, r.expiresAt, "stored expiry differs from the last AccessGranted");
            vm.assertLe(v.expiresAt, handler.consentOf(r.consentId).terms.expiresAt, "stored grant outlives consent");
        }
    }

    /// @notice After consent revocation, requester suspension (even if reinstated since) or grant
    ///         revocation, isGrantValid is false.
    function invariant_revokedSuspendedOrWithdrawnGrantsAreInvalid() public view {
        for (uint256 i = 0; i < handler.requestCount(); ++i) {
            (uint256 id, SealshareGhost.GhostRequest memory r) = handler.requestAt(i);
            bool withdrawn = handler.consentOf(r.consentId).revoked;
            bool suspended = handler.suspensions(r.requester) != r.suspensionsAtRequest;
            if (r.grantRevoked || withdrawn || suspended) {
                vm.assertFalse(ledger.isGrantValid(id).valid, "grant still valid after revocation or suspension");
            }
        }
    }

    /// @notice isGrantValid agrees with the ghost model in both directions: a grant is valid
    ///         exactly when it was granted and nothing since has voided it (revocation, consent
    ///         withdrawal or expiry, grant expiry, suspension, retirement, key rotation, pause).
    function invariant_grantValidityMatchesModel() public view {
        for (uint256 i = 0; i < handler.requestCount(); ++i) {
            (uint256 id, SealshareGhost.GhostRequest memory r) = handler.requestAt(i);
            SealshareGhost.GhostConsent memory c = handler.consentOf(r.consentId);
            bool expected = r.everGranted && !r.grantRevoked && !handler.paused() && !c.revoked
                && block.timestamp < c.terms.expiresAt && block.timestamp < r.expiresAt
                && handler.memberActive(r.requester) && handler.suspensions(r.requester) == r.suspensionsAtRequest
                && !handler.datasetOf(r.datasetId).retired && handler.liveKey(r.requester) == r.keyId;
            vm.assertEq(ledger.isGrantValid(id).valid, expected, "isGrantValid disagrees with the model");
        }
    }

    /// @notice Only the dataset's current provider (an active member) approves as provider.
    function invariant_onlyCurrentProviderApprovesAsProvider() public view {
        vm.assertEq(handler.providerApprovalViolations(), 0, "approveAsProvider accepted from a non-provider");
        for (uint256 i = 0; i < handler.requestCount(); ++i) {
            (uint256 id, SealshareGhost.GhostRequest memory r) = handler.requestAt(i);
            bool providerApproved = ledger.requestOf(id).providerApproved;
            vm.assertEq(providerApproved, r.providerApproved, "provider approval the provider never gave");
        }
    }

    /// @notice Only the dataset's current provider registers versions.
    function invariant_onlyCurrentProviderRegistersVersions() public view {
        vm.assertEq(handler.versionViolations(), 0, "publishVersion accepted from a non-provider");
        for (uint256 i = 0; i < handler.datasetCount(); ++i) {
            uint64 id = handler.datasetAt(i);
            DatasetView memory d = ledger.dataset(id);
            vm.assertEq(d.provider, handler.datasetOf(id).provider, "provider changed without a transfer");
            vm.assertEq(d.latestVersion, handler.datasetOf(id).latestVersion, "a version nobody entitled published");
        }
    }

    /// @notice Only the custodian records releases, and only for requests that were granted.
    function invariant_onlyCustodianRecordsReleases() public view {
        vm.assertEq(handler.releaseViolations(), 0, "recordRelease accepted from a non-custodian or ungranted");
    }

    /// @notice Only current supervisors count toward quorum: no approval by a non-supervisor is
    ///         accepted, and the count drops when an approver loses the role.
    function invariant_onlySupervisorsCountTowardQuorum() public view {
        vm.assertEq(handler.supervisorApprovalViolations(), 0, "approveAsSupervisor accepted from a non-supervisor");
        for (uint256 i = 0; i < handler.requestCount(); ++i) {
            (uint256 id,) = handler.requestAt(i);
            uint8 approvals = ledger.requestOf(id).supervisorApprovals;
            vm.assertEq(approvals, handler.currentApprovals(id), "approval count != approvers holding the role");
        }
    }

    /// @notice Each supervisor counts once: a second approval by the same supervisor is refused,
    ///         and a request never shows more approvals than there are distinct supervisors.
    function invariant_supervisorsCountOnce() public view {
        vm.assertEq(handler.duplicateApprovalViolations(), 0, "a supervisor approved the same request twice");
        uint256 supervisors = handler.currentSupervisors();
        for (uint256 i = 0; i < handler.requestCount(); ++i) {
            (uint256 id,) = handler.requestAt(i);
            uint8 approvals = ledger.requestOf(id).supervisorApprovals;
            vm.assertLe(approvals, supervisors, "more approvals than distinct current supervisors");
            vm.assertLe(approvals, handler.currentApprovals(id), "approvals counted more than once");
        }
    }

    /// @notice No supervisor approves a request it is party to: none is accepted from a supervisor
    ///         affiliated with the request's requester or the dataset's provider.
    function invariant_noSupervisorApprovesARequestItIsPartyTo() public view {
        vm.assertEq(handler.conflictViolations(), 0, "a supervisor approved a request of its own institution");
    }

    /// @notice A consent signature that was accepted once is never accepted again, alone or
    ///         relayed with a request, whoever relays it and whatever happened since.
    function invariant_consentSignatureCannotBeReplayed() public view {
        vm.assertEq(handler.replayViolations(), 0, "a consent signature was accepted twice");
    }
}
