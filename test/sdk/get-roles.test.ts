/**
 * getRoles: what an account may do on the ledger now — supervisor and custodian roles and its
 * membership status — as the dapp's pages read it before they offer an action (on the contract
 * tests' world, an in-process Hardhat network).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { deploySealshare, type World } from "../contracts/fixture.js";
import { getRoles } from "../../sdk/actions/get-roles.js";
import type { SealshareContext } from "../../sdk/actions/context.js";
import { SealshareError } from "../../sdk/errors.js";
import { MemberStatus } from "../../sdk/vocabulary.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);
const ctxOf = (w: World): SealshareContext => ({ ledger: w.ledger });

describe("SDK getRoles", function () {
  it("reads each actor's roles and membership from the chain", async function () {
    const w = await load();
    const roles = async (a: { address: string }) => getRoles(ctxOf(w), { account: a.address.toLowerCase() });
    expect(await roles(w.sup1)).to.deep.equal({ account: w.sup1.address, supervisor: true, custodian: false, memberStatus: MemberStatus.None });
    expect(await roles(w.custodian)).to.deep.equal({ account: w.custodian.address, supervisor: false, custodian: true, memberStatus: MemberStatus.None });
    expect(await roles(w.bank)).to.deep.equal({ account: w.bank.address, supervisor: false, custodian: false, memberStatus: MemberStatus.Active });
    expect(await roles(w.ana)).to.deep.equal({ account: w.ana.address, supervisor: false, custodian: false, memberStatus: MemberStatus.None });
  });

  it("follows the chain: a suspended member reads as suspended", async function () {
    const w = await load();
    await w.ledger.connect(w.sup1).suspendMember(w.lender.address, 1);
    expect((await getRoles(ctxOf(w), { account: w.lender.address })).memberStatus).to.equal(MemberStatus.Suspended);
  });

  it("refuses something that is not an address before asking the ledger", async function () {
    const w = await load();
    const err = await getRoles(ctxOf(w), { account: "0x1234" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(SealshareError);
    expect([(err as SealshareError).code, (err as SealshareError).message]).to.deep.equal(["INVALID_ADDRESS", 'account is not an address: "0x1234"']);
  });
});
