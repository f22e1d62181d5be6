// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SealshareBase} from "./modules/SealshareBase.sol";
import {Receipts} from "./modules/Receipts.sol";

/// @title Sealshare ledger
/// @notice Consented, supervised sharing of encrypted financial data. One deployment holds the
///         members and their encryption keys, datasets, consents, access requests and grants,
///         and key-release receipts, so the custodian and auditors follow a single address and
///         a share pays for no cross-contract calls. Each concept lives in its own module file
///         (contracts/modules/) with its interface (contracts/interfaces/).
/// @dev Non-upgradeable on purpose: auditors trust immutable code. A new version is a new
///      deployment with a new EIP-712 domain version.
contract Sealshare is Receipts {
    /// @notice Deploys the ledger with its initial roles.
    /// @param admin Governance account (DEFAULT_ADMIN_ROLE): grants roles and can pause.
    /// @param supervisors Initial supervisors (SUPERVISOR_ROLE).
    /// @param custodian The key custodian's signing account (CUSTODIAN_ROLE), or zero.
    constructor(address admin, address[] memory supervisors, address custodian)
        SealshareBase(admin, supervisors, custodian)
    {}
}
