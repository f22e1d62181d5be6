/**
 * `npm run bench`: runs the benchmark groups, prints one table and writes the results as JSON.
 *
 *   npm run bench                   quick profile (< 3 minutes on 2 cores)
 *   npm run bench -- --full         release checks: 1 GiB streams, 20,000-grant backlog, …
 *   npm run bench -- --smoke        the smallest run producing every entry (the mocha test uses it)
 *   npm run bench -- --only=gas,crypto --out=/tmp/bench.json
 *
 * Groups: gas (bench/gas.ts), crypto (bench/crypto.ts), streams (bench/streams.ts), custodian and
 * api (bench/custodian.ts, bench/api.ts), threshold (bench/threshold.ts: 2-of-3 custody). Each figure is a median of repetitions next to a
 * baseline measured in the same run (bench/lib/harness.ts; docs/PERFORMANCE.md says what each
 * figure means and what limits it). Missed targets do not fail the run; a group that crashes
 * does (exit code 1), with its error in the JSON's `errors`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { runCustodian } from "./custodian.js";
import { runCrypto } from "./crypto.js";
import { runGas } from "./gas.js";
import { runStreams } from "./streams.js";
import { runThreshold } from "./threshold.js";
import { HEADLINE } from "./lib/headline.js";
import { DEFAULT_OUT } from "./lib/paths.js";
import { formatTable, machineInfo, type Entry, type GroupError, type Results } from "./lib/harness.js";
import { PROFILES, type Profile, type ProfileName } from "./lib/profiles.js";

type GroupName = "gas" | "crypto" | "streams" | "custodian" | "threshold";
const GROUPS: Record<GroupName, (p: Profile, say: (line: string) => void) => Promise<Entry[]>> = {
  gas: runGas,
  crypto: runCrypto,
  streams: runStreams,
  custodian: runCustodian,
  threshold: runThreshold,
};

interface Args {
  profile: ProfileName;
  only: GroupName[];
  out: string;
}

function parseArgs(argv: string[]): Args {
  let profile: ProfileName = "quick";
  let only = Object.keys(GROUPS) as GroupName[];
  let out = DEFAULT_OUT;
  for (const a of argv) {
    if (a === "--full" || a === "--quick" || a === "--smoke") profile = a.slice(2) as ProfileName;
    else if (a.startsWith("--profile=")) profile = a.slice(10) as ProfileName;
    else if (a.startsWith("--only=")) only = a.slice(7).split(",").filter(Boolean) as GroupName[];
    else if (a.startsWith("--out=")) out = resolve(a.slice(6));
    else if (a === "--help" || a === "-h") {
      console.log("usage: tsx bench/run.ts [--smoke|--quick|--full] [--only=gas,crypto,streams,custodian,threshold] [--out=path.json]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!(profile in PROFILES)) throw new Error(`unknown profile ${profile} (smoke, quick, full)`);
  for (const g of only) if (!(g in GROUPS)) throw new Error(`unknown group ${g} (${Object.keys(GROUPS).join(", ")})`);
  return { profile, only, out };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const profile = PROFILES[args.profile];
  const started = Date.now();
  const say = (line: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
  const results: Results = {
    machine: machineInfo(),
    profile: profile.name,
    startedAt: new Date(started).toISOString(),
    finishedAt: "",
    seconds: 0,
    entries: [],
    errors: [],
  };
  say(`profile ${profile.name}; groups ${args.only.join(", ")}; ${results.machine.cores} × ${results.machine.cpu}, load ${results.machine.loadavg1}`);
  for (const name of args.only) {
    say(`── ${name}`);
    try {
      results.entries.push(...(await GROUPS[name](profile, say)));
    } catch (err) {
      const e: GroupError = { group: name, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      results.errors.push(e);
      say(`group ${name} failed: ${e.message.slice(0, 2000)}`);
    }
  }
  results.finishedAt = new Date().toISOString();
  results.seconds = Math.round((Date.now() - started) / 100) / 10;
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, JSON.stringify(results, null, 2) + "\n");

  console.log(`\nSealshare benchmarks — profile ${profile.name}, ${results.seconds} s, ${results.machine.cores} × ${results.machine.cpu}, Node ${results.machine.node}, load ${results.machine.loadavg1}`);
  console.log("ratio = value / baseline (same run); spread = (max − min) / median of the repetitions\n");
  console.log(formatTable(results.entries));
  const missing = HEADLINE.filter((name) => !results.entries.some((e) => e.name === name));
  if (missing.length > 0 && args.only.length === Object.keys(GROUPS).length) console.log(`\nmissing headline entries: ${missing.join(", ")}`);
  const withTarget = results.entries.filter((e) => e.target);
  const missed = withTarget.filter((e) => !e.meets);
  console.log(`\ntargets met: ${withTarget.length - missed.length}/${withTarget.length}${missed.length ? ` (missed: ${missed.map((e) => e.name).join(", ")})` : ""}`);
  for (const e of results.errors) console.log(`group ${e.group} FAILED: ${e.message.split("\n")[0]!.slice(0, 300)}`);
  console.log(`results: ${args.out}`);
  process.exitCode = results.errors.length > 0 ? 1 : 0;
}

await main();
// Hardhat's in-process network, child processes and sockets are all closed by the groups, but a
// stray handle in a dependency must not keep `npm run bench` from returning.
setTimeout(() => process.exit(), 500).unref();
