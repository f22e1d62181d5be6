// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {vm} from "./Vm.t.sol";
import {ISealshareLedger, SealshareTestBase} from "./SealshareTestBase.t.sol";
import {IMembers} from "../interfaces/IMembers.sol";

/// @title Fuzz tests of the proof of possession of a published encryption key (spec item 4)
/// @notice A key is published only with the key's own EIP-712 `KeyPossession` signature for the
///         publishing owner and device in this ledger's domain, and with the point's y: any other
///         y, signature, owner or device is refused with KeysNoProofOfPossession.
contract KeyPossessionTest is SealshareTestBase {
    ISealshareLedger internal ledger;

    function setUp() public {
        _makeActors();
        ledger = _deployWorld();
    }

    /// @notice A key published with a y, or a signature, of the fuzzer's choosing is refused.
    function testFuzz_keyWithoutItsProofIsRefused(
        uint256 tag,
        bool wrongSignature,
        bytes32 y,
        bytes32 r,
        bytes32 s,
        uint8 v
    ) public {
        bytes32 device = keccak256(abi.encode("fuzz device", tag));
        (bytes memory publicKey, bytes32 trueY, bytes memory trueSig) = _keyProof(ledger, tag, mallory, device);
        // Either the true y with a signature of the fuzzer's, or another y with the true signature.
        bytes memory sig = wrongSignature ? abi.encodePacked(r, s, v) : trueSig;
        bytes32 pointY = wrongSignature ? trueY : y;
        vm.assume(keccak256(sig) != keccak256(trueSig) || pointY != trueY);
        vm.expectRevert(abi.encodeWithSelector(IMembers.KeysNoProofOfPossession.selector, mallory, device));
        vm.prank(mallory);
        ledger.publishEncryptionKey(device, publicKey, pointY, sig);
    }

    /// @notice A valid proof for one (owner, device) does not publish the key for any other.
    function testFuzz_proofIsBoundToOwnerAndDevice(uint256 tag, address owner, bytes32 otherDevice) public {
        bytes32 device = _device(bank);
        vm.assume(owner != bank && otherDevice != device);
        (bytes memory publicKey, bytes32 y, bytes memory sig) = _keyProof(ledger, tag, bank, device);
        vm.expectRevert(abi.encodeWithSelector(IMembers.KeysNoProofOfPossession.selector, owner, device));
        vm.prank(owner);
        ledger.publishEncryptionKey(device, publicKey, y, sig);
        vm.expectRevert(abi.encodeWithSelector(IMembers.KeysNoProofOfPossession.selector, bank, otherDevice));
        vm.prank(bank);
        ledger.publishEncryptionKey(otherDevice, publicKey, y, sig);
        // Its own owner and device: published.
        vm.prank(bank);
        ledger.publishEncryptionKey(device, publicKey, y, sig);
        vm.assertEq(ledger.currentKeyId(bank, device) != 0, true, "published for its own owner and device");
    }
}
