// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsentTerms, ConsentView} from "../common/Types.sol";

/// @title Consents
/// @notice A data subject consents (by transaction, or gaslessly by an EIP-712 signature that
///         anyone relays) to a requester or any member using one dataset or a whole category of
///         their data, for a purpose, until an expiry, up to a grant kind. Revocable at once.
/// @dev A consent's id is the EIP-712 digest of its terms (so it is bound to this chain and
///      this deployment). Only (subject, expiresAt, maxKind, revoked) is stored; users of a
///      consent pass its terms again and the contract checks them against the id. Replay is
///      impossible because an id can be recorded once; `nonce` is a random salt (an unordered
///      nonce), and a signature in flight is cancelled by revoking its id before it lands.
interface IConsents {
    /// @notice The consent with `consentId` was already recorded (or replayed).
    error ConsentsAlreadyRecorded(bytes32 consentId);
    /// @notice The subject cancelled this id before it was recorded.
    error ConsentsCancelled(bytes32 consentId);
    /// @notice The signature's deadline passed at `deadline`.
    error ConsentsSignatureExpired(uint40 deadline);
    /// @notice The signature is not the subject's (EOA or ERC-1271).
    error ConsentsInvalidSignature(address subject);
    /// @notice The caller is not the consent's subject.
    error ConsentsNotSubject(bytes32 consentId, address caller);
    /// @notice The terms name no subject (address(0)).
    error ConsentsNoSubject();
    /// @notice The terms' `expiresAt` is not after the block time `currentTime`.
    error ConsentsExpiryNotInFuture(uint40 expiresAt, uint40 currentTime);
    /// @notice The terms' `maxKind` is not a grant kind (1 Temporary or 2 Formal).
    error ConsentsInvalidKind(uint8 maxKind);
    /// @notice A category consent (datasetId 0) names no Category.
    error ConsentsInvalidCategory(uint8 category);
    /// @notice The consent names dataset `datasetId`, whose subject is not `subject` (or which
    ///         does not exist): nobody can consent to another person's dataset.
    error ConsentsNotDatasetSubject(uint64 datasetId, address subject);
    /// @notice No consent is recorded under `consentId`.
    error ConsentsUnknown(bytes32 consentId);
    /// @notice The consent was revoked.
    error ConsentsRevoked(bytes32 consentId);
    /// @notice The consent expired at `expiredAt`.
    error ConsentsExpired(bytes32 consentId, uint40 expiredAt);

    /// @notice A consent was recorded; `relayer` paid the gas (the subject itself on the tx path).
    /// @param consentId The EIP-712 digest of the terms.
    /// @param subject The person the data is about, who consented.
    /// @param requester The member allowed to ask; address(0) = any registered member.
    /// @param datasetId One dataset; 0 = every dataset of `category` about the subject.
    /// @param category The category covered when `datasetId` is 0.
    /// @param purpose Purpose code a request must name (docs/CODES.md).
    /// @param maxKind Highest GrantKind allowed.
    /// @param expiresAt Unix seconds; the consent is void from this second on.
    /// @param receiptHash Hash of the off-chain consent receipt.
    /// @param relayer Who sent the transaction.
    event ConsentGiven(
        bytes32 indexed consentId,
        address indexed subject,
        address indexed requester,
        uint64 datasetId,
        uint8 category,
        uint32 purpose,
        uint8 maxKind,
        uint40 expiresAt,
        bytes32 receiptHash,
        address relayer
    );
    /// @notice The subject revoked the recorded consent `consentId`.
    /// @param consentId The consent revoked.
    /// @param subject Its subject.
    event ConsentRevoked(bytes32 indexed consentId, address indexed subject);
    /// @notice `canceller` cancelled a signed consent before it was recorded. It blocks that id
    ///         only if `canceller` is the consent's subject; anyone else's cancellation is inert.
    /// @param consentId The id (EIP-712 digest) of the signed terms.
    /// @param canceller Who cancelled it.
    event ConsentSignatureCancelled(bytes32 indexed consentId, address indexed canceller);

    /// @notice Records a consent sent by its subject. Emits {ConsentGiven}.
    /// @dev With `terms.datasetId != 0` the subject must be that dataset's subject, on every
    ///      recording path (else {ConsentsNotDatasetSubject}).
    /// @param terms The consent's terms; `terms.subject` must be the caller.
    /// @return consentId The EIP-712 digest of `terms`.
    function giveConsent(ConsentTerms calldata terms) external returns (bytes32 consentId);

    /// @notice Records a consent signed by its subject (EIP-712 `Consent`), relayed by anyone.
    /// @dev ERC-1271 subjects are accepted. Reverts after `terms.deadline`. Emits {ConsentGiven}.
    /// @param terms The consent's terms as signed.
    /// @param signature The subject's signature over the EIP-712 `Consent` digest of `terms`.
    /// @return consentId The EIP-712 digest of `terms`.
    function giveConsentBySig(ConsentTerms calldata terms, bytes calldata signature)
        external
        returns (bytes32 consentId);

    /// @notice Revokes a consent at once, or cancels a signed one that was not recorded yet.
    /// @dev Only the subject. Always possible, whoever recorded the consent, even while paused.
    ///      Emits {ConsentRevoked}, or {ConsentSignatureCancelled} for an id not recorded yet.
    /// @param consentId The consent (or signed terms not recorded yet) to revoke.
    function revokeConsent(bytes32 consentId) external;

    /// @notice Revokes a consent by the subject's EIP-712 `RevokeConsent` signature, relayed by anyone.
    /// @param consentId A recorded consent.
    /// @param deadline Unix seconds; the signature is refused after it.
    /// @param signature The subject's signature over `RevokeConsent(consentId, deadline)`.
    function revokeConsentBySig(bytes32 consentId, uint40 deadline, bytes calldata signature) external;

    /// @notice The consent id (EIP-712 digest) of `terms`.
    /// @param terms Consent terms.
    function consentId(ConsentTerms calldata terms) external view returns (bytes32);

    /// @notice The stored part of a consent.
    /// @param consentId A consent id.
    /// @return The subject (address(0): no consent under the id), expiry, highest kind and
    ///         revocation flag (see {ConsentView}).
    function consentOf(bytes32 consentId) external view returns (ConsentView memory);
}
