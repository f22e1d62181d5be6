/**
 * Runs every test suite and ends with one line `N passed, N failed, N skipped`.
 *
 * Steps: compile (contracts + TypeChain types), type-check, Solidity lint, Solidity tests (fuzz and
 * invariants), then the mocha suites (contracts, SDK, service, end to end). Each step's own
 * output streams through so progress is visible; counts are read from each runner's summary.
 * Exits non-zero if anything failed or if no test ran at all.
 */
import { spawn } from "node:child_process";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
let stepFailures = 0;

function run(title: string, cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  process.stdout.write(`\n=== ${title}: ${cmd} ${args.join(" ")}\n`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      process.stdout.write(d);
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
      process.stderr.write(d);
    });
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Mocha's spec reporter: "N passing", "N failing", "N pending". */
function mochaCounts(out: string): Counts {
  const n = (re: RegExp) => [...out.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
  // Hardhat prints mocha's summary once per run plus an aggregate line "N passing (N mocha)";
  // count only mocha's own lines (indented, followed by a duration).
  return {
    passed: n(/^[ \t]+(\d+) passing \(\d+(?:\.\d+)?(?:ms|s|m)\)/gm),
    failed: n(/^[ \t]+(\d+) failing[ \t]*$/gm),
    skipped: n(/^[ \t]+(\d+) pending[ \t]*$/gm),
  };
}

/**
 * Hardhat's Solidity test runner ends with one count per line, indented, with no duration:
 *   "  16 passing" / "  2 failing" / "  1 skipped" (the last two only when non-zero),
 * possibly wrapped in colour codes, and then prints each failure's details. Only whole summary
 * lines count, so a revert reason or counterexample printed after the summary that happens to
 * contain "3 failing" cannot be mistaken for it.
 */
function solidityCounts(out: string): Counts {
  const ansi = "(?:\\x1b\\[[0-9;]*m)*";
  const pick = (word: string) => {
    const line = new RegExp(`^[ \\t]*${ansi}(\\d+) ${word}${ansi}[ \\t]*$`, "gm");
    const m = [...out.matchAll(line)].pop();
    return m ? Number(m[1]) : 0;
  };
  return { passed: pick("passing"), failed: pick("failing"), skipped: pick("skipped") };
}

function add(c: Counts) {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}

const hh = "hardhat";
const compile = await run("compile", hh, ["compile"]);
if (compile.code !== 0) {
  console.log("\ncompilation failed\n0 passed, 1 failed");
  process.exit(1);
}

// Whole-project checks count as one test each: the type-check and the Solidity linter.
for (const [title, cmd, args] of [
  ["type-check", "tsc", ["--noEmit", "-p", "tsconfig.json"]],
  ["solidity lint", "solhint", ["--max-warnings", "0", "--disc", "--noPoster", "contracts/**/*.sol"]],
] as const) {
  const step = await run(title, cmd, [...args]);
  if (step.code !== 0) {
    stepFailures++;
    total.failed++;
  } else total.passed++;
}

const sol = await run("solidity tests", hh, ["test", "solidity"]);
const solCounts = solidityCounts(sol.out);
add(solCounts);
if (sol.code !== 0 && solCounts.failed === 0) stepFailures++, total.failed++;

// The dapp's browser tests (test/dapp) drive Debian's Chromium; install it once if missing.
const chromium = await run("browser for the dapp tests", "bash", ["scripts/ensure-chromium.sh"]);
if (chromium.code !== 0) stepFailures++, total.failed++;

const mocha = await run("mocha tests", hh, ["test", "mocha"]);
const mochaC = mochaCounts(mocha.out);
add(mochaC);
if (mocha.code !== 0 && mochaC.failed === 0) stepFailures++, total.failed++;

console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || stepFailures > 0 || total.passed === 0 ? 1 : 0);
