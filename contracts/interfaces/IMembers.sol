// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {KeyView} from "../common/Types.sol";

/// @title Members and encryption keys
/// @notice Supervisors register, suspend and reinstate member institutions. Any account
///         publishes, rotates and revokes an encryption public key per device id.
/// @dev Nothing here identifies a person: a member is an address plus a KYC reference *hash*
///      and a metadata URI.
interface IMembers {
    /// @notice Membership states.
    enum MemberStatus {
        None,
        Active,
        Suspended
    }

    /// @notice A member's record (`memberOf`). Every field is zero for an account never registered.
    struct MemberView {
        MemberStatus status; // None, Active or Suspended
        uint32 epoch; // how many times it was suspended; requests from earlier epochs stay void
        uint40 registeredAt; // unix seconds of its registration; 0 = never registered
    }

    /// @notice `member` was already registered.
    error MembersAlreadyRegistered(address member);
    /// @notice `account` is not an active member (unregistered or suspended).
    error MembersNotActive(address account);
    /// @notice `member` is not suspended, so it cannot be reinstated.
    error MembersNotSuspended(address member);
    /// @notice The key is not a 33-byte compressed secp256k1 point (prefix 0x02 or 0x03).
    error KeysInvalidPublicKey(uint256 length, bytes1 prefix);
    /// @notice The key-possession proof does not hold: the point (x, publicKeyY) is not on
    ///         secp256k1, y's parity does not match the 02/03 prefix, or the EIP-712
    ///         `KeyPossession(owner, deviceId, publicKey)` signature in the ledger's domain does not
    ///         recover to the key's own address. `owner` (the caller) cannot be shown to hold the
    ///         private key of what it publishes as `deviceId`'s key.
    error KeysNoProofOfPossession(address owner, bytes32 deviceId);
    /// @notice `owner` has no live key for `deviceId`.
    error KeysUnknownDevice(address owner, bytes32 deviceId);

    /// @notice A supervisor registered `member`.
    /// @param member The institution's account.
    /// @param supervisor The supervisor that registered it.
    /// @param kycRefHash Hash of the off-chain KYC reference.
    /// @param metadataURI Where the institution's public metadata lives.
    event MemberRegistered(address indexed member, address indexed supervisor, bytes32 kycRefHash, string metadataURI);
    /// @notice A supervisor suspended `member`; its pending requests and live grants stop counting.
    /// @param member The institution suspended.
    /// @param supervisor The supervisor that suspended it.
    /// @param reasonCode Why (names and meanings: docs/CODES.md, from sdk/vocabulary.ts).
    /// @param epoch The member's new suspension epoch; requests from earlier epochs stay void.
    event MemberSuspended(address indexed member, address indexed supervisor, uint16 reasonCode, uint32 epoch);
    /// @notice A supervisor reinstated `member`; grants from before the suspension stay void.
    /// @param member The institution reinstated.
    /// @param supervisor The supervisor that reinstated it.
    /// @param epoch The member's current suspension epoch.
    event MemberReinstated(address indexed member, address indexed supervisor, uint32 epoch);
    /// @notice `owner` published `publicKey` for `deviceId`; `previousKeyId` (0 if none) is superseded.
    /// @param owner The key's owner.
    /// @param deviceId The device the key belongs to.
    /// @param keyId The new key's id.
    /// @param publicKey The 33-byte compressed secp256k1 public key.
    /// @param previousKeyId The key it replaces for the device, 0 if none.
    event EncryptionKeyPublished(
        address indexed owner, bytes32 indexed deviceId, uint40 indexed keyId, bytes publicKey, uint40 previousKeyId
    );
    /// @notice `owner` revoked its key for `deviceId`.
    /// @param owner The key's owner.
    /// @param deviceId The device the key belonged to.
    /// @param keyId The revoked key's id.
    event EncryptionKeyRevoked(address indexed owner, bytes32 indexed deviceId, uint40 indexed keyId);

    /// @notice Registers a member institution.
    /// @dev Requires SUPERVISOR_ROLE. Emits {MemberRegistered}.
    /// @param member The institution's account.
    /// @param kycRefHash Hash of the off-chain KYC reference (never the reference itself).
    /// @param metadataURI Where the institution's public metadata lives.
    function registerMember(address member, bytes32 kycRefHash, string calldata metadataURI) external;

    /// @notice Suspends a member: its pending requests and live grants become invalid at once.
    /// @dev Requires SUPERVISOR_ROLE and an active member. Works while paused (it only reduces
    ///      access). Emits {MemberSuspended}.
    /// @param member An active member.
    /// @param reasonCode Why (names and meanings: docs/CODES.md, from sdk/vocabulary.ts).
    function suspendMember(address member, uint16 reasonCode) external;

    /// @notice Reinstates a suspended member. Grants issued before the suspension stay invalid.
    /// @dev Requires SUPERVISOR_ROLE. Emits {MemberReinstated}.
    /// @param member A suspended member.
    function reinstateMember(address member) external;

    /// @notice Publishes (or rotates) the caller's encryption key for `deviceId`, with proof that
    ///         the caller holds its private key.
    /// @dev The key must be 33 bytes with prefix 0x02 or 0x03 (else {KeysInvalidPublicKey}). The
    ///      proof: (x, `publicKeyY`) is on secp256k1 with the parity the prefix names, and
    ///      `possessionSignature` is the key's own signature over the EIP-712
    ///      `KeyPossession(address owner,bytes32 deviceId,bytes publicKey)` digest in this ledger's
    ///      domain with owner = the caller (sdk/crypto/key-possession.ts makes it); it must recover
    ///      to address(keccak256(x ‖ y)). Else {KeysNoProofOfPossession}. So nobody can publish a
    ///      key it does not hold (e.g. the custodian's, to have data wrapped to it), and a proof
    ///      cannot be replayed for another owner, device, chain or deployment.
    ///      Emits {EncryptionKeyPublished}. Refused while paused.
    /// @param deviceId The caller's device the key belongs to.
    /// @param publicKey The 33-byte compressed secp256k1 public key.
    /// @param publicKeyY The point's y coordinate (32 bytes, big-endian).
    /// @param possessionSignature 65-byte signature (r ‖ s ‖ v) by the key's private key.
    /// @return keyId The new key's id; requests name keys by this id.
    function publishEncryptionKey(
        bytes32 deviceId,
        bytes calldata publicKey,
        bytes32 publicKeyY,
        bytes calldata possessionSignature
    ) external returns (uint40 keyId);
    /// @notice Revokes the caller's live key for `deviceId`. Works while paused (it only reduces
    ///         access). Emits {EncryptionKeyRevoked}.
    /// @param deviceId A device of the caller's with a live key.
    function revokeEncryptionKey(bytes32 deviceId) external;

    /// @notice The membership record of `account`: status, suspension epoch and registration time.
    /// @dev Clients read the fields by name (`memberOf(a).status`), never by position.
    /// @param account Any account.
    /// @return The status (None, Active, Suspended), how many times it was suspended, and when it
    ///         was registered (all zero for an account never registered; see {MemberView}).
    function memberOf(address account) external view returns (MemberView memory);

    /// @notice The live key id for (`owner`, `deviceId`), 0 if none.
    /// @param owner The key's owner.
    /// @param deviceId The owner's device.
    function currentKeyId(address owner, bytes32 deviceId) external view returns (uint40);

    /// @notice A key by id: its owner, device, bytes and whether it is still the device's live key.
    /// @param keyId A key id.
    /// @return The owner (address(0) for an unknown id), device, 33-byte key and live flag (see {KeyView}).
    function encryptionKey(uint40 keyId) external view returns (KeyView memory);
}
