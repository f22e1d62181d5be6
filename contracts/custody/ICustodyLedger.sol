// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ISealshare} from "../interfaces/ISealshare.sol";

// An aggregate: its body is its bases plus the pause switch.
/// @title The ledger as the custody contract reads it
/// @notice The Sealshare ledger's entry points ({ISealshare}), its OpenZeppelin roles
///         ({IAccessControl}) and its pause switch: everything the custody contract trusts it for.
///         Custody only reads through it (views), never writes to the ledger.
interface ICustodyLedger is ISealshare, IAccessControl {
    /// @notice True while the admin has paused the ledger.
    function paused() external view returns (bool);
}
