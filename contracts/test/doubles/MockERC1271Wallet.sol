// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title Test double: a minimal ERC-1271 smart account owned by one EOA
/// @notice Not part of Sealshare. The mocha tests use it as a data subject that is a contract
///         (DESIGN.md: "any address, EOA or ERC-1271 smart account"): a signature is this
///         account's when it recovers to the owner. Malformed signatures revert inside
///         `ECDSA.recover`, which the ledger's SignatureChecker treats as "not valid".
contract MockERC1271Wallet is IERC1271 {
    /// @notice The EOA whose signatures count as this account's.
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        return ECDSA.recover(hash, signature) == owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
