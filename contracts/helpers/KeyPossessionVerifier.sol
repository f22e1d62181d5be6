// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title Proof-of-possession check for published encryption keys
/// @notice Pure arithmetic and signature recovery, kept out of the ledger's runtime code: the
///         ledger deploys one instance in its constructor and calls it (STATICCALL) only from
///         `publishEncryptionKey`, a cold path. That keeps the ledger under the EIP-170 code size
///         limit without a linked library, so the ledger still deploys in one transaction from
///         its own artifact (no link references for deployers, TypeChain factories or tests).
/// @dev Stateless and owner-less: anyone may call it; it only answers a question.
contract KeyPossessionVerifier {
    /// @dev secp256k1's field prime.
    uint256 private constant P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    /// @notice Whether the holder of the secp256k1 point (x, y) signed `digest` and the point is
    ///         the one the compressed key `prefix ‖ x` names.
    /// @dev True iff x, y < p, y² = x³ + 7 (mod p), y's parity matches `prefix` (0x02 even,
    ///      0x03 odd), and `signature` (65 bytes, r ‖ s ‖ v, low s) over `digest` recovers to
    ///      the point's Ethereum address, the last 20 bytes of keccak256(x ‖ y).
    /// @param digest The EIP-712 digest the key's private key signed.
    /// @param prefix The compressed key's first byte (0x02 or 0x03).
    /// @param x The point's x coordinate.
    /// @param y The point's y coordinate.
    /// @param signature The signature by the key's private key.
    /// @return True when every check passes.
    function holdsKey(bytes32 digest, uint8 prefix, bytes32 x, bytes32 y, bytes calldata signature)
        external
        pure
        returns (bool)
    {
        uint256 ux = uint256(x);
        uint256 uy = uint256(y);
        if (ux >= P || uy >= P) return false;
        if (uy & 1 != uint256(prefix) - 2) return false;
        uint256 rhs = addmod(mulmod(mulmod(ux, ux, P), ux, P), 7, P);
        if (mulmod(uy, uy, P) != rhs) return false;
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        return err == ECDSA.RecoverError.NoError
            && signer == address(uint160(uint256(keccak256(abi.encodePacked(x, y)))));
    }
}
