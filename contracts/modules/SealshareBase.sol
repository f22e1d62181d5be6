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

    /// @notice At most this many accounts hold SUPERVISOR_ROLE at once: each holder owns a bit in
    ///         a request's 32-bit approval bitmap, which keeps quorum counting in the request's
    ///         existing storage slot (no extra write per approval). A former supervisor's bit is
    ///         recycled for a new one, so there is no cap on supervisors appointed over time.
    uint8 public constant MAX_SUPERVISORS = 32;
    /// @notice The longest temporary grant any policy or category may allow (seconds).
    uint32 public constant MAX_TEMPORARY_SECONDS = 1 days;

    /// @notice A 33rd supervisor was granted the role while 32 hold it (every approval bit is taken).
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
    ///      state change), the id counters and the supervisors' bit bookkeeping. Reading the flag
    ///      warms the rest, so creating an id costs a warm write only.
    struct Globals {
        bool paused;
        uint8 supervisorsEver; // bits handed out for the first time so far (bits 0 .. n-1)
        uint32 revokedSupervisors; // bit i set: its last holder no longer holds the role (bit free)
        uint32 supervisorEra; // bumped each time a free bit is recycled for a new holder
        uint40 lastKeyId;
        uint64 lastDatasetId;
        uint64 lastRequestId;
    }

    /// @dev One slot per account: its approval bit (1-based, 0 = never had one), whether it holds
    ///      the role now, the era in which it got the bit, and the institution it is affiliated
    ///      with (separation of duties), so an approval checks all of it with one read.
    ///      Invariant: an approval recorded under bit i counts only while the bit's holder is the
    ///      one that gave it. A bit is recycled only after its holder lost the role (it then
    ///      counts for nobody: `revokedSupervisors`), and recycling bumps `supervisorEra` and
    ///      stamps the bit with it (`_bitEra`); a request remembers the era its bitmap is valid
    ///      for and drops the bits recycled since before counting (Access._approvalBits).
    struct SupervisorInfo {
        uint8 bitPlusOne;
        bool active;
        uint32 era; // _bitEra of the bit when this account got it
        address affiliation; // the member institution the supervisor is affiliated with, or zero
    }

    Globals internal _globals;
    mapping(address account => SupervisorInfo) private _supervisors;
    /// @dev The era in which each bit was last handed to a new holder (0: never recycled).
    uint32[32] private _bitEra;

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

    /// @dev Gives a new supervisor a free bit and marks it active. A former supervisor whose bit
    ///      nobody took since gets it back, with its earlier approvals (they were its own). A bit
    ///      never handed out is preferred; otherwise a revoked holder's bit is recycled under a
    ///      new era, so approvals recorded under it before never count for the new holder.
    function _grantRole(bytes32 role, address account) internal virtual override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == SUPERVISOR_ROLE) {
            SupervisorInfo storage s = _supervisors[account];
            Globals memory g = _globals;
            uint8 bit = s.bitPlusOne;
            if (bit == 0 || _bitEra[bit - 1] != s.era) {
                // No bit, or its bit was recycled for someone else: take a free one.
                if (g.supervisorsEver < MAX_SUPERVISORS) {
                    bit = ++g.supervisorsEver;
                    s.era = _bitEra[bit - 1]; // 0: a fresh bit was never stamped
                } else {
                    if (g.revokedSupervisors == 0) revert SealshareTooManySupervisors();
                    bit = _lowestBit(g.revokedSupervisors) + 1;
                    uint32 era = ++g.supervisorEra;
                    _bitEra[bit - 1] = era;
                    s.era = era;
                }
                s.bitPlusOne = bit;
            }
            s.active = true;
            g.revokedSupervisors &= ~(uint32(1) << (bit - 1));
            _globals = g;
        }
    }

    /// @dev A supervisor that loses the role stops counting toward quorum at once, including the
    ///      approvals it gave before: its bit joins the revoked mask that quorum counting ignores,
    ///      and becomes free for a new supervisor.
    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == SUPERVISOR_ROLE) {
            SupervisorInfo storage s = _supervisors[account];
            s.active = false;
            _globals.revokedSupervisors |= uint32(1) << (s.bitPlusOne - 1);
        }
    }

    /// @dev The approval bit of a current supervisor, and its affiliation. Reverts like
    ///      AccessControl for anyone else.
    function _supervisorBit(address account) internal view returns (uint32 mask, address affiliation) {
        SupervisorInfo storage s = _supervisors[account];
        if (!s.active) revert AccessControlUnauthorizedAccount(account, SUPERVISOR_ROLE);
        return (uint32(1) << (s.bitPlusOne - 1), s.affiliation);
    }

    /// @dev The institution `supervisor` is affiliated with (separation of duties), or zero.
    function _affiliationOf(address supervisor) internal view returns (address) {
        return _supervisors[supervisor].affiliation;
    }

    /// @dev Records `supervisor`'s affiliation (any account, so it may be set before the role).
    function _setAffiliation(address supervisor, address institution) internal {
        _supervisors[supervisor].affiliation = institution;
    }

    /// @dev The bits handed to a new holder after era `era`: approvals recorded under them in a
    ///      bitmap valid for `era` were given by a former holder. Only the bits in `bits` are read.
    function _recycledSince(uint32 era, uint32 bits) internal view returns (uint32 stale) {
        for (; bits != 0; bits &= bits - 1) {
            uint8 i = _lowestBit(bits);
            if (_bitEra[i] > era) stale |= uint32(1) << i;
        }
    }

    function _lowestBit(uint32 x) internal pure returns (uint8 i) {
        while (x & (uint32(1) << i) == 0) ++i;
    }

    /// @dev The one place the contracts read time, so tests and reasoning have a single seam.
    function _now() internal view virtual returns (uint40) {
        return uint40(block.timestamp);
    }
}
