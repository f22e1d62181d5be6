import { expect } from "chai";
import { network } from "hardhat";
import { TypedDataEncoder, ZeroAddress, ZeroHash, getBytes, hexlify, id, keccak256, toBeHex, toUtf8Bytes } from "ethers";
import { KEY_POSSESSION_TYPES } from "../../sdk/eip712.js";
import { keyPossessionProof } from "../../sdk/crypto/key-possession.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import {
  ADMIN_ROLE,
  CUSTODIAN_ROLE,
  Category,
  DEVICE,
  POLICY,
  SUPERVISOR_ROLE,
  deploySealshare,
  minimum,
  type Sealshare,
} from "./fixture.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);

const MemberStatus = { None: 0, Active: 1, Suspended: 2 } as const;

/** memberOf read by field name (a MemberView struct, not a positional tuple). */
async function memberView(ledger: Sealshare, account: string) {
  const m = await ledger.memberOf(account);
  return { status: Number(m.status), epoch: Number(m.epoch), registeredAt: Number(m.registeredAt) };
}

describe("Members and encryption keys", function () {
  describe("roles", function () {
    it("wires admin, two supervisors and the custodian", async function () {
      const { ledger, admin, sup1, sup2, custodian, bank } = await load();
      expect(await ledger.hasRole(ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await ledger.hasRole(SUPERVISOR_ROLE, sup1.address)).to.equal(true);
      expect(await ledger.hasRole(SUPERVISOR_ROLE, sup2.address)).to.equal(true);
      expect(await ledger.hasRole(CUSTODIAN_ROLE, custodian.address)).to.equal(true);
      expect(await ledger.hasRole(SUPERVISOR_ROLE, bank.address)).to.equal(false);
      expect(await ledger.SUPERVISOR_ROLE()).to.equal(SUPERVISOR_ROLE);
      expect(await ledger.CUSTODIAN_ROLE()).to.equal(CUSTODIAN_ROLE);
    });

    it("are wired by the constructor: the deployer keeps no role it was not given", async function () {
      const { ethers, admin, sup1, sup2, custodian, mallory } = await load();
      const ledger = await ethers.deployContract("Sealshare", [admin.address, [sup1.address, sup2.address], custodian.address], mallory);
      const deployment = ledger.deploymentTransaction()!;
      await expect(deployment).to.emit(ledger, "RoleGranted").withArgs(ADMIN_ROLE, admin.address, mallory.address);
      await expect(deployment).to.emit(ledger, "RoleGranted").withArgs(SUPERVISOR_ROLE, sup1.address, mallory.address);
      await expect(deployment).to.emit(ledger, "RoleGranted").withArgs(SUPERVISOR_ROLE, sup2.address, mallory.address);
      await expect(deployment).to.emit(ledger, "RoleGranted").withArgs(CUSTODIAN_ROLE, custodian.address, mallory.address);
      for (const role of [ADMIN_ROLE, SUPERVISOR_ROLE, CUSTODIAN_ROLE]) {
        expect(await ledger.hasRole(role, mallory.address)).to.equal(false);
      }
      expect(await ledger.hasRole(ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await ledger.hasRole(CUSTODIAN_ROLE, custodian.address)).to.equal(true);
    });

    it("a zero custodian leaves CUSTODIAN_ROLE unassigned; no supervisors is allowed", async function () {
      const { ethers, admin } = await load();
      const ledger = await ethers.deployContract("Sealshare", [admin.address, [], ZeroAddress]);
      const receipt = await ledger.deploymentTransaction()!.wait();
      const granted = receipt!.logs.map((l) => ledger.interface.parseLog(l)).filter((e) => e?.name === "RoleGranted");
      expect(granted.map((e) => [...e!.args])).to.deep.equal([[ADMIN_ROLE, admin.address, admin.address]]);
      expect(await ledger.hasRole(CUSTODIAN_ROLE, ZeroAddress)).to.equal(false);
    });

    it("a supervisor listed twice in the constructor is granted once, with one bit", async function () {
      const { ethers, admin, sup1, sup2 } = await load();
      const ledger = await ethers.deployContract("Sealshare", [admin.address, [sup1.address, sup1.address, sup2.address], ZeroAddress]);
      // Bits 1 and 2 are taken: 30 more distinct supervisors fit, the 31st does not.
      for (let i = 0; i < 30; i++) await ledger.connect(admin).grantRole(SUPERVISOR_ROLE, ethers.Wallet.createRandom().address);
      await expect(ledger.connect(admin).grantRole(SUPERVISOR_ROLE, ethers.Wallet.createRandom().address))
        .to.be.revertedWithCustomError(ledger, "SealshareTooManySupervisors")
        .withArgs();
    });

    it("reverts a deployment with more than 32 supervisors (SealshareTooManySupervisors)", async function () {
      const { ethers, admin } = await load();
      const many = Array.from({ length: 33 }, () => ethers.Wallet.createRandom().address);
      const factory = await ethers.getContractFactory("Sealshare");
      await expect(factory.deploy(admin.address, many, ZeroAddress))
        .to.be.revertedWithCustomError(factory, "SealshareTooManySupervisors")
        .withArgs();
      // Exactly 32 is fine.
      const ledger = await factory.deploy(admin.address, many.slice(0, 32), ZeroAddress);
      expect(await ledger.hasRole(SUPERVISOR_ROLE, many[31]!)).to.equal(true);
      expect(await ledger.MAX_SUPERVISORS()).to.equal(32n);
    });

    it("granting a role twice or revoking one that is not held changes nothing", async function () {
      const { ledger, admin, sup1, custodian, mallory } = await load();
      await expect(ledger.connect(admin).grantRole(SUPERVISOR_ROLE, sup1.address)).not.to.emit(ledger, "RoleGranted");
      await expect(ledger.connect(admin).revokeRole(SUPERVISOR_ROLE, mallory.address)).not.to.emit(ledger, "RoleRevoked");
      await expect(ledger.connect(admin).revokeRole(CUSTODIAN_ROLE, custodian.address))
        .to.emit(ledger, "RoleRevoked")
        .withArgs(CUSTODIAN_ROLE, custodian.address, admin.address);
      expect(await ledger.hasRole(SUPERVISOR_ROLE, sup1.address)).to.equal(true);
      // A revoked custodian can no longer record releases.
      await expect(ledger.connect(custodian).recordRelease(1, 2, ZeroHash))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(custodian.address, CUSTODIAN_ROLE);
    });

    it("reverts when a non-admin grants a role", async function () {
      const { ledger, mallory } = await load();
      await expect(ledger.connect(mallory).grantRole(SUPERVISOR_ROLE, mallory.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(mallory.address, ADMIN_ROLE);
    });

    it("refuses a 33rd supervisor while 32 hold the role (SealshareTooManySupervisors)", async function () {
      const { ledger, admin, ethers } = await load();
      // Two supervisors exist; 30 more take every approval bit.
      const wallets = Array.from({ length: 31 }, () => ethers.Wallet.createRandom());
      for (const w of wallets.slice(0, 30)) await ledger.connect(admin).grantRole(SUPERVISOR_ROLE, w.address);
      await expect(ledger.connect(admin).grantRole(SUPERVISOR_ROLE, wallets[30]!.address))
        .to.be.revertedWithCustomError(ledger, "SealshareTooManySupervisors")
        .withArgs();
    });

    it("appoints supervisors beyond 32 over time by recycling the bits of revoked ones (spec item 8)", async function () {
      const { ledger, admin, ethers } = await load();
      const wallets = Array.from({ length: 30 }, () => ethers.Wallet.createRandom());
      for (const w of wallets) await ledger.connect(admin).grantRole(SUPERVISOR_ROLE, w.address);
      // 40 more appointments, each after a revocation: 72 supervisors ever, never more than 32 at once.
      let leaving = wallets.map((w) => w.address);
      for (let i = 0; i < 40; i++) {
        const next = ethers.Wallet.createRandom().address;
        await ledger.connect(admin).revokeRole(SUPERVISOR_ROLE, leaving[i % leaving.length]!);
        await expect(ledger.connect(admin).grantRole(SUPERVISOR_ROLE, next))
          .to.emit(ledger, "RoleGranted")
          .withArgs(SUPERVISOR_ROLE, next, admin.address);
        leaving[i % leaving.length] = next;
      }
      // A supervisor re-granted the role while its bit is still free gets that bit back.
      const back = leaving[0]!;
      await ledger.connect(admin).revokeRole(SUPERVISOR_ROLE, back);
      await expect(ledger.connect(admin).grantRole(SUPERVISOR_ROLE, back))
        .to.emit(ledger, "RoleGranted")
        .withArgs(SUPERVISOR_ROLE, back, admin.address);
    });
  });

  describe("registration", function () {
    it("a supervisor registers a member institution", async function () {
      const { ledger, sup2, fundHouse } = await load();
      const tx = ledger.connect(sup2).registerMember(fundHouse.address, id("kyc-ref/fundhouse"), "ipfs://fundhouse");
      await expect(tx)
        .to.emit(ledger, "MemberRegistered")
        .withArgs(fundHouse.address, sup2.address, id("kyc-ref/fundhouse"), "ipfs://fundhouse");
      const registeredAt = (await (await (await tx).wait())!.getBlock()).timestamp;
      expect(await memberView(ledger, fundHouse.address)).to.deep.equal({ status: MemberStatus.Active, epoch: 0, registeredAt });
    });

    it("the fixture's members are active", async function () {
      const { ledger, bank, insurer, lender, ana } = await load();
      for (const m of [bank, insurer, lender]) {
        const v = await memberView(ledger, m.address);
        expect({ status: v.status, epoch: v.epoch }).to.deep.equal({ status: MemberStatus.Active, epoch: 0 });
        expect(v.registeredAt).to.be.greaterThan(0);
      }
      expect(await memberView(ledger, ana.address)).to.deep.equal({ status: MemberStatus.None, epoch: 0, registeredAt: 0 });
    });

    it("reverts when a non-supervisor registers a member", async function () {
      const { ledger, bank, fundHouse } = await load();
      await expect(ledger.connect(bank).registerMember(fundHouse.address, id("kyc"), ""))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(bank.address, SUPERVISOR_ROLE);
    });

    it("reverts when the member is already registered", async function () {
      const { ledger, sup1, bank } = await load();
      await expect(ledger.connect(sup1).registerMember(bank.address, id("kyc"), ""))
        .to.be.revertedWithCustomError(ledger, "MembersAlreadyRegistered")
        .withArgs(bank.address);
    });
  });

  describe("suspension and reinstatement", function () {
    it("a supervisor suspends a member, bumping its epoch", async function () {
      const { ledger, sup1, lender } = await load();
      const { registeredAt } = await memberView(ledger, lender.address);
      await expect(ledger.connect(sup1).suspendMember(lender.address, 42))
        .to.emit(ledger, "MemberSuspended")
        .withArgs(lender.address, sup1.address, 42, 1);
      expect(await memberView(ledger, lender.address)).to.deep.equal({ status: MemberStatus.Suspended, epoch: 1, registeredAt });
    });

    it("a supervisor reinstates a suspended member in its new epoch", async function () {
      const { ledger, sup1, sup2, lender } = await load();
      const { registeredAt } = await memberView(ledger, lender.address);
      await ledger.connect(sup1).suspendMember(lender.address, 42);
      await expect(ledger.connect(sup2).reinstateMember(lender.address))
        .to.emit(ledger, "MemberReinstated")
        .withArgs(lender.address, sup2.address, 1);
      expect(await memberView(ledger, lender.address)).to.deep.equal({ status: MemberStatus.Active, epoch: 1, registeredAt });
    });

    it("reverts when suspending a member that is not active", async function () {
      const { ledger, sup1, lender, mallory } = await load();
      await expect(ledger.connect(sup1).suspendMember(mallory.address, 1))
        .to.be.revertedWithCustomError(ledger, "MembersNotActive")
        .withArgs(mallory.address);
      await ledger.connect(sup1).suspendMember(lender.address, 1);
      await expect(ledger.connect(sup1).suspendMember(lender.address, 1))
        .to.be.revertedWithCustomError(ledger, "MembersNotActive")
        .withArgs(lender.address);
    });

    it("reverts when reinstating a member that is not suspended", async function () {
      const { ledger, sup1, lender } = await load();
      await expect(ledger.connect(sup1).reinstateMember(lender.address))
        .to.be.revertedWithCustomError(ledger, "MembersNotSuspended")
        .withArgs(lender.address);
    });

    it("reverts when a non-supervisor suspends or reinstates", async function () {
      const { ledger, bank, lender } = await load();
      await expect(ledger.connect(bank).suspendMember(lender.address, 1))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(bank.address, SUPERVISOR_ROLE);
      await expect(ledger.connect(bank).reinstateMember(lender.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(bank.address, SUPERVISOR_ROLE);
    });
  });

  describe("encryption keys", function () {
    it("each member published a real compressed secp256k1 key for its device", async function () {
      const { ledger, keys, bank, insurer, lender } = await load();
      for (const [name, signer] of [["bank", bank], ["insurer", insurer], ["lender", lender]] as const) {
        const k = keys[name];
        expect(k.publicKey.length).to.equal(33);
        expect(await ledger.currentKeyId(signer.address, DEVICE[name])).to.equal(k.keyId);
        expect(await ledger.encryptionKey(k.keyId)).to.deep.equal([signer.address, DEVICE[name], k.hex, true]);
      }
    });

    it("publishing emits EncryptionKeyPublished with the next key id", async function () {
      const { ledger, lender, keyArgs } = await load();
      const pair = generateEncryptionKeyPair();
      const device = id("lender/phone-1");
      await expect(ledger.connect(lender).publishEncryptionKey(...keyArgs(lender, device, pair)))
        .to.emit(ledger, "EncryptionKeyPublished")
        .withArgs(lender.address, device, 4, hexlify(pair.publicKey), 0);
    });

    it("anyone (not only members) may publish a key", async function () {
      const { ledger, ana, keyArgs } = await load();
      const pair = generateEncryptionKeyPair();
      await expect(ledger.connect(ana).publishEncryptionKey(...keyArgs(ana, id("ana/phone"), pair)))
        .to.emit(ledger, "EncryptionKeyPublished")
        .withArgs(ana.address, id("ana/phone"), 4, hexlify(pair.publicKey), 0);
    });

    it("rotating a device key supersedes the previous one", async function () {
      const { ledger, insurer, keys, keyArgs } = await load();
      const pair = generateEncryptionKeyPair();
      await expect(ledger.connect(insurer).publishEncryptionKey(...keyArgs(insurer, DEVICE.insurer, pair)))
        .to.emit(ledger, "EncryptionKeyPublished")
        .withArgs(insurer.address, DEVICE.insurer, 4, hexlify(pair.publicKey), keys.insurer.keyId);
      expect(await ledger.currentKeyId(insurer.address, DEVICE.insurer)).to.equal(4n);
      const { publicKey: oldBytes, live: oldLive } = await ledger.encryptionKey(keys.insurer.keyId);
      expect(oldBytes).to.equal(keys.insurer.hex);
      expect(oldLive).to.equal(false);
    });

    it("accepts both compressed-point prefixes, 0x02 and 0x03", async function () {
      const { ledger, lender, keyArgs } = await load();
      for (const [i, prefix] of [0x02, 0x03].entries()) {
        let pair = generateEncryptionKeyPair();
        while (pair.publicKey[0] !== prefix) pair = generateEncryptionKeyPair();
        const key = pair.publicKey;
        const device = id(`lender/prefix-${prefix}`);
        await expect(ledger.connect(lender).publishEncryptionKey(...keyArgs(lender, device, pair)))
          .to.emit(ledger, "EncryptionKeyPublished")
          .withArgs(lender.address, device, 4 + i, hexlify(key), 0);
        expect(await ledger.encryptionKey(4 + i)).to.deep.equal([lender.address, device, hexlify(key), true]);
      }
    });

    it("reads an unknown key id as empty: no owner, no bytes, not live", async function () {
      const { ledger } = await load();
      expect(await ledger.encryptionKey(999)).to.deep.equal([ZeroAddress, ZeroHash, "0x", false]);
      expect(await ledger.currentKeyId(ZeroAddress, ZeroHash)).to.equal(0n);
    });

    it("revoking a device key leaves the device without a key", async function () {
      const { ledger, insurer, keys } = await load();
      await expect(ledger.connect(insurer).revokeEncryptionKey(DEVICE.insurer))
        .to.emit(ledger, "EncryptionKeyRevoked")
        .withArgs(insurer.address, DEVICE.insurer, keys.insurer.keyId);
      expect(await ledger.currentKeyId(insurer.address, DEVICE.insurer)).to.equal(0n);
      expect((await ledger.encryptionKey(keys.insurer.keyId)).live).to.equal(false);
    });

    it("reverts when revoking a device that has no key", async function () {
      const { ledger, insurer } = await load();
      const device = id("insurer/unknown");
      await expect(ledger.connect(insurer).revokeEncryptionKey(device))
        .to.be.revertedWithCustomError(ledger, "KeysUnknownDevice")
        .withArgs(insurer.address, device);
    });

    const badKeys: [string, () => Uint8Array, number, string][] = [
      ["an uncompressed 65-byte key", () => new Uint8Array([0x04, ...new Uint8Array(64).fill(7)]), 65, "0x04"],
      ["a 32-byte key", () => new Uint8Array(32).fill(2), 32, "0x02"],
      ["a 34-byte key", () => new Uint8Array([0x02, ...new Uint8Array(33).fill(1)]), 34, "0x02"],
      ["a 33-byte key with prefix 0x04", () => new Uint8Array([0x04, ...new Uint8Array(32).fill(1)]), 33, "0x04"],
      ["a 33-byte key with prefix 0x00", () => new Uint8Array(33), 33, "0x00"],
      ["an empty key", () => new Uint8Array(0), 0, "0x00"],
    ];
    for (const [what, make, length, prefix] of badKeys) {
      it(`reverts when publishing ${what}`, async function () {
        const { ledger, lender } = await load();
        await expect(ledger.connect(lender).publishEncryptionKey(DEVICE.lender, make(), ZeroHash, "0x"))
          .to.be.revertedWithCustomError(ledger, "KeysInvalidPublicKey")
          .withArgs(length, prefix);
      });
    }

    describe("proof of possession (spec item 4)", function () {
      const SECP256K1_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

      it("exposes the KeyPossession type hash the SDK signs (EIP-712, `bytes publicKey` hashed)", async function () {
        const { ledger } = await load();
        expect(await ledger.KEY_POSSESSION_TYPEHASH()).to.equal(
          keccak256(toUtf8Bytes("KeyPossession(address owner,bytes32 deviceId,bytes publicKey)")),
        );
        expect(TypedDataEncoder.from(KEY_POSSESSION_TYPES).encodeType("KeyPossession")).to.equal(
          "KeyPossession(address owner,bytes32 deviceId,bytes publicKey)",
        );
      });

      it("reverts when the key comes without a proof (KeysNoProofOfPossession)", async function () {
        const { ledger, lender } = await load();
        const pair = generateEncryptionKeyPair();
        const device = id("lender/no-proof");
        for (const signature of ["0x", hexlify(new Uint8Array(65))]) {
          await expect(ledger.connect(lender).publishEncryptionKey(device, pair.publicKey, ZeroHash, signature))
            .to.be.revertedWithCustomError(ledger, "KeysNoProofOfPossession")
            .withArgs(lender.address, device);
        }
      });

      it("reverts when the proof is signed by another key than the one published (KeysNoProofOfPossession)", async function () {
        const { ledger, lender, keyArgs } = await load();
        const device = id("lender/wrong-signer");
        const published = generateEncryptionKeyPair();
        const [, , y] = keyArgs(lender, device, published);
        const [, , , otherKeysSignature] = keyArgs(lender, device, generateEncryptionKeyPair());
        await expect(ledger.connect(lender).publishEncryptionKey(device, published.publicKey, y, otherKeysSignature))
          .to.be.revertedWithCustomError(ledger, "KeysNoProofOfPossession")
          .withArgs(lender.address, device);
      });

      it("reverts when someone publishes the custodian's key as its own, even with the custodian's own proof (KeysNoProofOfPossession)", async function () {
        const { ledger, custodian, mallory, keyArgs } = await load();
        // The custodian proved its key for its own device; Mallory copies key, y and proof.
        const custodianKey = generateEncryptionKeyPair();
        const device = id("custodian/hsm");
        const copied = keyArgs(custodian, device, custodianKey);
        await expect(ledger.connect(custodian).publishEncryptionKey(...copied)).to.emit(ledger, "EncryptionKeyPublished");
        await expect(ledger.connect(mallory).publishEncryptionKey(...copied))
          .to.be.revertedWithCustomError(ledger, "KeysNoProofOfPossession")
          .withArgs(mallory.address, device);
        // Signing the proof herself, with her own key, does not help either.
        const [, , , ownSignature] = keyArgs(mallory, device, generateEncryptionKeyPair());
        await expect(ledger.connect(mallory).publishEncryptionKey(device, copied[1], copied[2], ownSignature))
          .to.be.revertedWithCustomError(ledger, "KeysNoProofOfPossession")
          .withArgs(mallory.address, device);
      });

      it("reverts when a proof made for another device or another deployment is replayed (KeysNoProofOfPossession)", async function () {
        const { ledger, ethers, admin, lender, domain, keyArgs } = await load();
        const pair = generateEncryptionKeyPair();
        const [, publicKey, y, signature] = keyArgs(lender, id("lender/device-a"), pair);
        await expect(ledger.connect(lender).publishEncryptionKey(id("lender/device-b"), publicKey, y, signature))
          .to.be.revertedWithCustomError(ledger, "KeysNoProofOfPossession")
          .withArgs(lender.address, id("lender/device-b"));
        const other = await ethers.deployContract("Sealshare", [admin.address, [], ZeroAddress]);
        const otherProof = keyPossessionProof({
          privateKey: pair.privateKey,
          owner: lender.address,
          deviceId: id("lender/device-a"),
          domain: { ...domain, verifyingContract: await other.getAddress() },
        });
        await expect(ledger.connect(lender).publishEncryptionKey(id("lender/device-a"), otherProof.publicKey, otherProof.publicKeyY, otherProof.signature))
          .to.be.revertedWithCustomError(ledger, "KeysNoProofOfPossession")
          .withArgs(lender.address, id("lender/device-a"));
      });

      it("reverts when y is not the point's (off the curve, or the other parity) (KeysNoProofOfPossession)", async function () {
        const { ledger, lender, keyArgs } = await load();
        const device = id("lender/bad-y");
        const [, publicKey, y, signature] = keyArgs(lender, device);
        const negated = toBeHex(SECP256K1_P - BigInt(y), 32); // (x, p - y): on the curve, wrong parity
        const offCurve = toBeHex((BigInt(y) + 2n) % SECP256K1_P, 32); // right parity, off the curve
        const outOfField = toBeHex(BigInt(y) + SECP256K1_P < 2n ** 256n ? BigInt(y) + SECP256K1_P : BigInt(y), 32);
        for (const badY of [negated, offCurve, outOfField]) {
          if (badY === y) continue;
          await expect(ledger.connect(lender).publishEncryptionKey(device, publicKey, badY, signature))
            .to.be.revertedWithCustomError(ledger, "KeysNoProofOfPossession")
            .withArgs(lender.address, device);
        }
        // An x outside the field names no point, whatever y and signature come with it.
        const xOutOfField = new Uint8Array([0x02, ...getBytes(toBeHex(SECP256K1_P + 1n, 32))]);
        await expect(ledger.connect(lender).publishEncryptionKey(device, xOutOfField, y, signature))
          .to.be.revertedWithCustomError(ledger, "KeysNoProofOfPossession")
          .withArgs(lender.address, device);
        // With its own y it is accepted.
        await expect(ledger.connect(lender).publishEncryptionKey(device, publicKey, y, signature)).to.emit(ledger, "EncryptionKeyPublished");
      });
    });

    it("reverts when publishing while paused", async function () {
      const { ledger, admin, lender, keyArgs } = await load();
      const args = keyArgs(lender, DEVICE.lender);
      await ledger.connect(admin).pause();
      await expect(ledger.connect(lender).publishEncryptionKey(...args))
        .to.be.revertedWithCustomError(ledger, "SealsharePaused")
        .withArgs();
    });
  });

  describe("pause", function () {
    it("is off after deployment", async function () {
      const { ledger } = await load();
      expect(await ledger.paused()).to.equal(false);
    });

    it("the admin pauses and unpauses; paused() follows", async function () {
      const { ledger, admin } = await load();
      await expect(ledger.connect(admin).pause()).to.emit(ledger, "Paused").withArgs(admin.address);
      expect(await ledger.paused()).to.equal(true);
      await expect(ledger.connect(admin).unpause()).to.emit(ledger, "Unpaused").withArgs(admin.address);
      expect(await ledger.paused()).to.equal(false);
    });

    it("reverts when pausing a paused ledger (SealsharePaused)", async function () {
      const { ledger, admin } = await load();
      await ledger.connect(admin).pause();
      await expect(ledger.connect(admin).pause()).to.be.revertedWithCustomError(ledger, "SealsharePaused").withArgs();
    });

    it("reverts when unpausing a ledger that is not paused (SealshareNotPaused)", async function () {
      const { ledger, admin } = await load();
      await expect(ledger.connect(admin).unpause()).to.be.revertedWithCustomError(ledger, "SealshareNotPaused").withArgs();
      await ledger.connect(admin).pause();
      await ledger.connect(admin).unpause();
      await expect(ledger.connect(admin).unpause()).to.be.revertedWithCustomError(ledger, "SealshareNotPaused").withArgs();
    });

    it("stops every state change but consent revocation, role management, receipts and actions that reduce access", async function () {
      const w = await load();
      const { ledger, admin, sup1, sup2, bank, insurer, lender, ana, fundHouse, datasetId } = w;
      const { terms: recorded } = await w.consent();
      const pendingId = await w.request(recorded);
      const fresh = await w.consentTerms();
      const signature = await w.signConsent(fresh);
      const keyArgs = w.keyArgs(bank, DEVICE.bank);
      const newDataset = await w.version("paused");
      const nextVersion = await w.version("v2", datasetId);
      await ledger.connect(sup1).suspendMember(lender.address, 1);
      await ledger.connect(admin).pause();
      const blocked: [string, () => Promise<unknown>][] = [
        ["registerMember", () => ledger.connect(sup1).registerMember(fundHouse.address, id("kyc"), "")],
        ["reinstateMember", () => ledger.connect(sup1).reinstateMember(lender.address)],
        ["publishEncryptionKey", () => ledger.connect(bank).publishEncryptionKey(...keyArgs)],
        ["registerDataset", () => ledger.connect(bank).registerDataset(ana.address, Category.Bond, POLICY, ZeroHash, newDataset)],
        ["publishVersion", () => ledger.connect(bank).publishVersion(datasetId, nextVersion)],
        ["setPolicy", () => ledger.connect(bank).setPolicy(datasetId, POLICY)],
        ["transferDataset", () => ledger.connect(bank).transferDataset(datasetId, insurer.address)],
        ["setCategoryMinimum", () => ledger.connect(sup1).setCategoryMinimum(Category.Bond, minimum({ requireProvider: true, supervisorQuorum: 1 }))],
        ["giveConsent", () => ledger.connect(ana).giveConsent(fresh)],
        ["giveConsentBySig", () => ledger.connect(insurer).giveConsentBySig(fresh, signature)],
        ["requestAccess", () => ledger.connect(insurer).requestAccess(w.requestParams(), recorded)],
        ["requestAccessWithConsent", () => ledger.connect(insurer).requestAccessWithConsent(w.requestParams(), fresh, signature)],
        ["approveAsProvider", () => ledger.connect(bank).approveAsProvider(pendingId)],
        ["approveAsSupervisor", () => ledger.connect(sup2).approveAsSupervisor(pendingId)],
        ["advanceRequest", () => ledger.connect(insurer).advanceRequest(pendingId)],
        ["recordUsage", () => ledger.connect(insurer).recordUsage(pendingId, 1, id("usage"))],
      ];
      for (const [name, call] of blocked) {
        await expect(call(), name).to.be.revertedWithCustomError(ledger, "SealsharePaused").withArgs();
      }
    });

    it("leaves open, while paused, every action that only reduces access (spec item 5)", async function () {
      const w = await load();
      const { ledger, admin, sup1, sup2, bank, insurer, ana, custodian, datasetId, fundsDatasetId, keys } = w;
      const { requestId: granted } = await w.share();
      const { terms, consentId } = await w.consent();
      const pendingId = await w.request(terms);
      await ledger.connect(admin).pause();
      await expect(ledger.connect(sup1).revokeGrant(granted, 3)).to.emit(ledger, "GrantRevoked").withArgs(granted, sup1.address, 3);
      await expect(ledger.connect(bank).rejectRequest(pendingId, 4)).to.emit(ledger, "AccessRejected").withArgs(pendingId, bank.address, 4);
      await expect(ledger.connect(sup1).suspendMember(insurer.address, 5))
        .to.emit(ledger, "MemberSuspended")
        .withArgs(insurer.address, sup1.address, 5, 1);
      await expect(ledger.connect(bank).retireDataset(fundsDatasetId)).to.emit(ledger, "DatasetRetired").withArgs(fundsDatasetId, bank.address);
      await expect(ledger.connect(bank).revokeEncryptionKey(DEVICE.bank))
        .to.emit(ledger, "EncryptionKeyRevoked")
        .withArgs(bank.address, DEVICE.bank, keys.bank.keyId);
      // As before: the subject's withdrawal, the admin's role management, the custodian's receipts.
      await expect(ledger.connect(ana).revokeConsent(consentId)).to.emit(ledger, "ConsentRevoked").withArgs(consentId, ana.address);
      await expect(ledger.connect(admin).revokeRole(SUPERVISOR_ROLE, sup2.address))
        .to.emit(ledger, "RoleRevoked")
        .withArgs(SUPERVISOR_ROLE, sup2.address, admin.address);
      await expect(ledger.connect(custodian).recordRelease(granted, 2, id("envelope")))
        .to.emit(ledger, "KeyReleased")
        .withArgs(granted, datasetId, insurer.address, 2, id("envelope"));
      expect((await ledger.requestOf(granted)).status).to.equal(5n); // Revoked
      expect((await ledger.requestOf(pendingId)).status).to.equal(4n); // Rejected
      expect((await ledger.dataset(fundsDatasetId)).retired).to.equal(true);
    });

    it("only the admin pauses and unpauses", async function () {
      const { ledger, admin, sup1 } = await load();
      await expect(ledger.connect(sup1).pause())
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(sup1.address, ADMIN_ROLE);
      await expect(ledger.connect(admin).pause()).to.emit(ledger, "Paused").withArgs(admin.address);
      await expect(ledger.connect(sup1).unpause())
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(sup1.address, ADMIN_ROLE);
      await expect(ledger.connect(admin).unpause()).to.emit(ledger, "Unpaused").withArgs(admin.address);
    });

    it("reverts member registration while paused, but not suspension", async function () {
      const { ledger, admin, sup1, lender, fundHouse } = await load();
      await ledger.connect(admin).pause();
      await expect(ledger.connect(sup1).registerMember(fundHouse.address, id("kyc"), ""))
        .to.be.revertedWithCustomError(ledger, "SealsharePaused")
        .withArgs();
      await expect(ledger.connect(sup1).suspendMember(lender.address, 1))
        .to.emit(ledger, "MemberSuspended")
        .withArgs(lender.address, sup1.address, 1, 1);
    });
  });
});
