// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsentTerms, GrantView, RequestView} from "../common/Types.sol";

/// @title Access requests, approvals and grants
/// @notice A requester member asks for a dataset under a consent; the provider and supervisors
///         approve as the dataset's policy requires; the contract grants a temporary and then a
///         formal grant, each with `expiresAt = min(now + duration, consent expiry, policy max)`.
interface IAccess {
    /// @notice Parameters of a request.
    struct RequestParams {
        uint64 datasetId;
        uint32 version; // 0 = the latest when requested (on-demand dataset with none yet: when granted)
        uint32 purpose; // must equal the consent's purpose
        uint8 kind; // GrantKind wanted: Temporary or Formal
        uint32 duration; // seconds wanted
        bytes32 deviceId; // the requester's device whose key the data key is wrapped to
    }

    /// @notice An approval given by signature instead of by transaction: the provider's or a
    ///         supervisor's EIP-712 `ShareApproval` (see {relayShare}), relayed by the requester.
    struct SignedApproval {
        address approver; // the signer: the dataset's provider, or a supervisor
        bool asSupervisor; // the role it approves in (signed too)
        uint40 deadline; // unix seconds; the approval cannot be used after this
        bytes signature; // 65 bytes (r, s, v), 64 bytes (EIP-2098 compact) or an ERC-1271 signature
    }

    /// @notice No request `requestId`.
    error AccessUnknownRequest(uint256 requestId);
    /// @notice The consent does not cover this request; `what` names the mismatch.
    error AccessConsentMismatch(bytes32 consentId, string what);
    /// @notice The requested `kind` is not a grant kind (1 Temporary or 2 Formal).
    error AccessInvalidKind(uint8 kind);
    /// @notice The requested duration is 0 seconds.
    error AccessZeroDuration();
    /// @notice The request is not in a state that allows this action.
    error AccessWrongStatus(uint256 requestId, uint8 status);
    /// @notice `approver` already approved this request in this role.
    error AccessAlreadyApproved(uint256 requestId, address approver);
    /// @notice `caller` may not approve, reject or revoke this request.
    error AccessNotApprover(uint256 requestId, address caller);
    /// @notice {advanceRequest} found nothing to change: approvals, version or consent still missing.
    error AccessNothingToAdvance(uint256 requestId);
    /// @notice Only the requester may record usage.
    error AccessNotRequester(uint256 requestId, address caller);
    /// @notice The dataset has no version to grant yet (on-demand dataset not extracted yet).
    error AccessNoVersion(uint64 datasetId);
    /// @notice `supervisor` may not approve request `requestId`: it is the requester, the
    ///         dataset's provider, or affiliated (see {setSupervisorAffiliation}) with either.
    error AccessConflictOfInterest(uint256 requestId, address supervisor);

    /// @notice `approver`'s signed approval for the share under consent `consentId` was relayed
    ///         after its `deadline`.
    error AccessApprovalExpired(bytes32 consentId, address approver, uint40 deadline);
    /// @notice The signature is not `approver`'s `ShareApproval` of the share under consent
    ///         `consentId` as relayed (another signer, or signed for other request terms, another
    ///         consent, dataset, requester, role, chain or ledger).
    error AccessInvalidApprovalSignature(bytes32 consentId, address approver);

    /// @notice `requester` asked for `datasetId` under `consentId`. For on-demand datasets this
    ///         is the provider's signal to extract and publish a version. `version` is the one
    ///         approvers approve: "latest" already resolved, or 0 if the dataset has none yet.
    /// @param requestId The new request's id.
    /// @param datasetId The dataset asked for.
    /// @param requester The member asking.
    /// @param consentId The consent the request relies on.
    /// @param version The version approvers approve (0: on-demand dataset with no version yet).
    /// @param purpose Purpose code (docs/CODES.md); equal to the consent's.
    /// @param kind The GrantKind wanted.
    /// @param duration Seconds wanted.
    /// @param keyId The requester's encryption key the data key will be wrapped to.
    event AccessRequested(
        uint256 indexed requestId,
        uint64 indexed datasetId,
        address indexed requester,
        bytes32 consentId,
        uint32 version,
        uint32 purpose,
        uint8 kind,
        uint32 duration,
        uint40 keyId
    );
    /// @notice An approval; `asSupervisor` tells the role; `supervisorApprovals` is the new count.
    /// @param requestId The request approved.
    /// @param approver The provider or supervisor approving.
    /// @param asSupervisor True for a supervisor's approval, false for the provider's.
    /// @param supervisorApprovals Distinct current supervisors that have approved, after this one.
    event AccessApproved(
        uint256 indexed requestId, address indexed approver, bool asSupervisor, uint8 supervisorApprovals
    );
    /// @notice A required approver refused the request.
    /// @param requestId The request refused.
    /// @param by The provider or supervisor refusing.
    /// @param reasonCode Why (names and meanings: docs/CODES.md, from sdk/vocabulary.ts).
    event AccessRejected(uint256 indexed requestId, address indexed by, uint16 reasonCode);
    /// @notice A grant of `kind` until `expiresAt` for the named version and key.
    /// @param requestId The request granted.
    /// @param datasetId The dataset the grant covers.
    /// @param requester The member granted access.
    /// @param kind The GrantKind granted (Temporary, or Formal when every approval is in).
    /// @param expiresAt Unix seconds: min(now + duration, consent expiry, now + policy max for `kind`).
    /// @param version The dataset version whose key may be released.
    /// @param keyId The requester's key the data key may be wrapped to.
    event AccessGranted(
        uint256 indexed requestId,
        uint64 indexed datasetId,
        address indexed requester,
        uint8 kind,
        uint40 expiresAt,
        uint32 version,
        uint40 keyId
    );
    /// @notice The provider or a supervisor revoked a grant.
    /// @param requestId The request whose grant was revoked.
    /// @param by The provider or supervisor revoking.
    /// @param reasonCode Why (names and meanings: docs/CODES.md, from sdk/vocabulary.ts).
    event GrantRevoked(uint256 indexed requestId, address indexed by, uint16 reasonCode);
    /// @notice The admin declared `supervisor` affiliated with member `institution` (zero: none);
    ///         from now on it may not approve requests that institution makes or provides for.
    /// @param supervisor The supervisor's account.
    /// @param institution The member institution it is affiliated with, or address(0).
    event SupervisorAffiliationSet(address indexed supervisor, address indexed institution);
    /// @notice The requester recorded what it did with the data.
    /// @param requestId The request under which the data was used.
    /// @param requester The member that used it.
    /// @param usageCode What was done (names and meanings: docs/CODES.md, from sdk/vocabulary.ts).
    /// @param detailsHash Hash of an off-chain usage record.
    event UsageRecorded(uint256 indexed requestId, address indexed requester, uint16 usageCode, bytes32 detailsHash);

    /// @notice Asks for access under the consent whose terms are `consent`.
    /// @dev Caller must be an active member with a live key for `p.deviceId`; the consent must be
    ///      recorded, live, and cover (requester, dataset or category, purpose, kind). Emits
    ///      {AccessRequested}, and {AccessGranted} if the policy needs no further approval.
    /// @param p What is asked for: dataset, version, purpose, kind, duration, device.
    /// @param consent The terms of a recorded consent (checked against its id).
    /// @return requestId The new request's id.
    function requestAccess(RequestParams calldata p, ConsentTerms calldata consent)
        external
        returns (uint256 requestId);

    /// @notice Records the subject's signed consent and asks for access under it, in one
    ///         transaction: the requester relays the subject's EIP-712 `Consent` signature (the
    ///         subject pays no gas) and saves a transaction. Same checks as {giveConsentBySig}
    ///         followed by {requestAccess}. Emits {ConsentGiven} and {AccessRequested}.
    /// @param p What is asked for: dataset, version, purpose, kind, duration, device.
    /// @param consent The consent terms the subject signed.
    /// @param signature The subject's EIP-712 `Consent` signature (EOA or ERC-1271).
    /// @return requestId The new request's id.
    function requestAccessWithConsent(RequestParams calldata p, ConsentTerms calldata consent, bytes calldata signature)
        external
        returns (uint256 requestId);

    /// @notice A whole share in one transaction, as its four parties would make it with
    ///         {requestAccessWithConsent}, {approveAsProvider} and {approveAsSupervisor}, but
    ///         with the approvals given as signatures: records the subject's signed consent and
    ///         asks for access under it (the caller is the requester) exactly as
    ///         {requestAccessWithConsent} does, records each signed approval exactly as its
    ///         signer's transaction would, then grants what the approvals allow (Formal at
    ///         once when they are all in). Emits {ConsentGiven}, {AccessRequested}, one
    ///         {AccessApproved} per approval naming its signer, and {AccessGranted} if granted.
    /// @dev Each approval is the EIP-712 struct, in the ledger's domain (chain id and ledger
    ///      address), `ShareApproval(bytes32 consentId,address requester,uint64 datasetId,uint32
    ///      purpose,uint8 kind,uint32 duration,address approver,bool asSupervisor,uint40 deadline)`:
    ///      it approves exactly these terms under exactly this consent, not a dataset version
    ///      ("latest" is resolved as on the transaction path). Signatures are checked first, by
    ///      the ledger's ShareApprovalVerifier: {AccessApprovalExpired} after a deadline,
    ///      {AccessInvalidApprovalSignature} for a signature that is not the approver's over
    ///      these terms (a 65 or 64-byte EIP-2098 ECDSA signature, low s, that recovers to the
    ///      approver; otherwise, for an approver with code, its ERC-1271 answer, asked by the
    ///      verifier). Then each signer's right to approve is checked at
    ///      execution by the transaction path's own code: the provider must be the dataset's
    ///      current provider and an active member ({DatasetsNotProvider}, {MembersNotActive}),
    ///      a supervisor must hold the role now ({AccessControlUnauthorizedAccount}) and have no
    ///      conflict of interest ({AccessConflictOfInterest}); the category floor applies at
    ///      the grant. Every error of {requestAccessWithConsent} applies too.
    ///
    ///      Replay protection without a nonce slot: an approval names its consent id, and this
    ///      function records that consent (reverting {ConsentsAlreadyRecorded} if it was
    ///      recorded before, by any path), so a consent id, hence every approval naming it, is
    ///      used by at most one successful call, which creates one request. Within it, a
    ///      duplicate approval reverts {AccessAlreadyApproved} (one bit per supervisor, one
    ///      provider flag). Signed approvals are accepted nowhere else. A signature in flight is
    ///      cancelled with its consent: the subject revokes the consent id before it lands.
    /// @param p What is asked for: dataset, version, purpose, kind, duration, device.
    /// @param consent The consent terms the subject signed (not recorded yet).
    /// @param consentSignature The subject's EIP-712 `Consent` signature (EOA or ERC-1271).
    /// @param approvals The provider's and supervisors' signed approvals, in any order.
    ///        The new request's id is in {AccessRequested}.
    function relayShare(
        RequestParams calldata p,
        ConsentTerms calldata consent,
        bytes calldata consentSignature,
        SignedApproval[] calldata approvals
    ) external;

    /// @notice Many {relayShare} calls in one transaction, each run on the ledger itself as the
    ///         caller (a DELEGATECALL to itself, as OpenZeppelin's Multicall does), so every
    ///         check applies to each exactly as to a lone call, and a batch can do nothing its
    ///         caller could not do in separate transactions (an item may be any ledger call; the
    ///         SDK sends {relayShare} calls). All or nothing: the first failing item's error is
    ///         re-thrown as it is and nothing is recorded.
    /// @param shares ABI-encoded {relayShare} calls (selector and arguments), one per share.
    function relayShares(bytes[] calldata shares) external;

    /// @notice The dataset's current provider approves. May emit {AccessGranted}.
    /// @dev Reverts {ConsentsRevoked} / {ConsentsExpired} when the request's consent is dead.
    /// @param requestId A pending request, or a temporary grant waiting to become formal.
    function approveAsProvider(uint256 requestId) external;
    /// @notice A supervisor approves; each supervisor counts once. May emit {AccessGranted}.
    /// @dev Reverts {AccessConflictOfInterest} when the supervisor is the requester, the
    ///      dataset's provider, or affiliated with either; {ConsentsRevoked} / {ConsentsExpired}
    ///      when the request's consent is dead. An approval counts only while its giver holds
    ///      the role, and never for a later holder of the same approval bit.
    /// @param requestId A pending request, or a temporary grant waiting to become formal.
    function approveAsSupervisor(uint256 requestId) external;
    /// @notice Anyone re-applies the grant rules to an open request. Emits {AccessGranted} or reverts
    ///         {AccessNothingToAdvance}. A grant is otherwise decided only inside an approval, so
    ///         this is for what changed without one: the first version of an on-demand dataset
    ///         was published after the approvals, a supervisor whose earlier approval counts again
    ///         was re-granted the role, or a category minimum was lowered.
    /// @dev Reverts {ConsentsRevoked} / {ConsentsExpired} when the request's consent is dead.
    /// @param requestId A pending request, or a temporary grant waiting to become formal.
    function advanceRequest(uint256 requestId) external;
    /// @notice The provider or a supervisor refuses a request. On a pending request the status
    ///         becomes Rejected (emits {AccessRejected}); on a live temporary grant it becomes
    ///         Revoked (emits {AccessRejected} then {GrantRevoked}, same reason code). Works while
    ///         paused (it only reduces access).
    /// @param requestId A pending request or a live temporary grant.
    /// @param reasonCode Why (names and meanings: docs/CODES.md, from sdk/vocabulary.ts).
    function rejectRequest(uint256 requestId, uint16 reasonCode) external;
    /// @notice The provider or a supervisor revokes a live grant. Works while paused (it only
    ///         reduces access). Emits {GrantRevoked}.
    /// @param requestId A request with a temporary or formal grant.
    /// @param reasonCode Why (names and meanings: docs/CODES.md, from sdk/vocabulary.ts).
    function revokeGrant(uint256 requestId, uint16 reasonCode) external;
    /// @notice Declares `supervisor` affiliated with member `institution` (address(0) clears it),
    ///         for separation of duties: an affiliated supervisor may not approve requests made
    ///         by, or for datasets provided by, that institution. Requires DEFAULT_ADMIN_ROLE.
    ///         Emits {SupervisorAffiliationSet}.
    /// @param supervisor Any account (the affiliation applies whenever it holds SUPERVISOR_ROLE).
    /// @param institution The member institution, or address(0) for none.
    function setSupervisorAffiliation(address supervisor, address institution) external;
    /// @notice The institution `supervisor` is affiliated with, address(0) if none.
    /// @param supervisor Any account.
    function supervisorAffiliation(address supervisor) external view returns (address);
    /// @notice The requester records a use of the data. Emits {UsageRecorded}.
    /// @param requestId A request that was granted (even if revoked or expired since).
    /// @param usageCode What was done (names and meanings: docs/CODES.md, from sdk/vocabulary.ts).
    /// @param detailsHash Hash of an off-chain usage record.
    function recordUsage(uint256 requestId, uint16 usageCode, bytes32 detailsHash) external;

    /// @notice The one view the custodian trusts: is this grant live, and for what.
    /// @param requestId Any request id (unknown ids answer "not granted").
    function isGrantValid(uint256 requestId) external view returns (GrantView memory);

    /// @notice A request's stored record.
    /// @param requestId An existing request.
    /// @return The requester, dataset, version, consent, status, kind wanted, approvals and
    ///         grant expiry (see {RequestView}).
    function requestOf(uint256 requestId) external view returns (RequestView memory);
}
