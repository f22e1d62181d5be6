// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Datasets} from "./Datasets.sol";
import {Consents} from "./Consents.sol";
import {IAccess} from "../interfaces/IAccess.sol";
import {ConsentTerms, GrantKind, GrantInvalidReason, GrantView, RequestStatus} from "../common/Types.sol";

/// @title Access requests, approvals and grants (see {IAccess}).
/// @notice Requests under a consent, approvals by provider and supervisors, temporary and formal
///         grants, revocation, usage records, and the custodian's `isGrantValid` view.
/// @dev Invariants (each pinned by a test named after it):
///      - no AccessGranted without a live matching consent and every approval the policy
///        requires for that kind (temporary: provider if required; formal: provider if required
///        and the supervisor quorum);
///      - a grant's expiresAt never exceeds the consent's expiry nor now + the policy maximum;
///      - after consent revocation, requester suspension or grant revocation, isGrantValid is false;
///      - each supervisor counts once (one bit each in `supervisorBits`).
abstract contract Access is Datasets, Consents, IAccess {
    /// @dev Three slots; a share writes each once. Slot 1: requester, datasetId, version.
    ///      Slot 2: consentId. Slot 3: everything that changes during approval.
    struct RequestRecord {
        address requester;
        uint64 datasetId;
        uint32 version; // 0 until granted if the request asked for "latest"
        bytes32 consentId;
        RequestStatus status;
        GrantKind wantKind;
        bool providerApproved;
        uint40 expiresAt; // of the live grant
        uint32 duration; // seconds wanted
        uint40 keyId; // the requester's key named at request time
        uint32 memberEpoch; // requester's suspension epoch at request time
        uint32 supervisorBits; // one bit per distinct approving supervisor
        GrantKind grantedKind; // kind of the last grant, kept after revocation for auditors
    }

    mapping(uint256 requestId => RequestRecord) internal _requests;

    /// @inheritdoc IAccess
    function requestAccess(RequestParams calldata p, ConsentTerms calldata consent)
        external
        whenNotPaused
        returns (uint256)
    {
        return _request(p, consent, _consentId(consent));
    }

    /// @inheritdoc IAccess
    function requestAccessWithConsent(RequestParams calldata p, ConsentTerms calldata consent, bytes calldata signature)
        external
        whenNotPaused
        returns (uint256)
    {
        return _request(p, consent, _recordSignedConsent(consent, signature));
    }

    /// @dev The one worker behind both request paths.
    function _request(RequestParams calldata p, ConsentTerms calldata consent, bytes32 cid)
        private
        returns (uint256 requestId)
    {
        uint32 epoch = _requireActiveMember(msg.sender);
        DatasetRecord storage d = _requireDataset(p.datasetId);
        if (d.retired) revert DatasetsRetired(p.datasetId);
        if (p.kind == uint8(GrantKind.None) || p.kind > uint8(GrantKind.Formal) || p.duration == 0) {
            revert AccessInvalidParams();
        }
        // "Latest" means the latest when asked, so approvers see exactly what they approve; an
        // on-demand dataset with no version yet keeps 0 until its first version is granted.
        uint32 version = p.version == 0 ? d.latestVersion : p.version;
        if (p.version != 0 && _versions[p.datasetId][p.version].publishedAt == 0) {
            revert DatasetsUnknownVersion(p.datasetId, p.version);
        }
        uint40 keyId = _requireLiveKey(msg.sender, p.deviceId);
        _checkConsentCovers(cid, consent, d, p);

        requestId = ++_globals.lastRequestId;
        RequestRecord storage r = _requests[requestId];
        r.requester = msg.sender;
        r.datasetId = p.datasetId;
        r.version = version;
        r.consentId = cid;
        r.status = RequestStatus.Pending;
        r.wantKind = GrantKind(p.kind);
        r.duration = p.duration;
        r.keyId = keyId;
        r.memberEpoch = epoch;
        emit AccessRequested(requestId, p.datasetId, msg.sender, cid, version, p.purpose, p.kind, p.duration, keyId);
        _advance(requestId, r, d);
    }

    /// @inheritdoc IAccess
    function approveAsProvider(uint256 requestId) external whenNotPaused {
        RequestRecord storage r = _requireOpen(requestId);
        DatasetRecord storage d = _requireProviderOf(r.datasetId);
        if (r.providerApproved) revert AccessAlreadyApproved(requestId, msg.sender);
        if (r.version == 0 && d.latestVersion == 0) revert AccessNoVersion(r.datasetId);
        r.providerApproved = true;
        emit AccessApproved(requestId, msg.sender, false, _supervisorCount(r.supervisorBits));
        _advance(requestId, r, d);
    }

    /// @inheritdoc IAccess
    function approveAsSupervisor(uint256 requestId) external whenNotPaused {
        uint32 mask = _supervisorMask(msg.sender);
        RequestRecord storage r = _requireOpen(requestId);
        DatasetRecord storage d = _requireDataset(r.datasetId);
        if (d.retired) revert DatasetsRetired(r.datasetId);
        uint32 bits = r.supervisorBits;
        if (bits & mask != 0) revert AccessAlreadyApproved(requestId, msg.sender);
        bits |= mask;
        r.supervisorBits = bits;
        emit AccessApproved(requestId, msg.sender, true, _supervisorCount(bits));
        _advance(requestId, r, d);
    }

    /// @inheritdoc IAccess
    function advanceRequest(uint256 requestId) external whenNotPaused {
        RequestRecord storage r = _requireOpen(requestId);
        DatasetRecord storage d = _requireDataset(r.datasetId);
        if (d.retired) revert DatasetsRetired(r.datasetId);
        RequestStatus before = r.status;
        _advance(requestId, r, d);
        if (r.status == before) revert AccessNothingToAdvance(requestId);
    }

    /// @inheritdoc IAccess
    function rejectRequest(uint256 requestId, uint16 reasonCode) external whenNotPaused {
        RequestRecord storage r = _requests[requestId];
        if (r.status != RequestStatus.Pending) revert AccessWrongStatus(requestId, uint8(r.status));
        _requireProviderOrSupervisor(requestId, r);
        r.status = RequestStatus.Rejected;
        emit AccessRejected(requestId, msg.sender, reasonCode);
    }

    /// @inheritdoc IAccess
    function revokeGrant(uint256 requestId, uint16 reasonCode) external whenNotPaused {
        RequestRecord storage r = _requests[requestId];
        if (r.status != RequestStatus.Temporary && r.status != RequestStatus.Formal) {
            revert AccessWrongStatus(requestId, uint8(r.status));
        }
        _requireProviderOrSupervisor(requestId, r);
        r.status = RequestStatus.Revoked;
        emit GrantRevoked(requestId, msg.sender, reasonCode);
    }

    /// @inheritdoc IAccess
    function recordUsage(uint256 requestId, uint16 usageCode, bytes32 detailsHash) external whenNotPaused {
        RequestRecord storage r = _requests[requestId];
        if (r.requester != msg.sender) revert AccessNotRequester(requestId, msg.sender);
        if (!_wasGranted(r.status)) revert AccessWrongStatus(requestId, uint8(r.status));
        emit UsageRecorded(requestId, msg.sender, usageCode, detailsHash);
    }

    /// @inheritdoc IAccess
    function isGrantValid(uint256 requestId) external view returns (GrantView memory g) {
        RequestRecord storage r = _requests[requestId];
        g.requester = r.requester;
        g.datasetId = r.datasetId;
        g.version = r.version;
        g.expiresAt = r.expiresAt;
        g.keyId = r.keyId;
        g.kind = r.grantedKind;
        if (g.version != 0) g.keyCommitment = _versions[g.datasetId][g.version].keyCommitment;
        g.reason = _invalidReason(r);
        g.valid = g.reason == GrantInvalidReason.None;
        if (g.valid) g.publicKey = _liveKeyBytes(r.keyId);
        // The key the request named was rotated or revoked: never wrap to any other key.
        if (g.valid && g.publicKey.length == 0) {
            g.valid = false;
            g.reason = GrantInvalidReason.DeviceKeyChanged;
        }
    }

    /// @inheritdoc IAccess
    function requestOf(uint256 requestId)
        external
        view
        returns (
            address requester,
            uint64 datasetId,
            uint32 version,
            bytes32 cid,
            uint8 status,
            uint8 wantKind,
            bool providerApproved,
            uint8 supervisorApprovals,
            uint40 expiresAt
        )
    {
        RequestRecord storage r = _requests[requestId];
        if (r.status == RequestStatus.None) revert AccessUnknownRequest(requestId);
        return (
            r.requester,
            r.datasetId,
            r.version,
            r.consentId,
            uint8(r.status),
            uint8(r.wantKind),
            r.providerApproved,
            _supervisorCount(r.supervisorBits),
            r.expiresAt
        );
    }

    /// @dev Moves a request to the highest stage its approvals allow, emitting AccessGranted.
    ///      Reverts if the consent or the requester's membership is no longer live, so the
    ///      approval that would have granted fails loudly instead of granting on a void basis.
    ///      Storage is read lazily, cheapest test first, because every cold read costs 2,100 gas
    ///      in the approvals of every share.
    function _advance(uint256 requestId, RequestRecord storage r, DatasetRecord storage d) private {
        if (!r.providerApproved && _providerRequired(d)) return;
        uint32 version = r.version == 0 ? d.latestVersion : r.version;
        if (version == 0) return; // on-demand dataset: waits for its first version

        GrantKind kind;
        uint32 cap;
        if (r.wantKind == GrantKind.Formal && _quorumReached(d, r.supervisorBits)) {
            (kind, cap) = (GrantKind.Formal, d.maxFormal);
        } else if (r.status == RequestStatus.Pending && d.maxTemporary != 0) {
            (kind, cap) = (GrantKind.Temporary, d.maxTemporary);
        } else {
            return;
        }

        ConsentRecord storage c = _consents[r.consentId];
        uint40 now_ = _now();
        if (c.revoked) revert ConsentsRevoked(r.consentId);
        if (c.expiresAt <= now_) revert ConsentsExpired(r.consentId, c.expiresAt);
        if (!_isMemberInEpoch(r.requester, r.memberEpoch)) revert MembersNotActive(r.requester);

        uint40 expiresAt = _min(_min(now_ + uint40(r.duration), now_ + uint40(cap)), c.expiresAt);
        r.status = kind == GrantKind.Formal ? RequestStatus.Formal : RequestStatus.Temporary;
        r.grantedKind = kind;
        r.expiresAt = expiresAt;
        if (r.version != version) r.version = version;
        emit AccessGranted(requestId, r.datasetId, r.requester, uint8(kind), expiresAt, version, r.keyId);
    }

    /// @dev Provider approval is required by the dataset's policy or by its category's minimum.
    function _providerRequired(DatasetRecord storage d) private view returns (bool) {
        return d.requireProvider || _categoryMinimum[d.category].requireProvider;
    }

    /// @dev Enough current supervisors approved: the dataset's quorum and the category minimum in
    ///      force now. Approvals of supervisors whose role was revoked since do not count.
    function _quorumReached(DatasetRecord storage d, uint32 bits) private view returns (bool) {
        uint8 count = _supervisorCount(bits);
        return count >= d.supervisorQuorum && count >= _categoryMinimum[d.category].supervisorQuorum;
    }

    function _supervisorCount(uint32 bits) private view returns (uint8) {
        return _popcount(bits & ~_globals.revokedSupervisors);
    }

    /// @dev The most specific reason first: a consent withdrawn or run out is reported as such
    ///      even though the grant's own expiry (capped by the consent's) has passed too.
    function _invalidReason(RequestRecord storage r) private view returns (GrantInvalidReason) {
        if (paused()) return GrantInvalidReason.Paused;
        if (r.status == RequestStatus.Revoked) return GrantInvalidReason.Revoked;
        if (r.status != RequestStatus.Temporary && r.status != RequestStatus.Formal) {
            return GrantInvalidReason.NotGranted;
        }
        uint40 now_ = _now();
        ConsentRecord storage c = _consents[r.consentId];
        if (c.revoked) return GrantInvalidReason.ConsentRevoked;
        if (now_ >= c.expiresAt) return GrantInvalidReason.ConsentExpired;
        if (now_ >= r.expiresAt) return GrantInvalidReason.Expired;
        if (!_isMemberInEpoch(r.requester, r.memberEpoch)) return GrantInvalidReason.RequesterSuspended;
        if (_datasets[r.datasetId].retired) return GrantInvalidReason.DatasetRetired;
        return GrantInvalidReason.None;
    }

    /// @dev The consent with id `cid` (whose terms are `t`) must be live and cover this request.
    function _checkConsentCovers(
        bytes32 cid,
        ConsentTerms calldata t,
        DatasetRecord storage d,
        RequestParams calldata p
    ) private view {
        ConsentRecord storage c = _consents[cid];
        if (c.subject == address(0)) revert ConsentsUnknown(cid);
        if (c.revoked) revert ConsentsRevoked(cid);
        if (c.expiresAt <= _now()) revert ConsentsExpired(cid, c.expiresAt);
        if (t.subject != d.subject) revert AccessConsentMismatch(cid, "subject");
        if (t.requester != address(0) && t.requester != msg.sender) revert AccessConsentMismatch(cid, "requester");
        if (t.datasetId != 0 ? t.datasetId != p.datasetId : t.category != d.category) {
            revert AccessConsentMismatch(cid, t.datasetId != 0 ? "dataset" : "category");
        }
        if (t.purpose != p.purpose) revert AccessConsentMismatch(cid, "purpose");
        if (p.kind > t.maxKind) revert AccessConsentMismatch(cid, "kind");
    }

    function _requireOpen(uint256 requestId) private view returns (RequestRecord storage r) {
        r = _requests[requestId];
        if (r.status == RequestStatus.None) revert AccessUnknownRequest(requestId);
        if (r.status != RequestStatus.Pending && r.status != RequestStatus.Temporary) {
            revert AccessWrongStatus(requestId, uint8(r.status));
        }
    }

    function _requireProviderOrSupervisor(uint256 requestId, RequestRecord storage r) private view {
        if (_datasets[r.datasetId].provider == msg.sender) {
            _requireActiveMember(msg.sender);
        } else if (!hasRole(SUPERVISOR_ROLE, msg.sender)) {
            revert AccessNotApprover(requestId, msg.sender);
        }
    }

    function _wasGranted(RequestStatus s) internal pure returns (bool) {
        return s == RequestStatus.Temporary || s == RequestStatus.Formal || s == RequestStatus.Revoked;
    }

    function _popcount(uint32 x) private pure returns (uint8 n) {
        for (; x != 0; x &= x - 1) ++n;
    }

    function _min(uint40 a, uint40 b) private pure returns (uint40) {
        return a < b ? a : b;
    }
}
