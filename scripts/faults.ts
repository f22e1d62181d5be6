/**
 * `npm run faults`: the long form of the custodian's fault tests, against real processes on this
 * machine, then ONE summary line.
 *
 *  - crash and reorg loops (scripts/lib/faults-core.ts): SIGKILL and restart the custodian while
 *    grants pour in, reorganize the chain under it, then check that every valid grant has exactly
 *    one envelope and one receipt and nothing else was released, and `audit verify` with the
 *    custodian's proofs finds zero violations (a violation is a problem: exit 1);
 *  - RPC outage loop (scripts/lib/faults-outage.ts): drop and stall the custodian's link to the
 *    chain through a TCP proxy; not ready during, recovers alone, every grant of the outage
 *    released after, nothing to the wrong party;
 *  - threshold custody loop (scripts/lib/faults-threshold.ts): three custodian processes of a
 *    2-of-3 set, one behind a proxy that answers wrong shares, one of the three SIGKILLed at
 *    random each cycle while grants pour in; every valid grant ends with ≥ 2 combinable shares
 *    (rebuilt by the SDK's fetch, never with the liar's share) and the liar is named.
 *
 *   npm run faults                              # long: 200 cycles, 50 reorgs, 20 outages, 30 threshold cycles
 *   npm run faults -- --quick                   # smoke: 5 cycles, 2 reorgs, 2 outages, 3 threshold cycles
 *   npm run faults -- --threshold-cycles 10 --threshold-grants 60  # the threshold loop's size (0: skip it)
 *   npm run faults -- --cycles 10 --grants 100 --reorgs 3 --outages 4 --receipts single --db postgres://…
 *   npm run faults -- --node anvil --quick      # on Anvil: real reorgs (anvil_reorg / anvil_rollback)
 *                                               # in the crash cycles and during the outages
 *
 * Ends with exactly one line on stdout and exits 1 if anything was unauthorized, lost or
 * duplicated (or a loop reported a problem):
 *   faults: node=hardhat cycles=200 reorgs=50 outages=20 grants=N released=N unauthorized=0 lost=0 duplicated=0 threshold=2/3
 * (`grants` counts the valid grants of the final chain plus the grants issued during outages and
 * the threshold loop's valid grants, `released` those released, or for threshold custody rebuilt
 * from ≥ t shares; `threshold=t/n` is the set the threshold loop ran, `threshold=off` when skipped.
 * The threshold loop runs on Hardhat whatever `--node` says.)
 */
import { runFaults, type FaultOptions } from "./lib/faults-core.js";
import { parseNodeKind } from "../devkit/local-chain.js";
import { runOutageCycles, startOutageRig } from "./lib/faults-outage.js";
import { runThresholdFaults } from "./lib/faults-threshold.js";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const num = (name: string, fallback: number) => {
  const v = Number(arg(name) ?? fallback);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a non-negative integer`);
  return v;
};
const quick = args.includes("--quick");
const node = parseNodeKind(arg("node") ?? process.env.SEALSHARE_NODE);
const say = (line: string) => process.stderr.write(`${line}\n`);

const cycles = num("cycles", quick ? 5 : 200);
const core: FaultOptions = {
  node,
  cycles,
  grants: num("grants", quick ? 50 : cycles * 10),
  reorgs: num("reorgs", quick ? 2 : 50),
  confirmations: num("confirmations", 3),
  receipts: (arg("receipts") as "batch" | "single" | undefined) ?? "batch",
  db: arg("db"),
  settleTimeoutMs: quick ? 120_000 : 600_000,
  log: say,
};
const outages = num("outages", quick ? 2 : 20);
const thresholdCycles = num("threshold-cycles", quick ? 3 : 30);
const thresholdGrants = num("threshold-grants", quick ? 12 : thresholdCycles * 6);
let threshold = "off";

const total = { cycles: 0, reorgs: 0, outages: 0, grants: 0, released: 0, unauthorized: 0, lost: 0, duplicated: 0 };
const problems: string[] = [];

if ((core.cycles ?? 0) > 0 || (core.reorgs ?? 0) > 0) {
  say(`crash and reorg loops on ${node}: ${core.cycles} cycles, ${core.grants} grants, ${core.reorgs} ${node === "anvil" ? "real" : "simulated"} reorgs`);
  const r = await runFaults(core);
  Object.assign(total, { cycles: r.cycles, reorgs: r.reorgs, grants: r.valid, released: r.released, unauthorized: r.unauthorized, lost: r.lost, duplicated: r.duplicated });
  problems.push(...r.problems);
  say(
    `  (${r.kills} kills, ${r.orphaned} grants on orphaned branches, ${r.revoked} revoked, ${r.batches} batches, ` +
      `${r.auditViolations} audit violations, ${Math.round(r.durationMs / 1000)} s)`,
  );
}

if (outages > 0) {
  say(`RPC outage loop on ${node}: ${outages} outages (drop and stall alternate${node === "anvil" ? "; a real reorg of what the custodian saw, while it is cut off" : ""})`);
  const rig = await startOutageRig({ node });
  try {
    const o = await runOutageCycles(rig, { cycles: outages, grantsPerOutage: 2, say: (l) => say(`  ${l}`) });
    total.outages += o.outages;
    total.reorgs += o.reorgs;
    total.grants += o.grants;
    total.released += o.released;
    total.unauthorized += o.unauthorized;
    total.lost += o.lost;
    total.duplicated += o.duplicated;
    problems.push(...o.problems);
  } finally {
    await rig.stop();
  }
}

if (thresholdCycles > 0) {
  say(`threshold custody loop: a 2-of-3 set, ${thresholdCycles} cycles (one custodian of three SIGKILLed each), ${thresholdGrants} grants, one custodian lying through a proxy`);
  const t = await runThresholdFaults({ cycles: thresholdCycles, grants: thresholdGrants, settleTimeoutMs: quick ? 120_000 : 600_000, log: say });
  threshold = `${t.threshold}/${t.n}`;
  total.grants += t.grants;
  total.released += t.combined;
  total.unauthorized += t.unauthorized;
  total.lost += t.lost;
  total.duplicated += t.duplicated;
  problems.push(...t.problems);
  say(`  (${t.kills} kills, ${t.revoked} revoked (${t.revokedInWindow} inside the confirmation window), ${t.lies} wrong shares served by the proxy, liar ${t.liar} named ${t.liarNamed} time(s), shred confirmed by ${t.shredConfirmed}/3, ${t.auditViolations} audit violations, ${Math.round(t.durationMs / 1000)} s)`);
}

for (const p of problems.slice(0, 50)) say(`  problem: ${p}`);
process.stdout.write(
  `faults: node=${node} cycles=${total.cycles} reorgs=${total.reorgs} outages=${total.outages} grants=${total.grants} released=${total.released} ` +
    `unauthorized=${total.unauthorized} lost=${total.lost} duplicated=${total.duplicated} threshold=${threshold}\n`,
);
process.exit(total.unauthorized + total.lost + total.duplicated === 0 && problems.length === 0 ? 0 : 1);
