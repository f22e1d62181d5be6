/**
 * Threshold custody under faults, short form (scripts/lib/faults-threshold.ts; `npm run faults`
 * runs the long one): three custodian processes of a 2-of-3 set, one of them behind a proxy that
 * rewrites its envelopes with wrong shares, one custodian at random SIGKILLed and restarted each
 * cycle while grants pour in (some revoked inside the confirmation window). Every valid grant
 * ends with ≥ 2 combinable shares that rebuild the dealt key without the liar's, the liar is
 * named, and nothing is unauthorized, lost or duplicated; then a shred order is confirmed on chain
 * by all three, `audit verify` with the custody contract finds no violation, and nothing serves
 * the version any more. SEALSHARE_FAULTS_LONG=1: 20 cycles.
 */
import { expect } from "chai";
import { runThresholdFaults } from "../../scripts/lib/faults-threshold.js";

const LONG = process.env.SEALSHARE_FAULTS_LONG === "1";

describe("fault: threshold custody, 2-of-3 (real processes; a lying custodian; one custodian SIGKILLed per cycle)", function () {
  this.timeout(LONG ? 1_800_000 : 300_000);

  it(`${LONG ? 20 : 3} kill cycles: every valid grant rebuilt from 2 honest shares, the liar named, nothing unauthorized, lost or duplicated; the shred confirmed by all, audit verify clean`, async function () {
    const lines: string[] = [];
    const r = await runThresholdFaults({ cycles: LONG ? 20 : 3, grants: LONG ? 120 : 12, revokedShare: 0.25, log: (l) => lines.push(l) });
    expect(r.problems, lines.join("\n")).to.deep.equal([]);
    expect({ unauthorized: r.unauthorized, lost: r.lost, duplicated: r.duplicated }).to.deep.equal({ unauthorized: 0, lost: 0, duplicated: 0 });
    expect(r.kills).to.equal(LONG ? 20 : 3);
    expect(r.grants, "some grants were valid").to.be.greaterThan(0);
    expect(r.grants + r.revoked).to.equal(LONG ? 120 : 12);
    expect(r.revokedInWindow).to.be.at.most(r.revoked);
    expect(r.combined).to.equal(r.grants);
    expect(r.lies, "the proxy told lies").to.be.greaterThan(0);
    expect(r.liarNamed).to.be.greaterThan(0);
    // The shred at the end: confirmed by all three on chain, and audit verify (custody included) finds nothing.
    expect(r.shredConfirmed).to.equal(3);
    expect(r.auditViolations).to.equal(0);
  });
});
