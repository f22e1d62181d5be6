import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { network } from "hardhat";
import SealshareModule from "../../ignition/modules/Sealshare.js";
import { ADMIN_ROLE, CUSTODIAN_ROLE, SUPERVISOR_ROLE } from "./fixture.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

const ROLES = [ADMIN_ROLE, SUPERVISOR_ROLE, CUSTODIAN_ROLE] as const;

async function deployWithIgnition() {
  const [deployer, governance, supervisor1, supervisor2, custodian] = await ethers.getSigners();
  const deployed = await connection.ignition.deploy(SealshareModule, {
    parameters: {
      SealshareModule: {
        admin: governance!.address,
        supervisors: [supervisor1!.address, supervisor2!.address],
        custodian: custodian!.address,
      },
    },
  });
  // Ignition hands back an untyped ethers contract; re-attach the TypeChain binding.
  const ledger = await ethers.getContractAt("Sealshare", await deployed.ledger.getAddress());
  return {
    ledger,
    deployer: deployer!,
    governance: governance!,
    supervisor1: supervisor1!,
    supervisor2: supervisor2!,
    custodian: custodian!,
  };
}

describe("Deployment (Ignition module ignition/modules/Sealshare.ts)", function () {
  it("passes admin, supervisors and custodian to the constructor", async function () {
    const { ledger, governance, supervisor1, supervisor2, custodian } = await networkHelpers.loadFixture(deployWithIgnition);
    expect(await ledger.hasRole(ADMIN_ROLE, governance.address)).to.equal(true);
    expect(await ledger.hasRole(SUPERVISOR_ROLE, supervisor1.address)).to.equal(true);
    expect(await ledger.hasRole(SUPERVISOR_ROLE, supervisor2.address)).to.equal(true);
    expect(await ledger.hasRole(CUSTODIAN_ROLE, custodian.address)).to.equal(true);
    expect(await ledger.hasRole(SUPERVISOR_ROLE, custodian.address)).to.equal(false);
    expect(await ledger.hasRole(CUSTODIAN_ROLE, supervisor1.address)).to.equal(false);
    expect(await ledger.hasRole(ADMIN_ROLE, supervisor1.address)).to.equal(false);
  });

  it("the deployer keeps no role it was not given", async function () {
    const { ledger, deployer } = await networkHelpers.loadFixture(deployWithIgnition);
    for (const role of ROLES) expect(await ledger.hasRole(role, deployer.address), role).to.equal(false);
  });

  it("wires the roles in the deployment transaction alone (no follow-up grantRole calls)", async function () {
    const { ledger, deployer, governance, supervisor1, supervisor2, custodian } = await networkHelpers.loadFixture(deployWithIgnition);
    const granted = await ledger.queryFilter(ledger.filters.RoleGranted());
    expect(granted.map((e) => [...e.args])).to.deep.equal([
      [ADMIN_ROLE, governance.address, deployer.address],
      [SUPERVISOR_ROLE, supervisor1.address, deployer.address],
      [SUPERVISOR_ROLE, supervisor2.address, deployer.address],
      [CUSTODIAN_ROLE, custodian.address, deployer.address],
    ]);
    expect(new Set(granted.map((e) => e.transactionHash)).size).to.equal(1);
  });

  it("the roles it wired work: a supervisor registers a member, governance pauses", async function () {
    const { ledger, governance, supervisor2 } = await networkHelpers.loadFixture(deployWithIgnition);
    const [, , , , , member] = await ethers.getSigners();
    await expect(ledger.connect(supervisor2).registerMember(member!.address, ethers.id("kyc"), ""))
      .to.emit(ledger, "MemberRegistered")
      .withArgs(member!.address, supervisor2.address, ethers.id("kyc"), "");
    await expect(ledger.connect(governance).pause()).to.emit(ledger, "Paused").withArgs(governance.address);
  });

  it("exposes the EIP-712 domain Sealshare/1 for this chain and address", async function () {
    const { ledger } = await networkHelpers.loadFixture(deployWithIgnition);
    const [, name, version, chainId, verifyingContract] = await ledger.eip712Domain();
    expect([name, version, chainId, verifyingContract]).to.deep.equal([
      "Sealshare",
      "1",
      (await ethers.provider.getNetwork()).chainId,
      await ledger.getAddress(),
    ]);
  });

  it("defaults to the deployer as admin and custodian, and no supervisors, when no parameters are given", async function () {
    const fresh = await network.create();
    const [deployer] = await fresh.ethers.getSigners();
    const deployed = await fresh.ignition.deploy(SealshareModule);
    const ledger = await fresh.ethers.getContractAt("Sealshare", await deployed.ledger.getAddress());
    expect(await ledger.hasRole(ADMIN_ROLE, deployer!.address)).to.equal(true);
    expect(await ledger.hasRole(CUSTODIAN_ROLE, deployer!.address)).to.equal(true);
    expect(await ledger.hasRole(SUPERVISOR_ROLE, deployer!.address)).to.equal(false);
    const supervisors = await ledger.queryFilter(ledger.filters.RoleGranted(SUPERVISOR_ROLE));
    expect(supervisors).to.deep.equal([]);
  });

  it("deploys with the example parameters file ignition/parameters/local.json", async function () {
    const file = JSON.parse(await readFile(new URL("../../ignition/parameters/local.json", import.meta.url), "utf8")) as {
      SealshareModule: { admin: string; supervisors: string[]; custodian: string };
    };
    const params = file.SealshareModule;
    const fresh = await network.create();
    const deployed = await fresh.ignition.deploy(SealshareModule, { parameters: { SealshareModule: params } });
    const ledger = await fresh.ethers.getContractAt("Sealshare", await deployed.ledger.getAddress());
    expect(await ledger.hasRole(ADMIN_ROLE, params.admin)).to.equal(true);
    for (const s of params.supervisors) expect(await ledger.hasRole(SUPERVISOR_ROLE, s)).to.equal(true);
    expect(await ledger.hasRole(CUSTODIAN_ROLE, params.custodian)).to.equal(true);
  });
});
