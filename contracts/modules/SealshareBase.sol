// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @title Shared base of the Sealshare modules: roles, pause switch, id counters, EIP-712, time.
/// @notice Role authority (OpenZeppelin AccessControl), the admin's pause switch and the EIP-712
///         domain ("Sealshare", "1") that every module shares.
/// @dev Every module inherits this once. Roles:
///      - DEFAULT_ADMIN_ROLE (governance; a multisig in production): grants roles, pauses.
///      - SUPERVISOR_ROLE: registers/suspends members, approves, sets category minimums.
///      - CUSTODIAN_ROLE: the key custodian's account; the only one that records releases.
abstract contract SealshareBase is AccessControl, EIP712 {
    /// @notice Role of the supervisors (regulators): members, approvals, category minimums.
    bytes32 public constant SUPERVISOR_ROLE = keccak256("SUPERVISOR_ROLE");
    /// @notice Role of the key custodian's signing account: the only one that records releases.
    bytes32 public constant CUSTODIAN_ROLE = keccak256("CUSTODIAN_ROLE");

    /// @notice At most this many distinct accounts can ever hold SUPERVISOR_ROLE: each gets a
    ///         bit in a request's 32-bit approval bitmap, which keeps quorum counting in the
    ///         request's existing storage slot (no extra write per approval).
    uint8 public constant MAX_SUPERVISORS = 32;

    /// @notice A 33rd distinct supervisor was granted the role.
    error SealshareTooManySupervisors();
    /// @notice The ledger is paused by the admin.
    error SealsharePaused();
    /// @notice The ledger is not paused.
    error SealshareNotPaused();

    /// @notice The admin paused the ledger (same signature as OpenZeppelin's Pausable).
    /// @param account The admin that paused it.
    event Paused(address account);
    /// @notice The admin lifted the pause.
    /// @param account The admin that lifted it.
    event Unpaused(address account);

    /// @dev Everything most transactions read anyway, in ONE slot: the pause flag (read by every
    ///      state change), the id counters and the mask of supervisors whose role was revoked.
    ///      Reading the flag warms the counters, so creating an id costs a warm write only.
    struct Globals {
        bool paused;
        uint8 supervisorsEver; // bits handed out so far
        uint32 revokedSupervisors; // bit i set: the supervisor with bit i no longer holds the role
        uint40 lastKeyId;
        uint64 lastDatasetId;
        uint64 lastRequestId;
    }

    /// @dev One slot per supervisor: its stable approval bit (1-based) and whether it holds the
    ///      role now, so an approval checks the role and finds the bit with one read.
    ///      Invariant: a bit never changes and is never reused, so a past approval can never be
    ///      counted for someone else.
    struct SupervisorInfo {
        uint8 bitPlusOne;
        bool active;
    }

    Globals internal _globals;
    mapping(address supervisor => SupervisorInfo) private _supervisors;

    /// @notice Grants the initial roles.
    /// @param admin Governance account.
    /// @param supervisors Initial SUPERVISOR_ROLE holders.
    /// @param custodian The key custodian's signing account (CUSTODIAN_ROLE); may be zero.
    constructor(address admin, address[] memory supervisors, address custodian) EIP712("Sealshare", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i = 0; i < supervisors.length; ++i) {
            _grantRole(SUPERVISOR_ROLE, supervisors[i]);
        }
        if (custodian != address(0)) _grantRole(CUSTODIAN_ROLE, custodian);
    }

    modifier whenNotPaused() {
        if (_globals.paused) revert SealsharePaused();
        _;
    }

    /// @notice Stops every state change except consent revocation (a subject can always
    ///         withdraw) and release receipts (facts about what already happened).
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_globals.paused) revert SealsharePaused();
        _globals.paused = true;
        emit Paused(msg.sender);
    }

    /// @notice Lifts the pause.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_globals.paused) revert SealshareNotPaused();
        _globals.paused = false;
        emit Unpaused(msg.sender);
    }

    /// @notice True while the admin has paused the ledger.
    function paused() public view returns (bool) {
        return _globals.paused;
    }

    /// @dev Gives each new supervisor a stable bit the first time it gets the role and marks it
    ///      active; a supervisor whose role comes back is active again under the same bit.
    function _grantRole(bytes32 role, address account) internal virtual override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == SUPERVISOR_ROLE) {
            SupervisorInfo storage s = _supervisors[account];
            if (s.bitPlusOne == 0) {
                if (_globals.supervisorsEver == MAX_SUPERVISORS) revert SealshareTooManySupervisors();
                s.bitPlusOne = ++_globals.supervisorsEver;
            }
            s.active = true;
            _globals.revokedSupervisors &= ~(uint32(1) << (s.bitPlusOne - 1));
        }
    }

    /// @dev A supervisor that loses the role stops counting toward quorum at once, including the
    ///      approvals it gave before: its bit joins the revoked mask that quorum counting ignores.
    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == SUPERVISOR_ROLE) {
            SupervisorInfo storage s = _supervisors[account];
            s.active = false;
            _globals.revokedSupervisors |= uint32(1) << (s.bitPlusOne - 1);
        }
    }

    /// @dev The approval bit of a current supervisor. Reverts like AccessControl for anyone else.
    function _supervisorMask(address account) internal view returns (uint32) {
        SupervisorInfo storage s = _supervisors[account];
        if (!s.active) revert AccessControlUnauthorizedAccount(account, SUPERVISOR_ROLE);
        return uint32(1) << (s.bitPlusOne - 1);
    }

    /// @dev The one place the contracts read time, so tests and reasoning have a single seam.
    function _now() internal view virtual returns (uint40) {
        return uint40(block.timestamp);
    }
}
