// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {vm} from "./Vm.t.sol";
import {ConsentTerms, Policy, VersionParams} from "../common/Types.sol";
import {ISealshare} from "../interfaces/ISealshare.sol";

/// @title The deployed ledger as the tests see it: its published interfaces and nothing else
/// @dev The tests never compile Sealshare.sol themselves: they deploy the production artifact
///      (see {SealshareTestBase-_deployLedger}) and talk to it through this interface, so what
///      they test is byte for byte what ships, and a test edit does not recompile the ledger.
interface ISealshareLedger is IAccessControl, ISealshare {
    /// @notice Stops every state change except consent revocation and release receipts.
    function pause() external;
    /// @notice Lifts the pause.
    function unpause() external;
    /// @notice True while paused.
    function paused() external view returns (bool);
}

/// @title Shared world of the Sealshare Solidity tests
/// @notice Actors with private keys (so subjects can sign), deployment with roles wired, and an
///         EIP-712 encoder written from the specification rather than taken from the contract:
///         the tests sign what docs/ARCHITECTURE.md says a wallet signs, so a drift in the
///         contract's encoding fails them instead of being mirrored by them.
/// @dev Test-only (a `.t.sol` file, so Hardhat never treats it as a production contract).
abstract contract SealshareTestBase {
    /// @dev keccak256 of the EIP-712 domain type, name and version the ledger must use.
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant CONSENT_TYPE = keccak256(
        "Consent(address subject,address requester,uint64 datasetId,uint8 category,uint32 purpose,uint8 maxKind,uint40 expiresAt,bytes32 receiptHash,bytes32 nonce,uint40 deadline)"
    );
    bytes32 internal constant REVOKE_CONSENT_TYPE = keccak256("RevokeConsent(bytes32 consentId,uint40 deadline)");
    bytes32 internal constant KEY_POSSESSION_TYPE = keccak256("KeyPossession(address owner,bytes32 deviceId,bytes publicKey)");

    bytes32 internal constant SUPERVISOR_ROLE = keccak256("SUPERVISOR_ROLE");
    bytes32 internal constant CUSTODIAN_ROLE = keccak256("CUSTODIAN_ROLE");

    /// @dev 2023-11-14T22:13:20Z: tests start from a realistic clock, far from 0 and from 2^40.
    uint256 internal constant START_TIME = 1_700_000_000;
    uint32 internal constant HOUR = 3600;
    uint32 internal constant DAY = 86_400;

    uint256 internal constant ADMIN_PK = 0xAD;
    uint256 internal constant SUP0_PK = 0x50;
    uint256 internal constant SUP1_PK = 0x51;
    uint256 internal constant SUP2_PK = 0x52;
    uint256 internal constant CUSTODIAN_PK = 0xC0;
    uint256 internal constant BANK_PK = 0xB0;
    uint256 internal constant INSURER_PK = 0xB1;
    uint256 internal constant LENDER_PK = 0xB2;
    uint256 internal constant ANA_PK = 0xA0;
    uint256 internal constant BEN_PK = 0xA1;
    uint256 internal constant MALLORY_PK = 0xEE;

    address internal admin;
    address internal sup0;
    address internal sup1;
    address internal sup2; // starts WITHOUT the supervisor role
    address internal custodian;
    address internal bank;
    address internal insurer;
    address internal lender;
    address internal ana; // subject
    address internal ben; // subject
    address internal mallory; // no role, not a member

    /// @dev Names the actors. Call first in a constructor or setUp.
    function _makeActors() internal {
        vm.warp(START_TIME);
        admin = _actor(ADMIN_PK, "admin");
        sup0 = _actor(SUP0_PK, "sup0");
        sup1 = _actor(SUP1_PK, "sup1");
        sup2 = _actor(SUP2_PK, "sup2");
        custodian = _actor(CUSTODIAN_PK, "custodian");
        bank = _actor(BANK_PK, "bank");
        insurer = _actor(INSURER_PK, "insurer");
        lender = _actor(LENDER_PK, "lender");
        ana = _actor(ANA_PK, "ana");
        ben = _actor(BEN_PK, "ben");
        mallory = _actor(MALLORY_PK, "mallory");
    }

    /// @dev A ledger with sup0 and sup1 as supervisors, the custodian, and bank, insurer and
    ///      lender registered as members, each with a key for its own device.
    function _deployWorld() internal returns (ISealshareLedger ledger) {
        address[] memory sups = new address[](2);
        sups[0] = sup0;
        sups[1] = sup1;
        ledger = _deployLedger(admin, sups, custodian);
        address[3] memory members = [bank, insurer, lender];
        for (uint256 i = 0; i < members.length; ++i) {
            vm.prank(sup0);
            ledger.registerMember(members[i], keccak256(abi.encode("kyc", members[i])), "https://member.example/");
            _publishKey(ledger, members[i], uint256(uint160(members[i])));
        }
    }

    /// @dev Deploys the ledger from its production artifact (the bytecode `hardhat compile`
    ///      emits and the deployment scripts ship), not from a test-only compilation of it.
    function _deployLedger(address admin_, address[] memory supervisors, address custodian_)
        internal
        returns (ISealshareLedger ledger)
    {
        bytes memory initCode =
            abi.encodePacked(vm.getCode("Sealshare.sol:Sealshare"), abi.encode(admin_, supervisors, custodian_));
        address deployed;
        assembly ("memory-safe") {
            deployed := create(0, add(initCode, 0x20), mload(initCode))
        }
        require(deployed != address(0), "Sealshare deployment failed");
        ledger = ISealshareLedger(deployed);
        vm.label(deployed, "ledger");
    }

    /// @dev The device id each actor uses.
    function _device(address who) internal pure returns (bytes32) {
        return keccak256(abi.encode("device", who));
    }

    /// @dev Encryption key `tag % 8`: its private key and public point. EDR serves no
    ///      `createWallet` cheatcode and the tests do no curve arithmetic of their own, so the
    ///      points were computed once with ethers' SigningKey (private key i =
    ///      keccak256("sealshare test encryption key i")) and are pinned here; the ledger's own
    ///      on-curve check would refuse a wrong one.
    function _encryptionKey(uint256 tag) internal pure returns (uint256 privateKey, bytes32 x, bytes32 y) {
        uint256 i = tag % 8;
        if (i == 0) return (0xd673362b10c1deb60f6c809be609c31024406091698fe0fcf7af786656379ceb, 0x3198d0cf3de74ce59451ca349de82a158314433af2f6f9b824b895266914a72c, 0x9d846dcb335b41ecc7dce2bd0d3633caa4e414e716ba75f68a4671b1ecb15dc8);
        if (i == 1) return (0xc2e5e4fea23eaf0b14fdf3df9b3bd72ecd8948e801894e32265f132bcb54aa2d, 0x56fc4338f583e44c9a2f4376439d86ef1e84b258a1b27499f47722b4ef7db2d1, 0xb3b7b2de2645a75db4f997ebee688c02f80f29abf590f5f257cc10a68d73042d);
        if (i == 2) return (0x8a74e391f077ce0f8a1edb04ed8b0f73ebcaf26db3294fd0f620d0a7b9e9c717, 0x2646046c319b24daea2ac6b14bb6d26f121c395abcf6464022cdd0df4ca9b288, 0xac05c56b18a56c53fd2e228d1d38ba3407892c37bf4d7aa33dfedba5d038b968);
        if (i == 3) return (0x280b1c6c8eb0efcd5f553e557197bac70781ae0ae084ad6f170aedb16f8fb4fc, 0x1891d488acb0bda8cb9f95059cf96289eaa67aa0ff3c7478f945c385f286a2dd, 0xeafcdf106adce624394eba0a8d8531067b77215c8cfddbf3522682ab1c3770a8);
        if (i == 4) return (0x61e364fe08cc7e3083cbbe61cf0d918b3797acce20c310cca2dbc5c4ee1ba0e2, 0x99e2c5388d4554856e91698344f34716784c42287b76d8fe628fd9b9983db1a2, 0x3ef1e260154527ea2f619486f9274fbca5117a7e0d4e011b80c81f4f7b28f798);
        if (i == 5) return (0xb253575367f4a71807acf847ebfc3413af2ae206b3a01d190142312409d83716, 0xd3b13eeddc52c5ee89450976af212671327cf79ed3bf4c322a3608820b262e36, 0xa30c91af63e8b2dec17243c72f7e017a8ed3de97f6aa2d9b187eb23108322606);
        if (i == 6) return (0x4a0f928194c5d4b0d0d7e6b671825d559f51ca46be6bf39320db853703b34aef, 0x21d9ab9a104d3121b9fca4e66736132c9c419cb7a6855e0b6e8e755cc65b85ad, 0xb11ca15d180888d5e8a320a2ab3d2e9745a2f2adcb1f879409e6ae250632752e);
        if (i == 7) return (0xa17fcf27344b1d7b61263e1dd4df3d864ff4605e5002c78c88a3613cc13438b9, 0x3f5a9f9e581ba9344694b1e0e81270a631803360c57e02f3c15aee98274febfb, 0xef93a68e36222596ea5d499df335b4a7d78f396582dc1f2563c29058975cea3a);
        revert("unreachable");
    }

    /// @dev A key of `tag` and its proof of possession for `owner`'s `deviceId` on `ledger`,
    ///      signed as sdk/crypto/key-possession.ts signs it (written from the EIP-712 spec).
    function _keyProof(ISealshareLedger ledger, uint256 tag, address owner, bytes32 deviceId)
        internal
        returns (bytes memory publicKey, bytes32 y, bytes memory signature)
    {
        (uint256 privateKey, bytes32 x, bytes32 py) = _encryptionKey(tag);
        publicKey = abi.encodePacked(bytes1(uint256(py) % 2 == 0 ? 0x02 : 0x03), x);
        y = py;
        bytes32 structHash = keccak256(abi.encode(KEY_POSSESSION_TYPE, owner, deviceId, keccak256(publicKey)));
        bytes32 digest = keccak256(
            abi.encodePacked("\x19\x01", _domainSeparator(block.chainid, address(ledger)), structHash)
        );
        signature = _sign(privateKey, digest);
    }

    /// @dev `owner` publishes key `tag` for its own device, with a valid proof.
    function _publishKey(ISealshareLedger ledger, address owner, uint256 tag) internal returns (uint40) {
        (bytes memory publicKey, bytes32 y, bytes memory sig) = _keyProof(ledger, tag, owner, _device(owner));
        vm.prank(owner);
        return ledger.publishEncryptionKey(_device(owner), publicKey, y, sig);
    }

    /// @dev A plausible first version for the next dataset `ledger` registers, distinct per
    ///      `tag`. Call it before `vm.prank`: it reads the ledger.
    function _firstVersion(ISealshareLedger ledger, uint256 tag) internal view returns (VersionParams memory) {
        return _versionParams(ledger.nextDatasetId(), 1, tag);
    }

    /// @dev A plausible dataset version for slot (`datasetId`, `version`), distinct per `tag`.
    ///      The "Merkle root" is a keccak256 on purpose: sha256 is a precompile CALL, which would
    ///      consume a pending `vm.prank` when this is evaluated as an argument of the pranked call.
    ///      The commitment is v2-shaped (bound to the slot); the ledger never evaluates it.
    function _versionParams(uint64 datasetId, uint32 version, uint256 tag) internal pure returns (VersionParams memory) {
        bytes32 root = keccak256(abi.encode("chunks", tag));
        return VersionParams({
            datasetId: datasetId,
            version: version,
            merkleRoot: root,
            keyCommitment: keccak256(abi.encode(keccak256("sealshare/dek-commitment/v2"), datasetId, version, root, tag)),
            size: 1_048_576 + uint64(tag % 1000),
            formatId: bytes32("sealshare-stream-v1/ndjson"),
            storageURI: "blob://sha256/test"
        });
    }

    /// @dev No version: what an on-demand dataset registers with.
    function _noVersion() internal pure returns (VersionParams memory v) {}

    /// @dev The EIP-712 domain separator of a ledger at `verifyingContract` on chain `chainId_`.
    function _domainSeparator(uint256 chainId_, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Sealshare"), keccak256("1"), chainId_, verifyingContract)
        );
    }

    /// @dev What a subject's wallet signs for `t` (and the consent's id on that chain and ledger).
    function _consentDigest(ConsentTerms memory t, uint256 chainId_, address verifyingContract)
        internal
        pure
        returns (bytes32)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                CONSENT_TYPE,
                t.subject,
                t.requester,
                t.datasetId,
                t.category,
                t.purpose,
                t.maxKind,
                t.expiresAt,
                t.receiptHash,
                t.nonce,
                t.deadline
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(chainId_, verifyingContract), structHash));
    }

    /// @dev What a subject's wallet signs to revoke `consentId`.
    function _revokeDigest(bytes32 consentId, uint40 deadline, uint256 chainId_, address verifyingContract)
        internal
        pure
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(REVOKE_CONSENT_TYPE, consentId, deadline));
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(chainId_, verifyingContract), structHash));
    }

    /// @dev A 65-byte (r, s, v) signature of `digest` by `privateKey`.
    function _sign(uint256 privateKey, bytes32 digest) internal returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Maps any `x` into [min, max] (both inclusive).
    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (min == 0 && max == type(uint256).max) return x;
        return min + (x % (max - min + 1));
    }

    /// @dev A policy from its parts.
    function _policy(bool requireProvider, uint8 quorum, uint32 maxTemporary, uint32 maxFormal)
        internal
        pure
        returns (Policy memory)
    {
        return Policy({
            requireProvider: requireProvider,
            supervisorQuorum: quorum,
            maxTemporary: maxTemporary,
            maxFormal: maxFormal
        });
    }

    function _actor(uint256 privateKey, string memory name) private returns (address who) {
        who = vm.addr(privateKey);
        vm.label(who, name);
    }
}
