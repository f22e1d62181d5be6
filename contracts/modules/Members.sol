// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SealshareBase} from "./SealshareBase.sol";
import {IMembers} from "../interfaces/IMembers.sol";
import {KeyView} from "../common/Types.sol";
import {KeyPossessionVerifier} from "../helpers/KeyPossessionVerifier.sol";

/// @title Members and encryption keys (see {IMembers}).
/// @notice Member institutions (registered, suspended, reinstated) and per-device encryption keys.
abstract contract Members is SealshareBase, IMembers {
    // solhint-disable gas-small-strings
    /// @notice EIP-712 type hash of a key-possession proof, signed with the published key's own
    ///         private key. `publicKey` is a `bytes` field, so EIP-712 hashes it: keccak256(publicKey).
    /// @dev keccak256("KeyPossession(address owner,bytes32 deviceId,bytes publicKey)")
    bytes32 public constant KEY_POSSESSION_TYPEHASH =
        keccak256("KeyPossession(address owner,bytes32 deviceId,bytes publicKey)");
    // solhint-enable gas-small-strings

    /// @dev One slot per member. `epoch` increases on every suspension; a request remembers the
    ///      epoch it was made in, so suspension voids it for good, even after reinstatement.
    struct MemberRecord {
        MemberStatus status;
        uint32 epoch;
        uint40 registeredAt;
    }

    /// @dev Two slots per key; `x` is the point's x coordinate, `prefix` its parity byte.
    struct KeyRecord {
        address owner;
        uint8 prefix;
        bool live; // false once rotated or revoked
        bytes32 deviceId;
        bytes32 x;
    }

    mapping(address account => MemberRecord) private _members;
    mapping(uint40 keyId => KeyRecord) private _keys;
    mapping(address owner => mapping(bytes32 deviceId => uint40 keyId)) private _currentKey;

    /// @dev The curve and signature check of {publishEncryptionKey}, deployed with the ledger
    ///      (see KeyPossessionVerifier for why it is a separate contract).
    KeyPossessionVerifier private immutable _KEY_VERIFIER;

    constructor() {
        _KEY_VERIFIER = new KeyPossessionVerifier();
    }

    /// @inheritdoc IMembers
    function registerMember(address member, bytes32 kycRefHash, string calldata metadataURI)
        external
        onlyRole(SUPERVISOR_ROLE)
        whenNotPaused
    {
        if (_members[member].status != MemberStatus.None) revert MembersAlreadyRegistered(member);
        _members[member] = MemberRecord(MemberStatus.Active, 0, _now());
        emit MemberRegistered(member, msg.sender, kycRefHash, metadataURI);
    }

    /// @inheritdoc IMembers
    /// @dev Not `whenNotPaused`: it only reduces access, which must stay possible in an emergency.
    function suspendMember(address member, uint16 reasonCode) external onlyRole(SUPERVISOR_ROLE) {
        MemberRecord storage m = _members[member];
        if (m.status != MemberStatus.Active) revert MembersNotActive(member);
        m.status = MemberStatus.Suspended;
        uint32 epoch = ++m.epoch;
        emit MemberSuspended(member, msg.sender, reasonCode, epoch);
    }

    /// @inheritdoc IMembers
    function reinstateMember(address member) external onlyRole(SUPERVISOR_ROLE) whenNotPaused {
        MemberRecord storage m = _members[member];
        if (m.status != MemberStatus.Suspended) revert MembersNotSuspended(member);
        m.status = MemberStatus.Active;
        emit MemberReinstated(member, msg.sender, m.epoch);
    }

    /// @inheritdoc IMembers
    function publishEncryptionKey(
        bytes32 deviceId,
        bytes calldata publicKey,
        bytes32 publicKeyY,
        bytes calldata possessionSignature
    ) external whenNotPaused returns (uint40 keyId) {
        if (publicKey.length != 33 || (publicKey[0] != 0x02 && publicKey[0] != 0x03)) {
            revert KeysInvalidPublicKey(publicKey.length, publicKey.length == 0 ? bytes1(0) : publicKey[0]);
        }
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(KEY_POSSESSION_TYPEHASH, msg.sender, deviceId, keccak256(publicKey)))
        );
        if (
            !_KEY_VERIFIER.holdsKey(
                digest, uint8(publicKey[0]), bytes32(publicKey[1:33]), publicKeyY, possessionSignature
            )
        ) revert KeysNoProofOfPossession(msg.sender, deviceId);
        uint40 previous = _currentKey[msg.sender][deviceId];
        if (previous != 0) _keys[previous].live = false;
        keyId = ++_globals.lastKeyId;
        _keys[keyId] = KeyRecord({
            owner: msg.sender,
            prefix: uint8(publicKey[0]),
            live: true,
            deviceId: deviceId,
            x: bytes32(publicKey[1:33])
        });
        _currentKey[msg.sender][deviceId] = keyId;
        emit EncryptionKeyPublished(msg.sender, deviceId, keyId, publicKey, previous);
    }

    /// @inheritdoc IMembers
    /// @dev Not `whenNotPaused`: it only reduces access, which must stay possible in an emergency.
    function revokeEncryptionKey(bytes32 deviceId) external {
        uint40 keyId = _currentKey[msg.sender][deviceId];
        if (keyId == 0) revert KeysUnknownDevice(msg.sender, deviceId);
        _keys[keyId].live = false;
        delete _currentKey[msg.sender][deviceId];
        emit EncryptionKeyRevoked(msg.sender, deviceId, keyId);
    }

    /// @inheritdoc IMembers
    function memberOf(address account) external view returns (MemberView memory) {
        MemberRecord storage m = _members[account];
        return MemberView({status: m.status, epoch: m.epoch, registeredAt: m.registeredAt});
    }

    /// @inheritdoc IMembers
    function currentKeyId(address owner, bytes32 deviceId) external view returns (uint40) {
        return _currentKey[owner][deviceId];
    }

    /// @inheritdoc IMembers
    function encryptionKey(uint40 keyId) external view returns (KeyView memory) {
        KeyRecord storage k = _keys[keyId];
        return KeyView({owner: k.owner, deviceId: k.deviceId, publicKey: _keyBytes(k), live: k.live});
    }

    /// @dev Reverts unless `account` is an active member; returns its epoch.
    function _requireActiveMember(address account) internal view returns (uint32 epoch) {
        MemberRecord storage m = _members[account];
        if (m.status != MemberStatus.Active) revert MembersNotActive(account);
        return m.epoch;
    }

    /// @dev True if `account` is active and still in `epoch` (not suspended since).
    function _isMemberInEpoch(address account, uint32 epoch) internal view returns (bool) {
        MemberRecord storage m = _members[account];
        return m.status == MemberStatus.Active && m.epoch == epoch;
    }

    /// @dev The live key id of (`owner`, `deviceId`); reverts if there is none.
    function _requireLiveKey(address owner, bytes32 deviceId) internal view returns (uint40 keyId) {
        keyId = _currentKey[owner][deviceId];
        if (keyId == 0) revert KeysUnknownDevice(owner, deviceId);
    }

    /// @dev The key's bytes if it is still live, else empty.
    function _liveKeyBytes(uint40 keyId) internal view returns (bytes memory) {
        KeyRecord storage k = _keys[keyId];
        return k.live ? _keyBytes(k) : bytes("");
    }

    function _keyBytes(KeyRecord storage k) private view returns (bytes memory) {
        return k.owner == address(0) ? bytes("") : abi.encodePacked(bytes1(k.prefix), k.x);
    }
}
