/**
 * RPC outages against real processes (a `hardhat node`, the custodian as its own process, a TCP
 * proxy between them that drops or stalls every connection): the service says it is not ready
 * while cut off, stops serving envelopes once its view of the chain is older than its bound (a
 * grant revoked meanwhile is never served), recovers by itself, and releases every
 * grant issued during the outage — nothing lost, nothing duplicated, nothing to the wrong party.
 * scripts/lib/faults-outage.ts has the cycle; two cycles (one drop, one stall) by default,
 * SEALSHARE_FAULTS_LONG=1 for twenty (`npm run faults` runs the long form with the crash and
 * reorg loops). On Anvil (SEALSHARE_TEST_NODES; both by default) each outage also hides a real
 * reorg of the blocks the custodian saw last: it must find the fork when it comes back.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { runOutageCycles, startOutageRig, type OutageRig } from "../../scripts/lib/faults-outage.js";
import { testNodes } from "../../devkit/local-chain.js";

const LONG = process.env.SEALSHARE_FAULTS_LONG === "1";

for (const node of testNodes()) describe(`fault: RPC outage (real processes, ${node}${node === "anvil" ? ", a real reorg during each outage" : ""})`, function () {
  this.timeout(LONG ? 900_000 : 90_000);
  let rig: OutageRig;

  before(async function () {
    rig = await startOutageRig({ node });
  });

  after(async function () {
    await rig?.stop();
  });

  it(`survives ${LONG ? 20 : 2} outages (drop and stall): not ready during, recovers alone, misses nothing`, async function () {
    const lines: string[] = [];
    const t = await runOutageCycles(rig, { cycles: LONG ? 20 : 2, grantsPerOutage: 2, holdMs: 1000, say: (l) => lines.push(l) });
    expect(t.problems, lines.join("\n")).to.deep.equal([]);
    expect(t.outages).to.equal(LONG ? 20 : 2);
    expect(t.reorgs).to.equal(node === "anvil" ? t.outages : 0);
    expect(t.grants).to.equal(t.outages * 2);
    expect(t.released).to.equal(t.grants);
    expect({ unauthorized: t.unauthorized, lost: t.lost, duplicated: t.duplicated }).to.deep.equal({ unauthorized: 0, lost: 0, duplicated: 0 });
    // Fail closed: a grant revoked on chain while the custodian was cut off was refused as stale
    // (503 chain-view-stale) once its chain view passed the bound, in every outage.
    expect(t.staleRefused).to.equal(t.outages);
    // The link really was cut and re-established: the process reconnected after each outage.
    expect(rig.proxy.accepted).to.be.greaterThan(t.outages);
    // It logged the outage as such (retryable RPC failures), never a secret.
    const log = readFileSync(rig.logPath, "utf8");
    expect(log).to.match(/RPC|rpc/);
    expect(log).to.not.contain(Buffer.from(rig.world.secrets.masterKey).toString("hex"));
  });
});
