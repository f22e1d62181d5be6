// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SealshareBase} from "./SealshareBase.sol";
import {IConsents} from "../interfaces/IConsents.sol";
import {Category, ConsentTerms, ConsentView, GrantKind} from "../common/Types.sol";
import {CONSENT_TYPE_HASH, consentStructHash} from "../common/TypedData.sol";

/// @title Consents (see {IConsents}).
/// @notice Records, revokes and checks consents given by transaction or EIP-712 signature.
abstract contract Consents is SealshareBase, IConsents {
    // EIP-712 type strings are as long as their types; they are hashed at compile time, so
    // their length costs nothing at run time.
    // solhint-disable gas-small-strings
    /// @notice EIP-712 type hash of a consent's terms (the struct a subject's wallet signs).
    /// @dev keccak256("Consent(address subject,address requester,uint64 datasetId,uint8 category,uint32 purpose,uint8 maxKind,uint40 expiresAt,bytes32 receiptHash,bytes32 nonce,uint40 deadline)")
    bytes32 public constant CONSENT_TYPEHASH = CONSENT_TYPE_HASH;
    /// @notice EIP-712 type hash of a revocation a subject signs for a relayer to send.
    /// @dev keccak256("RevokeConsent(bytes32 consentId,uint40 deadline)")
    bytes32 public constant REVOKE_CONSENT_TYPEHASH = keccak256("RevokeConsent(bytes32 consentId,uint40 deadline)");
    // solhint-enable gas-small-strings

    /// @dev One slot. Invariant: `subject` is set exactly once, when the consent is recorded;
    ///      `revoked` only ever goes from false to true.
    struct ConsentRecord {
        address subject;
        uint40 expiresAt;
        uint8 maxKind;
        bool revoked;
    }

    mapping(bytes32 consentId => ConsentRecord) private _consents;
    /// @dev Ids a subject cancelled before anyone recorded them (signatures in flight). Keyed
    ///      by the subject so nobody else can block a consent by "cancelling" its id first.
    mapping(address subject => mapping(bytes32 consentId => bool)) private _cancelled;

    /// @inheritdoc IConsents
    function giveConsent(ConsentTerms calldata terms) external whenNotPaused returns (bytes32 id) {
        id = _consentId(terms);
        if (msg.sender != terms.subject) revert ConsentsNotSubject(id, msg.sender);
        _recordConsent(id, terms);
    }

    /// @inheritdoc IConsents
    function giveConsentBySig(ConsentTerms calldata terms, bytes calldata signature)
        external
        whenNotPaused
        returns (bytes32 id)
    {
        return _recordSignedConsent(terms, signature);
    }

    /// @inheritdoc IConsents
    /// @dev Deliberately not `whenNotPaused`: withdrawing consent must always be possible.
    function revokeConsent(bytes32 id) external {
        _revoke(id, msg.sender);
    }

    /// @inheritdoc IConsents
    function revokeConsentBySig(bytes32 id, uint40 deadline, bytes calldata signature) external {
        if (_now() > deadline) revert ConsentsSignatureExpired(deadline);
        address subject = _consents[id].subject;
        if (subject == address(0)) revert ConsentsUnknown(id);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(REVOKE_CONSENT_TYPEHASH, id, deadline)));
        if (!SignatureChecker.isValidSignatureNow(subject, digest, signature)) {
            revert ConsentsInvalidSignature(subject);
        }
        _revoke(id, subject);
    }

    /// @inheritdoc IConsents
    function consentId(ConsentTerms calldata terms) external view returns (bytes32) {
        return _consentId(terms);
    }

    /// @inheritdoc IConsents
    function consentOf(bytes32 id) external view returns (ConsentView memory) {
        ConsentRecord storage c = _consents[id];
        return ConsentView({subject: c.subject, expiresAt: c.expiresAt, maxKind: c.maxKind, revoked: c.revoked});
    }

    /// @dev The stored record of consent `id` (subject zero: none recorded). For the modules
    ///      that check consents (Access); only this module writes it.
    function _consentRecord(bytes32 id) internal view returns (ConsentRecord storage) {
        return _consents[id];
    }

    /// @dev The EIP-712 digest of the terms: bound to this chain id and this contract.
    function _consentId(ConsentTerms calldata t) internal view returns (bytes32) {
        return _hashTypedDataV4(consentStructHash(t));
    }

    /// @dev Checks the subject's signature over the terms (EOA or ERC-1271) and records them.
    function _recordSignedConsent(ConsentTerms calldata terms, bytes calldata signature) internal returns (bytes32 id) {
        id = _consentId(terms);
        if (!SignatureChecker.isValidSignatureNow(terms.subject, id, signature)) {
            revert ConsentsInvalidSignature(terms.subject);
        }
        _recordConsent(id, terms);
    }

    /// @dev The one worker behind every entry path (direct, signed, signed-with-request), so
    ///      they cannot drift.
    function _recordConsent(bytes32 id, ConsentTerms calldata t) private {
        uint40 now_ = _now();
        if (now_ > t.deadline) revert ConsentsSignatureExpired(t.deadline);
        if (t.subject == address(0)) revert ConsentsNoSubject();
        if (t.expiresAt <= now_) revert ConsentsExpiryNotInFuture(t.expiresAt, now_);
        if (t.maxKind == uint8(GrantKind.None) || t.maxKind > uint8(GrantKind.Formal)) {
            revert ConsentsInvalidKind(t.maxKind);
        }
        if (t.datasetId == 0 && t.category > uint8(type(Category).max)) revert ConsentsInvalidCategory(t.category);
        // A consent to one dataset is only its subject's to give (a category consent names no
        // dataset, and a request checks the dataset's subject against it).
        if (t.datasetId != 0 && _datasetSubject(t.datasetId) != t.subject) {
            revert ConsentsNotDatasetSubject(t.datasetId, t.subject);
        }
        if (_consents[id].subject != address(0)) revert ConsentsAlreadyRecorded(id);
        if (_cancelled[t.subject][id]) revert ConsentsCancelled(id);
        _consents[id] = ConsentRecord(t.subject, t.expiresAt, t.maxKind, false);
        emit ConsentGiven(
            id, t.subject, t.requester, t.datasetId, t.category, t.purpose, t.maxKind, t.expiresAt, t.receiptHash, msg.sender
        );
    }

    /// @dev The subject of dataset `datasetId`, address(0) if there is none (Datasets knows).
    function _datasetSubject(uint64 datasetId) internal view virtual returns (address);

    function _revoke(bytes32 id, address subject) private {
        ConsentRecord storage c = _consents[id];
        if (c.subject == address(0)) {
            // Not recorded yet: cancel the signature in flight. Stored under the caller, so it
            // only ever blocks a consent whose subject is the caller.
            _cancelled[subject][id] = true;
            emit ConsentSignatureCancelled(id, subject);
            return;
        }
        if (c.subject != subject) revert ConsentsNotSubject(id, subject);
        if (c.revoked) revert ConsentsRevoked(id);
        c.revoked = true;
        emit ConsentRevoked(id, subject);
    }
}
