/**
 * Errors that say what to do (sdk/revert.ts, sdk/ledger-hints.ts, sdk/custodian-client.ts): a
 * role error names the role, never its hash, and who can give it; a hint that needs someone else
 * to act says whom to ask; an unreachable custodian names the URL and where it is configured.
 */
import { expect } from "chai";
import { Interface, Wallet, ZeroHash } from "ethers";
import { CUSTODIAN_ROLE, SUPERVISOR_ROLE } from "../../sdk/contracts.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { SealshareError } from "../../sdk/errors.js";
import { LEDGER_ERROR_HINTS, ledgerErrorHint, roleName } from "../../sdk/ledger-hints.js";
import { asLedgerError, decodeRevert } from "../../sdk/revert.js";
import { Sealshare__factory } from "../../types/ethers-contracts/index.js";

const ledger = Sealshare__factory.createInterface() as unknown as Interface;
const account = Wallet.createRandom().address;
/** What ethers throws for a reverted call, reduced to the revert data the SDK looks for. */
const reverted = (name: string, args: unknown[]) => ({ code: "CALL_EXCEPTION", data: ledger.encodeErrorResult(name, args) });

describe("ledger errors say what to do", () => {
  for (const [role, constant, person] of [
    [SUPERVISOR_ROLE, "SUPERVISOR_ROLE", "supervisor"],
    [CUSTODIAN_ROLE, "CUSTODIAN_ROLE", "custodian"],
  ] as const) {
    it(`AccessControlUnauthorizedAccount names ${constant} and "${person}", not the role's hash`, () => {
      const e = asLedgerError(reverted("AccessControlUnauthorizedAccount", [account, role])) as SealshareError;
      expect(e).to.be.instanceOf(SealshareError);
      expect(e.code).to.equal("AccessControlUnauthorizedAccount");
      expect(e.message).to.equal(`the ledger refused: AccessControlUnauthorizedAccount(${account}, ${constant})`);
      expect(e.details).to.deep.equal({ args: [account, constant] });
      expect(e.hint).to.equal(
        `${account} is not a ${person} (it lacks ${constant}): act with a ${person}'s account (--as / --keystore), or ask the admin to grant ${constant} to this account`,
      );
      expect(e.message + e.hint).to.not.include(role.slice(2));
    });
  }

  it("the admin role (bytes32 zero) is DEFAULT_ADMIN_ROLE, and only the admin can act", () => {
    const d = decodeRevert(reverted("AccessControlUnauthorizedAccount", [account, ZeroHash]))!;
    expect(d.text).to.equal(`AccessControlUnauthorizedAccount(${account}, DEFAULT_ADMIN_ROLE)`);
    expect(d.args[1]).to.equal(ZeroHash); // the decoded arguments stay the contract's values
    expect(ledgerErrorHint(d.name, d.args)).to.equal(
      `${account} is not the admin (it lacks DEFAULT_ADMIN_ROLE): act with the admin account (--as / --keystore), or ask the admin (governance) to do it`,
    );
  });

  it("a role hash the ledger does not define stays hex, with the general hint", () => {
    const other = "0x" + "ab".repeat(32);
    expect(roleName(other)).to.equal(other);
    const e = asLedgerError(reverted("AccessControlUnauthorizedAccount", [account, other])) as SealshareError;
    expect(e.message).to.include(other);
    expect(e.hint).to.equal(LEDGER_ERROR_HINTS.AccessControlUnauthorizedAccount);
  });

  it("a hint that needs another person to act says whom to ask", () => {
    const hint = (name: string, args: unknown[]) => (asLedgerError(reverted(name, args)) as SealshareError).hint;
    expect(hint("MembersNotActive", [account])).to.equal("the account is not an active member: ask a supervisor to register (or reinstate) it first");
    expect(hint("AccessNoVersion", [1n])).to.equal("the dataset has no version yet; ask the provider to publish one first");
    expect(hint("ConsentsRevoked", [ZeroHash])).to.equal("the subject revoked this consent; ask the subject for a new one");
    expect(hint("AccessConflictOfInterest", [1n, account])).to.match(/; ask another supervisor to approve$/);
    // No hint tells the reader that some third party "must" act without saying to ask them.
    for (const [name, h] of Object.entries(LEDGER_ERROR_HINTS)) {
      expect(/\b(supervisor|provider|subject) must\b/.test(h), `${name}: ${h}`).to.equal(false);
    }
  });
});

describe("an unreachable custodian", () => {
  it("names the URL it tried and where the URL comes from (sealshare dev, --custodian-url, SEALSHARE_CUSTODIAN_URL)", async () => {
    const url = "http://127.0.0.1:9";
    const custodian = new CustodianClient(`${url}/`, {
      chainId: 31337n,
      ledger: Wallet.createRandom().address,
      fetch: () => Promise.reject(new TypeError("fetch failed")),
    });
    const err = await custodian.info().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(SealshareError);
    const e = err as SealshareError;
    expect(e.code).to.equal("CUSTODIAN_UNREACHABLE");
    expect(e.message).to.equal(`could not reach the custodian at ${url}`);
    expect(e.details).to.deep.equal({ url });
    expect(e.hint).to.include(`nothing answered at ${url}`).and.include("`sealshare dev`").and.include("--custodian-url").and.include("SEALSHARE_CUSTODIAN_URL");
  });
});
