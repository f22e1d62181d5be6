// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IMembers} from "./IMembers.sol";
import {IDatasets} from "./IDatasets.sol";
import {IConsents} from "./IConsents.sol";
import {IAccess} from "./IAccess.sol";
import {IReceipts} from "./IReceipts.sol";

// An aggregate: its body is its bases.
// solhint-disable no-empty-blocks
/// @title The whole Sealshare ledger, as one interface
/// @notice Every module's entry points, events and errors under one name: what a client (the
///         SDK, the custodian, an auditor's script) binds to instead of five module interfaces.
///         The roles, pause switch and EIP-712 domain come from OpenZeppelin (AccessControl,
///         ERC-5267) and are not repeated here.
interface ISealshare is IMembers, IDatasets, IConsents, IAccess, IReceipts {}
