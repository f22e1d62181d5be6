// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "./Vm.t.sol";
import {ISealshareLedger, SealshareTestBase} from "./SealshareTestBase.t.sol";
import {CategoryMinimum, ConsentTerms, GrantKind, Policy, TemporaryRule} from "../common/Types.sol";
import {IAccess} from "../interfaces/IAccess.sol";

/// @title Ghost state of the invariant handler: what the ledger should know, kept independently
/// @notice The handler writes here only what it did and saw succeed; the invariants compare it
///         with the ledger. Grant records freeze the facts at the moment of each AccessGranted
///         (consent, policy, category minimum, approvals, membership), because later actions
///         change them and the invariants must judge each grant by the state it was made in.
abstract contract SealshareGhost is SealshareTestBase {
    struct GhostDataset {
        address provider;
        address subject;
        uint8 category;
        bool retired;
        uint32 latestVersion;
        Policy policy;
    }

    struct GhostConsent {
        ConsentTerms terms;
        bool revoked;
    }

    struct SignedConsent {
        ConsentTerms terms;
        bytes signature;
    }

    struct GhostRequest {
        address requester;
        uint64 datasetId;
        bytes32 consentId;
        uint8 wantKind;
        uint32 purpose;
        uint32 duration;
        uint32 suspensionsAtRequest; // the requester's suspension count when it asked
        uint40 keyId; // the key the request named
        bool providerApproved; // by the current provider, as the handler saw it succeed
        bool rejected;
        bool grantRevoked;
        bool everGranted;
        uint8 kind; // of the last grant
        uint40 expiresAt; // of the last grant
    }

    /// @notice One AccessGranted and the facts that held when it was emitted.
    struct GrantRecord {
        uint256 requestId;
        uint8 kind;
        uint40 expiresAt;
        uint40 grantedAt; // block.timestamp of the grant
        bool consentLive; // recorded, not revoked, not expired
        bool consentCovers; // subject, requester, dataset or category, purpose, kind
        uint40 consentExpiresAt;
        bool providerRequired; // by the policy or the category minimum
        bool providerApproved;
        uint8 quorumRequired; // max(policy quorum, category minimum)
        uint8 currentApprovals; // approvers still holding SUPERVISOR_ROLE
        bool categoryAllowsTemporary; // the category floor's rule is not Forbidden
        uint8 categoryTemporaryQuorum; // AfterQuorum: the full category quorum; Early: temporaryQuorum
        uint32 categoryMaxTemporary; // the category's temporary cap, 0 = none
        uint32 policyMax; // maxTemporary or maxFormal, by kind
        uint32 duration; // what the requester asked for
        uint8 wantKind;
        bool requesterLive; // active and not suspended since the request
        bool datasetLive;
        bool paused;
    }

    ISealshareLedger public ledger;
    bool public paused;
    uint256 internal nonceCounter;

    uint64[] internal datasetIds;
    mapping(uint64 datasetId => GhostDataset) internal datasets;
    mapping(uint8 category => CategoryMinimum) internal categoryMinimum;

    bytes32[] internal consentIds;
    mapping(bytes32 consentId => GhostConsent) internal consents;
    SignedConsent[] internal signedConsents;

    uint256[] internal requestIds;
    mapping(uint256 requestId => GhostRequest) internal requests;
    mapping(uint256 requestId => mapping(address supervisor => bool)) internal supervisorApproved;

    mapping(address account => bool) public isSupervisor;
    mapping(address member => bool) public memberActive;
    mapping(address member => uint32) public suspensions;
    mapping(address member => uint40) public liveKey;

    GrantRecord[] internal grants;

    /// @notice Calls the ledger accepted although the caller had no right to make them.
    uint256 public versionViolations; // publishVersion by someone other than the current provider
    uint256 public providerApprovalViolations; // approveAsProvider by someone other than the current provider
    uint256 public supervisorApprovalViolations; // approveAsSupervisor by a non-supervisor
    uint256 public duplicateApprovalViolations; // the same supervisor approved the same request twice
    uint256 public releaseViolations; // recordRelease by a non-custodian or for a never-granted request
    uint256 public replayViolations; // an already-accepted consent signature accepted again
    uint256 public conflictViolations; // approveAsSupervisor accepted from a party to the request

    /// @notice The institution the admin declared each supervisor affiliated with.
    mapping(address supervisor => address institution) public affiliation;

    // ---------------------------------------------------------------- reads for the invariants

    function grantCount() external view returns (uint256) {
        return grants.length;
    }

    function grantAt(uint256 i) external view returns (GrantRecord memory) {
        return grants[i];
    }

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function requestAt(uint256 i) external view returns (uint256 id, GhostRequest memory r) {
        id = requestIds[i];
        r = requests[id];
    }

    function consentOf(bytes32 id) external view returns (GhostConsent memory) {
        return consents[id];
    }

    function datasetOf(uint64 id) external view returns (GhostDataset memory) {
        return datasets[id];
    }

    function datasetCount() external view returns (uint256) {
        return datasetIds.length;
    }

    function datasetAt(uint256 i) external view returns (uint64) {
        return datasetIds[i];
    }

    /// @notice Distinct approvers of `requestId` that hold SUPERVISOR_ROLE now.
    function currentApprovals(uint256 requestId) public view returns (uint8 n) {
        address[3] memory pool = [sup0, sup1, sup2];
        for (uint256 i = 0; i < pool.length; ++i) {
            if (supervisorApproved[requestId][pool[i]] && isSupervisor[pool[i]]) ++n;
        }
    }

    /// @notice Accounts holding SUPERVISOR_ROLE now.
    function currentSupervisors() external view returns (uint8 n) {
        address[3] memory pool = [sup0, sup1, sup2];
        for (uint256 i = 0; i < pool.length; ++i) {
            if (isSupervisor[pool[i]]) ++n;
        }
    }

    // ---------------------------------------------------------------- writes by the handler

    function _noteConsent(bytes32 id, ConsentTerms memory t) internal {
        consentIds.push(id);
        consents[id].terms = t;
    }

    function _noteRequest(uint256 requestId, address requester, IAccess.RequestParams memory p, bytes32 consentId)
        internal
    {
        requestIds.push(requestId);
        GhostRequest storage r = requests[requestId];
        r.requester = requester;
        r.datasetId = p.datasetId;
        r.consentId = consentId;
        r.wantKind = p.kind;
        r.purpose = p.purpose;
        r.duration = p.duration;
        r.suspensionsAtRequest = suspensions[requester];
        r.keyId = liveKey[requester];
    }

    /// @dev Records every AccessGranted among `logs` with the facts that hold right now.
    function _noteGrants(Vm.Log[] memory logs) internal {
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(ledger) || logs[i].topics[0] != IAccess.AccessGranted.selector) continue;
            uint256 requestId = uint256(logs[i].topics[1]);
            (uint8 kind, uint40 expiresAt,,) = abi.decode(logs[i].data, (uint8, uint40, uint32, uint40));
            grants.push(_facts(requestId, kind, expiresAt));
            GhostRequest storage r = requests[requestId];
            r.everGranted = true;
            r.kind = kind;
            r.expiresAt = expiresAt;
        }
    }

    function _facts(uint256 requestId, uint8 kind, uint40 expiresAt) private view returns (GrantRecord memory g) {
        GhostRequest storage r = requests[requestId];
        GhostConsent storage c = consents[r.consentId];
        GhostDataset storage d = datasets[r.datasetId];
        CategoryMinimum storage m = categoryMinimum[d.category];
        g.requestId = requestId;
        g.kind = kind;
        g.expiresAt = expiresAt;
        g.grantedAt = uint40(block.timestamp);
        g.consentLive = c.terms.subject != address(0) && !c.revoked && c.terms.expiresAt > block.timestamp;
        g.consentCovers = c.terms.subject == d.subject
            && (c.terms.requester == address(0) || c.terms.requester == r.requester)
            && (c.terms.datasetId != 0 ? c.terms.datasetId == r.datasetId : c.terms.category == d.category)
            && c.terms.purpose == r.purpose && r.wantKind <= c.terms.maxKind;
        g.consentExpiresAt = c.terms.expiresAt;
        g.providerRequired = d.policy.requireProvider || m.requireProvider;
        g.providerApproved = r.providerApproved;
        g.quorumRequired =
            d.policy.supervisorQuorum > m.supervisorQuorum ? d.policy.supervisorQuorum : m.supervisorQuorum;
        g.currentApprovals = currentApprovals(requestId);
        g.categoryAllowsTemporary = m.temporary != TemporaryRule.Forbidden;
        g.categoryTemporaryQuorum = m.temporary == TemporaryRule.Early ? m.temporaryQuorum : m.supervisorQuorum;
        g.categoryMaxTemporary = m.maxTemporary;
        g.policyMax = kind == uint8(GrantKind.Formal) ? d.policy.maxFormal : d.policy.maxTemporary;
        g.duration = r.duration;
        g.wantKind = r.wantKind;
        g.requesterLive = memberActive[r.requester] && suspensions[r.requester] == r.suspensionsAtRequest;
        g.datasetLive = d.provider != address(0) && !d.retired;
        g.paused = paused;
    }
}
