// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IAccess} from "../interfaces/IAccess.sol";
import {ConsentTerms} from "../common/Types.sol";
import {SHARE_APPROVAL_TYPE_HASH, consentStructHash} from "../common/TypedData.sol";

/// @title Signature check of relayed share approvals
/// @notice The signature half of {IAccess.relayShare}, kept out of the ledger's runtime code
///         (the ledger is at EIP-170's size limit), like KeyPossessionVerifier: the ledger
///         deploys one instance in its constructor and STATICCALLs it once per relay, before it
///         changes anything. Whether each signer may approve (provider, supervisor, conflict of
///         interest, floors) is the ledger's business, checked with the transaction path's code.
/// @dev Stateless and owner-less: anyone may call it; it only answers a question, and it binds
///      nothing by itself: the caller supplies the EIP-712 domain separator and the requester.
contract ShareApprovalVerifier {
    /// @notice The EIP-712 type hash of a `ShareApproval` (see contracts/common/TypedData.sol).
    bytes32 public constant SHARE_APPROVAL_TYPEHASH = SHARE_APPROVAL_TYPE_HASH;

    /// @notice Reverts unless every approval is live and signed by its approver. Named and
    ///         typed as the ledger's {IAccess.relayShare} so that the ledger forwards its own
    ///         calldata unchanged; it records nothing.
    /// @dev Called by the ledger with the calldata of its `relayShare` call, followed by 52
    ///      bytes: the ledger's domain separator and the requester (the ledger's caller).
    ///      The ABI decoder ignores bytes after the encoded arguments, so they are read by hand.
    ///      Reverts {IAccess.AccessApprovalExpired} after a deadline and
    ///      {IAccess.AccessInvalidApprovalSignature} for any other failure: a signature is the
    ///      approver's if it is a 65-byte or 64-byte (EIP-2098) ECDSA signature with low s that
    ///      recovers to it, or, for an approver with code, if its ERC-1271 `isValidSignature`
    ///      says so (asked by this contract, so `msg.sender` there is this verifier).
    /// @param p The request as relayed.
    /// @param consent The consent terms as relayed (the approvals name their id).
    /// @param approvals The signed approvals as relayed.
    function relayShare(
        IAccess.RequestParams calldata p,
        ConsentTerms calldata consent,
        bytes calldata, // the consent's signature: the ledger checks it when it records the consent
        IAccess.SignedApproval[] calldata approvals
    ) external view {
        uint256 end = msg.data.length;
        bytes32 domainSeparator = bytes32(msg.data[end - 52:end - 20]);
        address requester = address(bytes20(msg.data[end - 20:end]));
        bytes32 cid = MessageHashUtils.toTypedDataHash(domainSeparator, consentStructHash(consent));
        for (uint256 i = 0; i < approvals.length; ++i) {
            IAccess.SignedApproval calldata a = approvals[i];
            if (block.timestamp > a.deadline) revert IAccess.AccessApprovalExpired(cid, a.approver, a.deadline);
            bytes32 digest = MessageHashUtils.toTypedDataHash(
                domainSeparator,
                keccak256(
                    abi.encode(
                        SHARE_APPROVAL_TYPE_HASH,
                        cid,
                        requester,
                        p.datasetId,
                        p.purpose,
                        p.kind,
                        p.duration,
                        a.approver,
                        a.asSupervisor,
                        a.deadline
                    )
                )
            );
            if (!_isSignatureOf(a.approver, digest, a.signature)) {
                revert IAccess.AccessInvalidApprovalSignature(cid, a.approver);
            }
        }
    }

    /// @dev ECDSA first (65 bytes, or 64-byte EIP-2098 compact; low s): a signature that
    ///      recovers to the approver is the approver's, and this costs no look-up of the
    ///      approver's account (an EXTCODESIZE of a cold account is 2,600 gas per approver).
    ///      Otherwise, only if the approver has code, its ERC-1271 answer (never asked of an
    ///      address without code), as OpenZeppelin's SignatureChecker did before 5.2.
    function _isSignatureOf(address signer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        address recovered;
        ECDSA.RecoverError err;
        if (signature.length == 64) {
            (recovered, err,) = ECDSA.tryRecover(digest, bytes32(signature[0:32]), bytes32(signature[32:64]));
        } else {
            (recovered, err,) = ECDSA.tryRecoverCalldata(digest, signature);
        }
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return signer.code.length != 0 && SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature);
    }
}
