// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SealshareBase} from "./modules/SealshareBase.sol";
import {Members} from "./modules/Members.sol";
import {Datasets} from "./modules/Datasets.sol";
import {Consents} from "./modules/Consents.sol";
import {Access} from "./modules/Access.sol";
import {Receipts} from "./modules/Receipts.sol";
import {ISealshare} from "./interfaces/ISealshare.sol";

/// @title Sealshare ledger
/// @notice Consented, supervised sharing of encrypted financial data. One deployment holds the
///         members and their encryption keys, datasets, consents, access requests and grants,
///         and key-release receipts, so the custodian and auditors follow a single address and
///         a share pays for no cross-contract calls. Each concept lives in its own module file
///         (contracts/modules/) with its interface (contracts/interfaces/); {ISealshare} is all
///         of them under one name.
/// @dev The composition, and who depends on whom (an arrow: "uses the internal functions of";
///      no module reads another's storage, each keeps its mappings private):
///
///          SealshareBase   roles, pause, id counters, supervisors' approval bits, EIP-712, time
///            ^      ^
///            |      |
///         Members   |       members, device encryption keys
///            ^      |
///            |      |
///         Datasets  Consents   datasets, versions, category floors | consents, signatures
///            ^      ^          (Consents asks Datasets for a dataset's subject through the
///             \    /            virtual _datasetSubject, which Access wires up)
///             Access           requests, approvals, grants, isGrantValid
///               ^
///               |
///            Receipts          key-release receipts (reads a request through _requestRecord)
///
///      Non-upgradeable on purpose: auditors trust immutable code. A new version is a new
///      deployment with a new EIP-712 domain version.
contract Sealshare is SealshareBase, Members, Datasets, Consents, Access, Receipts, ISealshare {
    /// @notice Deploys the ledger with its initial roles.
    /// @param admin Governance account (DEFAULT_ADMIN_ROLE): grants roles and can pause.
    /// @param supervisors Initial supervisors (SUPERVISOR_ROLE).
    /// @param custodian The key custodian's signing account (CUSTODIAN_ROLE), or zero.
    constructor(address admin, address[] memory supervisors, address custodian)
        SealshareBase(admin, supervisors, custodian)
    {}
}
