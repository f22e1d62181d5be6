// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Datasets} from "./Datasets.sol";
import {ShareApprovalVerifier} from "../helpers/ShareApprovalVerifier.sol";
import {Consents} from "./Consents.sol";
import {IAccess} from "../interfaces/IAccess.sol";
import {
    CategoryMinimum,
    ConsentTerms,
    GrantKind,
    GrantInvalidReason,
    GrantView,
    RequestStatus,
    RequestView,
    TemporaryRule
} from "../common/Types.sol";

/// @title Access requests, approvals and grants (see {IAccess}).
/// @notice Requests under a consent, approvals by provider and supervisors, temporary and formal
///         grants, revocation, usage records, and the custodian's `isGrantValid` view.
/// @dev Invariants (each pinned by a test named after it):
///      - no AccessGranted without a live matching consent and every approval the policy and
///        the category floor in force require for that kind (formal: provider if required and
///        both quorums; temporary: provider if required and the category's temporary quorum:
///        the full one under AfterQuorum, `temporaryQuorum` under Early, never under Forbidden);
///      - a grant's expiresAt never exceeds the consent's expiry nor now + the policy maximum;
///      - after consent revocation, requester suspension or grant revocation, isGrantValid is false;
///      - each supervisor counts once (one bit each in `supervisorBits`), only while it holds
///        the role, and never for a later holder of its bit (`supervisorEra`);
///      - no supervisor approves a request it is party to (requester, provider, affiliated).
abstract contract Access is Datasets, Consents, IAccess {
    // Three full slots (32 + 32 + 30 bytes); solhint sizes the enum fields as whole words.
    // solhint-disable gas-struct-packing
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
        uint32 supervisorEra; // the Globals.supervisorEra `supervisorBits` is valid for
    }
    // solhint-enable gas-struct-packing

    mapping(uint256 requestId => RequestRecord) private _requests;

    /// @dev The signature half of {relayShares} (see ShareApprovalVerifier for why it is a
    ///      separate contract).
    ShareApprovalVerifier private immutable _APPROVAL_VERIFIER;

    constructor() {
        _APPROVAL_VERIFIER = new ShareApprovalVerifier();
    }

    /// @inheritdoc IAccess
    function requestAccess(RequestParams calldata p, ConsentTerms calldata consent)
        external
        whenNotPaused
        returns (uint256)
    {
        return _requestAndGrant(p, consent, _consentId(consent));
    }

    /// @inheritdoc IAccess
    function requestAccessWithConsent(RequestParams calldata p, ConsentTerms calldata consent, bytes calldata signature)
        external
        whenNotPaused
        returns (uint256)
    {
        return _requestAndGrant(p, consent, _recordSignedConsent(consent, signature));
    }

    /// @inheritdoc IAccess
    function relayShare(
        RequestParams calldata p,
        ConsentTerms calldata consent,
        bytes calldata consentSignature,
        SignedApproval[] calldata approvals
    ) external whenNotPaused {
        // Every signature first, before anything changes: the verifier gets this very call
        // (its `relayShare` has the same selector and arguments), then the ledger's EIP-712
        // domain separator and the requester.
        // Its revert (the custom error with its facts) is re-thrown as it is.
        address verifier = address(_APPROVAL_VERIFIER);
        bytes32 domainSeparator = _domainSeparatorV4();
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            mstore(add(ptr, calldatasize()), domainSeparator)
            mstore(add(ptr, add(calldatasize(), 32)), shl(96, caller()))
            if iszero(staticcall(gas(), verifier, ptr, add(calldatasize(), 52), 0, 0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
        }
        // Exactly requestAccessWithConsent (same code), then each approval through the same
        // worker as its transaction with the signer in place of the caller, then the grant
        // rules once more: a share whose approvals are all in goes to Formal directly.
        uint256 requestId = _requestAndGrant(p, consent, _recordSignedConsent(consent, consentSignature));
        uint40 consentEnd;
        for (uint256 i = 0; i < approvals.length; ++i) {
            (,, consentEnd) = approvals[i].asSupervisor
                ? _approveSupervisor(requestId, approvals[i].approver)
                : _approveProvider(requestId, approvals[i].approver);
        }
        if (approvals.length != 0) _advance(requestId, _requests[requestId], _datasetRecord(p.datasetId), consentEnd);
    }

    /// @inheritdoc IAccess
    function relayShares(bytes[] calldata shares) external {
        for (uint256 i = 0; i < shares.length; ++i) {
            bytes calldata share = shares[i];
            // On itself, as the caller: every check of the call applies, the pause included, and
            // it can do nothing the caller could not do in a transaction of its own. The call
            // is copied past the free memory pointer, which stays put: each item reuses it.
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                let ptr := mload(0x40)
                calldatacopy(ptr, share.offset, share.length)
                if iszero(delegatecall(gas(), address(), ptr, share.length, 0, 0)) {
                    returndatacopy(ptr, 0, returndatasize())
                    revert(ptr, returndatasize())
                }
            }
        }
    }

    /// @dev Every path's request: the request, then the grant rules at once (a policy that
    ///      needs no approval grants here). All three paths call it with their arguments at the
    ///      same calldata positions, so the optimizer keeps one copy of it (the ledger is at
    ///      EIP-170's size limit); the early return keeps it from being inlined.
    function _requestAndGrant(RequestParams calldata p, ConsentTerms calldata consent, bytes32 cid)
        private
        returns (uint256 requestId)
    {
        RequestRecord storage r;
        DatasetRecord storage d;
        uint40 consentEnd;
        (requestId, r, d, consentEnd) = _request(p, consent, cid);
        // Waiting for its provider: nothing to grant yet (the first test of _advance, made here).
        if (d.requireProvider) return requestId;
        _advance(requestId, r, d, consentEnd);
    }

    /// @dev Checks and writes a request; the caller then applies the grant rules (`_advance`).
    ///      The one request worker of every path.
    function _request(RequestParams calldata p, ConsentTerms calldata consent, bytes32 cid)
        private
        returns (uint256 requestId, RequestRecord storage r, DatasetRecord storage d, uint40 consentEnd)
    {
        uint32 epoch = _requireActiveMember(msg.sender);
        d = _requireDataset(p.datasetId);
        if (d.retired) revert DatasetsRetired(p.datasetId);
        if (p.kind == uint8(GrantKind.None) || p.kind > uint8(GrantKind.Formal)) revert AccessInvalidKind(p.kind);
        if (p.duration == 0) revert AccessZeroDuration();
        // "Latest" means the latest when asked, so approvers see exactly what they approve; an
        // on-demand dataset with no version yet keeps 0 until its first version is granted.
        uint32 version = p.version == 0 ? d.latestVersion : p.version;
        if (p.version != 0 && _versionRecord(p.datasetId, p.version).publishedAt == 0) {
            revert DatasetsUnknownVersion(p.datasetId, p.version);
        }
        uint40 keyId = _requireLiveKey(msg.sender, p.deviceId);
        consentEnd = _checkConsentCovers(cid, consent, d, p);

        requestId = ++_globals.lastRequestId;
        r = _requests[requestId];
        r.requester = msg.sender;
        r.datasetId = p.datasetId;
        r.version = version;
        r.consentId = cid;
        r.status = RequestStatus.Pending;
        r.wantKind = GrantKind(p.kind);
        r.duration = p.duration;
        r.keyId = keyId;
        r.memberEpoch = epoch;
        r.supervisorEra = _globals.supervisorEra;
        emit AccessRequested(requestId, p.datasetId, msg.sender, cid, version, p.purpose, p.kind, p.duration, keyId);
    }

    /// @inheritdoc IAccess
    function approveAsProvider(uint256 requestId) external whenNotPaused {
        (RequestRecord storage r, DatasetRecord storage d, uint40 consentEnd) = _approveProvider(requestId, msg.sender);
        _advance(requestId, r, d, consentEnd);
    }

    /// @inheritdoc IAccess
    function approveAsSupervisor(uint256 requestId) external whenNotPaused {
        (RequestRecord storage r, DatasetRecord storage d, uint40 consentEnd) = _approveSupervisor(requestId, msg.sender);
        _advance(requestId, r, d, consentEnd);
    }

    /// @dev The provider's approval, by transaction or by signature (`approver` is the caller or
    ///      the signer): every check and the record, not the grant decision.
    function _approveProvider(uint256 requestId, address approver)
        private
        returns (RequestRecord storage r, DatasetRecord storage d, uint40 consentEnd)
    {
        r = _requireOpen(requestId);
        d = _requireProviderOf(r.datasetId, approver);
        if (r.providerApproved) revert AccessAlreadyApproved(requestId, approver);
        if (r.version == 0 && d.latestVersion == 0) revert AccessNoVersion(r.datasetId);
        consentEnd = _requireLiveConsent(r.consentId);
        r.providerApproved = true;
        emit AccessApproved(requestId, approver, false, _popcount(_approvalBits(r)));
    }

    /// @dev A supervisor's approval, by transaction or by signature (`approver` is the caller or
    ///      the signer): the role first, then conflict of interest, the consent, the bit. Not
    ///      the grant decision.
    function _approveSupervisor(uint256 requestId, address approver)
        private
        returns (RequestRecord storage r, DatasetRecord storage d, uint40 consentEnd)
    {
        (uint32 mask, address affiliation) = _supervisorBit(approver);
        r = _requireOpen(requestId);
        d = _requireDataset(r.datasetId);
        if (d.retired) revert DatasetsRetired(r.datasetId);
        address requester = r.requester;
        address provider = d.provider;
        if (
            approver == requester || approver == provider
                || (affiliation != address(0) && (affiliation == requester || affiliation == provider))
        ) revert AccessConflictOfInterest(requestId, approver);
        consentEnd = _requireLiveConsent(r.consentId);
        uint32 bits = r.supervisorBits;
        uint32 era = _globals.supervisorEra;
        if (r.supervisorEra != era) {
            // Bits were recycled since this bitmap was written: drop approvals their former
            // holders gave, then the bitmap is valid for the current era.
            bits &= ~_recycledSince(r.supervisorEra, bits);
            r.supervisorEra = era;
        }
        if (bits & mask != 0) revert AccessAlreadyApproved(requestId, approver);
        bits |= mask;
        r.supervisorBits = bits;
        emit AccessApproved(requestId, approver, true, _popcount(bits & ~_globals.revokedSupervisors));
    }

    /// @inheritdoc IAccess
    function advanceRequest(uint256 requestId) external whenNotPaused {
        RequestRecord storage r = _requireOpen(requestId);
        DatasetRecord storage d = _requireDataset(r.datasetId);
        if (d.retired) revert DatasetsRetired(r.datasetId);
        uint40 consentEnd = _requireLiveConsent(r.consentId);
        RequestStatus before = r.status;
        _advance(requestId, r, d, consentEnd);
        if (r.status == before) revert AccessNothingToAdvance(requestId);
    }

    /// @inheritdoc IAccess
    /// @dev Not `whenNotPaused`: it only reduces access, which must stay possible in an emergency.
    function rejectRequest(uint256 requestId, uint16 reasonCode) external {
        RequestRecord storage r = _requests[requestId];
        RequestStatus status = r.status;
        if (status != RequestStatus.Pending && status != RequestStatus.Temporary) {
            revert AccessWrongStatus(requestId, uint8(status));
        }
        _requireProviderOrSupervisor(requestId, r);
        if (status == RequestStatus.Temporary) {
            // A refusal ends the early release too: the temporary grant is revoked with it.
            r.status = RequestStatus.Revoked;
            emit AccessRejected(requestId, msg.sender, reasonCode);
            emit GrantRevoked(requestId, msg.sender, reasonCode);
        } else {
            r.status = RequestStatus.Rejected;
            emit AccessRejected(requestId, msg.sender, reasonCode);
        }
    }

    /// @inheritdoc IAccess
    /// @dev Not `whenNotPaused`: it only reduces access, which must stay possible in an emergency.
    function revokeGrant(uint256 requestId, uint16 reasonCode) external {
        RequestRecord storage r = _requests[requestId];
        if (r.status != RequestStatus.Temporary && r.status != RequestStatus.Formal) {
            revert AccessWrongStatus(requestId, uint8(r.status));
        }
        _requireProviderOrSupervisor(requestId, r);
        r.status = RequestStatus.Revoked;
        emit GrantRevoked(requestId, msg.sender, reasonCode);
    }

    /// @inheritdoc IAccess
    function setSupervisorAffiliation(address supervisor, address institution) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setAffiliation(supervisor, institution);
        emit SupervisorAffiliationSet(supervisor, institution);
    }

    /// @inheritdoc IAccess
    function supervisorAffiliation(address supervisor) external view returns (address) {
        return _affiliationOf(supervisor);
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
        if (g.version != 0) g.keyCommitment = _versionRecord(g.datasetId, g.version).keyCommitment;
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
    function requestOf(uint256 requestId) external view returns (RequestView memory) {
        RequestRecord storage r = _requests[requestId];
        if (r.status == RequestStatus.None) revert AccessUnknownRequest(requestId);
        return RequestView({
            requester: r.requester,
            datasetId: r.datasetId,
            version: r.version,
            consentId: r.consentId,
            status: uint8(r.status),
            wantKind: uint8(r.wantKind),
            providerApproved: r.providerApproved,
            supervisorApprovals: _popcount(_approvalBits(r)),
            expiresAt: r.expiresAt
        });
    }

    /// @dev The stored record of request `requestId` (status None: none), for Receipts.
    function _requestRecord(uint256 requestId) internal view returns (RequestRecord storage) {
        return _requests[requestId];
    }

    /// @dev Moves a request to the highest stage its approvals allow, emitting AccessGranted.
    ///      The caller has checked that the consent is live (it ends at `consentEnd`); this
    ///      reverts if the requester's membership is no longer live, so the approval that would
    ///      have granted fails loudly instead of granting on a void basis. The category floor is
    ///      read here, at grant time, because supervisors may raise it after registration.
    function _advance(uint256 requestId, RequestRecord storage r, DatasetRecord storage d, uint40 consentEnd) private {
        // Cheapest test first: a request waiting for its provider costs no read of the floor.
        if (!r.providerApproved && d.requireProvider) return;
        CategoryMinimum memory min = _categoryFloor(d.category);
        if (!r.providerApproved && min.requireProvider) return;
        uint32 version = r.version == 0 ? d.latestVersion : r.version;
        if (version == 0) return; // on-demand dataset: waits for its first version

        uint8 count = _popcount(_approvalBits(r));
        GrantKind kind;
        uint32 cap;
        if (r.wantKind == GrantKind.Formal && count >= d.supervisorQuorum && count >= min.supervisorQuorum) {
            (kind, cap) = (GrantKind.Formal, d.maxFormal);
        } else if (r.status == RequestStatus.Pending && _temporaryAllowed(min, count)) {
            // The least of the dataset's cap, the category's (when set) and the ceiling. The
            // dataset's is within the ceiling already: every policy is checked against it.
            cap = d.maxTemporary;
            if (cap == 0) return;
            if (min.maxTemporary != 0 && min.maxTemporary < cap) cap = min.maxTemporary;
            kind = GrantKind.Temporary;
        } else {
            return;
        }

        if (!_isMemberInEpoch(r.requester, r.memberEpoch)) revert MembersNotActive(r.requester);
        uint40 now_ = _now();
        uint40 expiresAt = _min(_min(now_ + uint40(r.duration), now_ + uint40(cap)), consentEnd);
        r.status = kind == GrantKind.Formal ? RequestStatus.Formal : RequestStatus.Temporary;
        r.grantedKind = kind;
        r.expiresAt = expiresAt;
        if (r.version != version) r.version = version;
        emit AccessGranted(requestId, r.datasetId, r.requester, uint8(kind), expiresAt, version, r.keyId);
    }

    /// @dev The category's temporary rule admits a temporary grant with `count` supervisors.
    function _temporaryAllowed(CategoryMinimum memory min, uint8 count) private pure returns (bool) {
        if (min.temporary == TemporaryRule.Forbidden) return false;
        return count >= (min.temporary == TemporaryRule.Early ? min.temporaryQuorum : min.supervisorQuorum);
    }

    /// @dev The request's approval bits that count now: holders that still have the role, and
    ///      not bits handed to a new holder after the bitmap was written (free unless a bit was
    ///      recycled since: then the stale bits are looked up).
    function _approvalBits(RequestRecord storage r) private view returns (uint32 bits) {
        bits = r.supervisorBits & ~_globals.revokedSupervisors;
        uint32 era = r.supervisorEra;
        if (bits != 0 && era != _globals.supervisorEra) bits &= ~_recycledSince(era, bits);
    }

    /// @dev The consent's end, if it is live: not revoked, not expired.
    function _requireLiveConsent(bytes32 cid) private view returns (uint40) {
        ConsentRecord storage c = _consentRecord(cid);
        if (c.revoked) revert ConsentsRevoked(cid);
        if (c.expiresAt <= _now()) revert ConsentsExpired(cid, c.expiresAt);
        return c.expiresAt;
    }

    /// @dev See Consents._datasetSubject.
    function _datasetSubject(uint64 datasetId) internal view override returns (address) {
        return _datasetRecord(datasetId).subject;
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
        ConsentRecord storage c = _consentRecord(r.consentId);
        if (c.revoked) return GrantInvalidReason.ConsentRevoked;
        if (now_ >= c.expiresAt) return GrantInvalidReason.ConsentExpired;
        if (now_ >= r.expiresAt) return GrantInvalidReason.Expired;
        if (!_isMemberInEpoch(r.requester, r.memberEpoch)) return GrantInvalidReason.RequesterSuspended;
        if (_datasetRecord(r.datasetId).retired) return GrantInvalidReason.DatasetRetired;
        return GrantInvalidReason.None;
    }

    /// @dev The consent with id `cid` (whose terms are `t`) must be live and cover this request.
    ///      Returns the consent's end.
    function _checkConsentCovers(
        bytes32 cid,
        ConsentTerms calldata t,
        DatasetRecord storage d,
        RequestParams calldata p
    ) private view returns (uint40 consentEnd) {
        if (_consentRecord(cid).subject == address(0)) revert ConsentsUnknown(cid);
        consentEnd = _requireLiveConsent(cid);
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
        if (_datasetRecord(r.datasetId).provider == msg.sender) {
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
