// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {vm} from "./Vm.t.sol";
import {CategoryMinimum, ConsentTerms, Policy, TemporaryRule, VersionParams} from "../common/Types.sol";
import {IAccess} from "../interfaces/IAccess.sol";
import {SealshareHandlerInputs} from "./SealshareHandlerInputs.t.sol";

/// @title Invariant-test handler: random sequences of every role's actions on one ledger
/// @notice The invariant fuzzer calls these functions with random arguments; each bounds its
///         inputs to the actors and objects it controls, acts through `vm.prank`, and records
///         in the ghost state (SealshareGhost) what it did and what the ledger answered: every
///         AccessGranted it caused, with the consent, policy and approvals at that moment.
///         Calls that the ledger refuses are caught and simply leave no trace, so sequences go
///         on; the invariants (SealshareInvariants.t.sol) judge the recorded history.
/// @dev Callers are sometimes deliberately the wrong account (a non-provider approving as
///      provider, a former supervisor, a stranger recording a release, a replayed signature):
///      if the ledger accepts such a call, the handler counts a violation for the invariants.
contract SealshareHandler is SealshareHandlerInputs {
    constructor() {
        _makeActors();
        ledger = _deployWorld();
        isSupervisor[sup0] = true;
        isSupervisor[sup1] = true;
        for (uint256 i = 0; i < 3; ++i) {
            address m = [bank, insurer, lender][i];
            memberActive[m] = true;
            liveKey[m] = ledger.currentKeyId(m, _device(m));
        }
        // A few datasets so sequences reach requests and approvals quickly.
        _registerAs(bank, ana, 0, _policy(true, 1, HOUR, 30 * DAY), false); // deposits: provider + 1 sup
        _registerAs(insurer, ben, 1, _policy(false, 0, 2 * HOUR, 7 * DAY), false); // funds: open
        _registerAs(bank, ana, 4, _policy(true, 2, 0, 60 * DAY), false); // insurance: 2 sups, no temporary
        _registerAs(lender, ben, 3, _policy(false, 1, HOUR, 10 * DAY), true); // bonds: on demand
        // Floors raised after registration, so grants must apply them at grant time: deposits
        // release nothing before one supervisor (AfterQuorum), funds need one supervisor for a
        // 30-minute temporary grant and two for a formal one (Early).
        _setFloor(0, CategoryMinimum(false, 1, TemporaryRule.AfterQuorum, 0, 0));
        _setFloor(1, CategoryMinimum(false, 2, TemporaryRule.Early, 1, 30 minutes));
    }

    function _setFloor(uint8 category, CategoryMinimum memory m) internal {
        vm.prank(sup0);
        ledger.setCategoryMinimum(category, m);
        categoryMinimum[category] = m;
    }

    // ---------------------------------------------------------------- datasets

    function registerDataset(uint256 providerSeed, uint256 subjectSeed, uint8 category, uint256 policySeed) external {
        address subject = subjectSeed % 2 == 0 ? ana : ben;
        bool onDemand = policySeed % 5 == 0;
        _registerAs(_member(providerSeed), subject, category % 7, _policyFrom(policySeed), onDemand);
    }

    function publishVersion(uint256 datasetSeed, uint256 callerSeed) external {
        if (datasetIds.length == 0) return;
        uint64 id = datasetIds[datasetSeed % datasetIds.length];
        address caller = callerSeed % 3 == 0 ? _anyone(callerSeed / 3) : datasets[id].provider;
        bool allowed = caller == datasets[id].provider && memberActive[caller];
        VersionParams memory params = _versionParams(id, datasets[id].latestVersion + 1, callerSeed);
        vm.prank(caller);
        try ledger.publishVersion(id, params) returns (uint32 v) {
            if (!allowed) ++versionViolations;
            datasets[id].latestVersion = v;
        } catch {}
    }

    function setPolicy(uint256 datasetSeed, uint256 policySeed) external {
        if (datasetIds.length == 0) return;
        uint64 id = datasetIds[datasetSeed % datasetIds.length];
        Policy memory p = _policyFrom(policySeed);
        vm.prank(datasets[id].provider);
        try ledger.setPolicy(id, p) {
            datasets[id].policy = p;
        } catch {}
    }

    function transferDataset(uint256 datasetSeed, uint256 toSeed) external {
        if (datasetIds.length == 0) return;
        uint64 id = datasetIds[datasetSeed % datasetIds.length];
        address to = _member(toSeed);
        vm.prank(datasets[id].provider);
        try ledger.transferDataset(id, to) {
            datasets[id].provider = to;
        } catch {}
    }

    function retireDataset(uint256 datasetSeed) external {
        // Rare: a retired dataset is dead for good, and sequences are short.
        if (datasetIds.length == 0 || datasetSeed % 4 != 0) return;
        uint64 id = datasetIds[(datasetSeed / 4) % datasetIds.length];
        vm.prank(datasets[id].provider);
        try ledger.retireDataset(id) {
            datasets[id].retired = true;
        } catch {}
    }

    function setCategoryMinimum(uint8 category, uint256 minSeed, uint256 supSeed) external {
        category %= 7;
        // Quorums 0-2, every temporary rule, sometimes a temporary cap; an inconsistent floor
        // (early quorum above the full one, say) is refused by the ledger and leaves no trace.
        uint8 quorum = uint8((minSeed / 2) % 3);
        TemporaryRule rule = TemporaryRule((minSeed / 8) % 3);
        CategoryMinimum memory m = CategoryMinimum({
            requireProvider: minSeed % 2 == 0,
            supervisorQuorum: quorum,
            temporary: rule,
            temporaryQuorum: rule == TemporaryRule.Early ? uint8((minSeed / 32) % (quorum + 1)) : 0,
            maxTemporary: rule == TemporaryRule.Forbidden || (minSeed / 128) % 2 == 0 ? 0 : uint32(_bound(minSeed >> 8, 1, 2 * HOUR))
        });
        vm.prank(_supervisor(supSeed));
        try ledger.setCategoryMinimum(category, m) {
            categoryMinimum[category] = m;
        } catch {}
    }

    // ---------------------------------------------------------------- consents

    /// @dev The subject consents by transaction, or signs and anyone relays the signature.
    function giveConsent(uint256 subjectSeed, uint256 scopeSeed, uint256 termsSeed, uint256 relayerSeed, bool bySig)
        external
    {
        ConsentTerms memory t = _newTerms(subjectSeed, scopeSeed, termsSeed);
        if (!bySig) {
            vm.prank(t.subject);
            try ledger.giveConsent(t) returns (bytes32 id) {
                _noteConsent(id, t);
            } catch {}
            return;
        }
        bytes memory sig = _signConsent(t);
        vm.prank(_anyone(relayerSeed));
        try ledger.giveConsentBySig(t, sig) returns (bytes32 id) {
            _noteConsent(id, t);
            signedConsents.push(SignedConsent(t, sig));
        } catch {}
    }

    /// @dev Submits a signature that was already accepted once, alone or with a request.
    function replayConsentSignature(uint256 sigSeed, uint256 relayerSeed, bool withRequest) external {
        if (signedConsents.length == 0) return;
        SignedConsent memory s = signedConsents[sigSeed % signedConsents.length];
        if (withRequest) {
            address requester = s.terms.requester != address(0) ? s.terms.requester : _member(relayerSeed);
            IAccess.RequestParams memory p = _paramsFor(s.terms, requester, relayerSeed);
            vm.prank(requester);
            try ledger.requestAccessWithConsent(p, s.terms, s.signature) {
                ++replayViolations;
            } catch {}
        } else {
            vm.prank(_anyone(relayerSeed));
            try ledger.giveConsentBySig(s.terms, s.signature) {
                ++replayViolations;
            } catch {}
        }
    }

    function revokeConsent(uint256 consentSeed, bool bySig, uint256 relayerSeed) external {
        if (consentIds.length == 0) return;
        bytes32 id = consentIds[consentSeed % consentIds.length];
        address subject = consents[id].terms.subject;
        if (bySig) {
            uint40 deadline = uint40(block.timestamp + HOUR);
            bytes memory sig = _sign(_keyOf(subject), _revokeDigest(id, deadline, block.chainid, address(ledger)));
            vm.prank(_anyone(relayerSeed));
            try ledger.revokeConsentBySig(id, deadline, sig) {
                consents[id].revoked = true;
            } catch {}
        } else {
            vm.prank(subject);
            try ledger.revokeConsent(id) {
                consents[id].revoked = true;
            } catch {}
        }
    }

    // ---------------------------------------------------------------- requests and approvals

    function requestAccess(uint256 consentSeed, uint256 requesterSeed, uint256 paramsSeed) external {
        if (consentIds.length == 0) return;
        ConsentTerms memory t = consents[consentIds[consentSeed % consentIds.length]].terms;
        address requester = t.requester != address(0) && requesterSeed % 8 != 0 ? t.requester : _member(requesterSeed);
        IAccess.RequestParams memory p = _paramsFor(t, requester, paramsSeed);
        vm.recordLogs();
        vm.prank(requester);
        try ledger.requestAccess(p, t) returns (uint256 requestId) {
            _noteRequest(requestId, requester, p, _consentIdOf(t));
        } catch {}
        _noteGrants(vm.getRecordedLogs());
    }

    function requestAccessWithConsent(
        uint256 subjectSeed,
        uint256 scopeSeed,
        uint256 termsSeed,
        uint256 requesterSeed,
        uint256 paramsSeed
    ) external {
        ConsentTerms memory t = _newTerms(subjectSeed, scopeSeed, termsSeed);
        address requester = t.requester != address(0) && requesterSeed % 8 != 0 ? t.requester : _member(requesterSeed);
        IAccess.RequestParams memory p = _paramsFor(t, requester, paramsSeed);
        bytes memory sig = _signConsent(t);
        vm.recordLogs();
        vm.prank(requester);
        try ledger.requestAccessWithConsent(p, t, sig) returns (uint256 requestId) {
            bytes32 id = _consentIdOf(t);
            _noteConsent(id, t);
            signedConsents.push(SignedConsent(t, sig));
            _noteRequest(requestId, requester, p, id);
        } catch {}
        _noteGrants(vm.getRecordedLogs());
    }

    function approveAsProvider(uint256 requestSeed, uint256 callerSeed) external {
        (bool found, uint256 requestId) = _pickRequest(requestSeed, PICK_NEEDS_PROVIDER);
        if (!found) return;
        address provider = datasets[requests[requestId].datasetId].provider;
        address caller = callerSeed % 4 == 0 ? _anyone(callerSeed / 4) : provider;
        bool allowed = caller == provider && memberActive[caller];
        vm.recordLogs();
        vm.prank(caller);
        try ledger.approveAsProvider(requestId) {
            if (allowed) requests[requestId].providerApproved = true;
            else ++providerApprovalViolations;
        } catch {}
        _noteGrants(vm.getRecordedLogs());
    }

    function approveAsSupervisor(uint256 requestSeed, uint256 callerSeed) external {
        (bool found, uint256 requestId) = _pickRequest(requestSeed, PICK_WANTS_FORMAL);
        if (!found) return;
        address caller = callerSeed % 5 == 0 ? _anyone(callerSeed / 5) : _supervisor(callerSeed);
        bool allowed = isSupervisor[caller];
        bool again = supervisorApproved[requestId][caller];
        address party = affiliation[caller];
        bool conflicted = party != address(0)
            && (party == requests[requestId].requester || party == datasets[requests[requestId].datasetId].provider);
        vm.recordLogs();
        vm.prank(caller);
        try ledger.approveAsSupervisor(requestId) {
            if (conflicted) ++conflictViolations;
            if (!allowed) ++supervisorApprovalViolations;
            else if (again) ++duplicateApprovalViolations;
            else supervisorApproved[requestId][caller] = true;
        } catch {}
        _noteGrants(vm.getRecordedLogs());
    }

    function rejectRequest(uint256 requestSeed, uint256 callerSeed, uint16 reason) external {
        (bool found, uint256 requestId) = _pickRequest(requestSeed, PICK_OPEN);
        if (!found) return;
        address caller = callerSeed % 2 == 0 ? datasets[requests[requestId].datasetId].provider : _supervisor(callerSeed);
        vm.prank(caller);
        try ledger.rejectRequest(requestId, reason) {
            // Rejecting a live temporary grant revokes it.
            requests[requestId].rejected = true;
            if (requests[requestId].everGranted) requests[requestId].grantRevoked = true;
        } catch {}
    }

    function revokeGrant(uint256 requestSeed, uint256 callerSeed, uint16 reason) external {
        if (requestIds.length == 0) return;
        uint256 requestId = requestIds[requestSeed % requestIds.length];
        address caller = callerSeed % 2 == 0 ? datasets[requests[requestId].datasetId].provider : _supervisor(callerSeed);
        vm.prank(caller);
        try ledger.revokeGrant(requestId, reason) {
            requests[requestId].grantRevoked = true;
        } catch {}
    }

    function recordRelease(uint256 requestSeed, uint256 callerSeed, bytes32 envelopeHash) external {
        if (requestIds.length == 0) return;
        uint256 requestId = requestIds[requestSeed % requestIds.length];
        address caller = callerSeed % 2 == 0 ? custodian : _anyone(callerSeed / 2);
        bool allowed = caller == custodian && requests[requestId].everGranted;
        vm.prank(caller);
        try ledger.recordRelease(requestId, 1, envelopeHash) {
            if (!allowed) ++releaseViolations;
        } catch {}
    }

    // ---------------------------------------------------------------- members, keys, roles, time

    function suspendMember(uint256 memberSeed, uint16 reason) external {
        address m = _member(memberSeed);
        vm.prank(_supervisor(memberSeed / 3));
        try ledger.suspendMember(m, reason) {
            memberActive[m] = false;
            ++suspensions[m];
        } catch {}
    }

    function reinstateMember(uint256 memberSeed) external {
        address m = _member(memberSeed);
        vm.prank(_supervisor(memberSeed / 3));
        try ledger.reinstateMember(m) {
            memberActive[m] = true;
        } catch {}
    }

    function rotateKey(uint256 memberSeed, bool revokeOnly) external {
        address m = _member(memberSeed);
        if (revokeOnly) {
            vm.prank(m);
            try ledger.revokeEncryptionKey(_device(m)) {
                liveKey[m] = 0;
            } catch {}
        } else {
            (bytes memory publicKey, bytes32 y, bytes memory sig) = _keyProof(ledger, memberSeed, m, _device(m));
            vm.prank(m);
            try ledger.publishEncryptionKey(_device(m), publicKey, y, sig) returns (uint40 keyId) {
                liveKey[m] = keyId;
            } catch {}
        }
    }

    /// @dev The admin declares a supervisor affiliated with a member institution, or clears it.
    function setAffiliation(uint256 supSeed, uint256 memberSeed) external {
        address s = _supervisor(supSeed);
        address institution = memberSeed % 4 == 0 ? address(0) : _member(memberSeed);
        vm.prank(admin);
        ledger.setSupervisorAffiliation(s, institution);
        affiliation[s] = institution;
    }

    function toggleSupervisor(uint256 supSeed) external {
        address s = [sup0, sup1, sup2][supSeed % 3];
        bool has = isSupervisor[s];
        vm.startPrank(admin);
        if (has) ledger.revokeRole(SUPERVISOR_ROLE, s);
        else ledger.grantRole(SUPERVISOR_ROLE, s);
        vm.stopPrank();
        isSupervisor[s] = !has;
    }

    function pause() external {
        vm.prank(admin);
        try ledger.pause() {
            paused = true;
        } catch {}
    }

    function unpause() external {
        vm.prank(admin);
        try ledger.unpause() {
            paused = false;
        } catch {}
    }

    function warp(uint256 secondsSeed) external {
        vm.warp(block.timestamp + _bound(secondsSeed, 1, 2 * DAY));
    }

    // ---------------------------------------------------------------- helpers

    function _registerAs(address provider, address subject, uint8 category, Policy memory p, bool onDemand) internal {
        VersionParams memory v = onDemand ? _noVersion() : _firstVersion(ledger, category);
        vm.prank(provider);
        try ledger.registerDataset(subject, category, p, bytes32(0), v) returns (uint64 id) {
            datasetIds.push(id);
            datasets[id] = GhostDataset(provider, subject, category, false, onDemand ? 0 : 1, p);
        } catch {}
    }
}
