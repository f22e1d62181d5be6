// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Named `Vm` like Foundry's and in Hardhat's cheatcode docs, so `vm.prank(...)` reads the same
// here as everywhere else.
// solhint-disable interface-starts-with-i
/// @title The cheatcodes the Sealshare Solidity tests use
/// @notice A minimal declaration of the Foundry-compatible cheatcodes that Hardhat 3's Solidity
///         test runner (EDR) serves at the "hevm cheat code" address. Declared here because
///         forge-std is not a dependency of this project; add a function when a test needs it
///         (signatures must match Foundry's `Vm` exactly, the runner dispatches on selectors).
/// @dev Test-only, hence the `.t.sol` name: Hardhat treats a `.sol` file under contracts/ as a
///      production source (artifacts, TypeChain types, production build info) unless it ends in
///      `.t.sol`. Nothing outside contracts/test/ may import this file.
interface Vm {
    /// @notice A log captured between {recordLogs} and {getRecordedLogs}.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice Sets block.timestamp.
    function warp(uint256 newTimestamp) external;
    /// @notice Sets block.chainid.
    function chainId(uint256 newChainId) external;
    /// @notice The next call (only) is made with msg.sender = `sender`.
    function prank(address sender) external;
    /// @notice Every following call is made with msg.sender = `sender` until {stopPrank}.
    function startPrank(address sender) external;
    /// @notice Ends {startPrank}.
    function stopPrank() external;
    /// @notice The address of private key `privateKey`.
    function addr(uint256 privateKey) external returns (address);
    /// @notice Signs `digest` with `privateKey` (secp256k1, low-s), returning (v, r, s).
    function sign(uint256 privateKey, bytes32 digest) external returns (uint8 v, bytes32 r, bytes32 s);
    /// @notice The next call must revert with exactly `revertData`.
    function expectRevert(bytes calldata revertData) external;
    /// @notice The next call must revert (with any data).
    function expectRevert() external;
    /// @notice Discards the current fuzz input if `condition` is false.
    function assume(bool condition) external pure;
    /// @notice Starts capturing emitted logs (clears what was captured before).
    function recordLogs() external;
    /// @notice The logs captured since {recordLogs}; clears the buffer.
    function getRecordedLogs() external returns (Log[] memory logs);
    /// @notice The creation bytecode of a project contract ("File.sol:Name") from its artifact.
    function getCode(string calldata artifactPath) external view returns (bytes memory creationBytecode);
    /// @notice Names an address in traces.
    function label(address account, string calldata newLabel) external;
    /// @notice Fails with `message` unless `left == right`.
    function assertEq(uint256 left, uint256 right, string calldata message) external pure;
    /// @notice Fails with `message` unless `left == right`.
    function assertEq(bytes32 left, bytes32 right, string calldata message) external pure;
    /// @notice Fails with `message` unless `left == right`.
    function assertEq(address left, address right, string calldata message) external pure;
    /// @notice Fails with `message` unless `left == right`.
    function assertEq(bool left, bool right, string calldata message) external pure;
    /// @notice Fails with `message` unless `left <= right`.
    function assertLe(uint256 left, uint256 right, string calldata message) external pure;
    /// @notice Fails with `message` unless `left > right`.
    function assertGt(uint256 left, uint256 right, string calldata message) external pure;
    /// @notice Fails with `message` unless `condition`.
    function assertTrue(bool condition, string calldata message) external pure;
    /// @notice Fails with `message` unless `!condition`.
    function assertFalse(bool condition, string calldata message) external pure;
}

/// @dev The address every Foundry-compatible runner serves cheatcodes at.
address constant VM_ADDRESS = address(uint160(uint256(keccak256("hevm cheat code"))));

/// @dev The cheatcodes, ready to call: `vm.warp(...)`.
Vm constant vm = Vm(VM_ADDRESS);
