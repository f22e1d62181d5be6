/**
 * Branch coverage of the contracts, from the data `hardhat test --coverage` leaves behind.
 *
 * Why this exists: Hardhat 3's coverage (EDR) measures statements and lines only; its lcov
 * writer says "TODO: currently EDR does not provide branch coverage information". But EDR counts
 * how often each statement ran (coverage/data/<runner>/*.json: statement tag -> count), and an
 * `if` is a statement whose branches are statements too. So for every `if` in the sources:
 *  - the true branch ran   iff its body ran:                        count(body) > 0
 *  - the false branch ran  iff its `else` ran, or (no `else`) the if
 *                          was reached more often than its body ran: count(if) > count(body)
 * (a condition that itself reverts would count as "false"; none of ours can revert).
 * Statements are found by re-running EDR's own instrumentation on each file (same tags as the
 * coverage build); `if` statements and their bodies come from solc's parse-only AST.
 *
 * Branches inside expressions (`a ? b : c`, the right operand of `&&` / `||`) are not
 * statements, so no statement counter can see them: they are listed with --expressions, as the
 * points a reviewer checks by hand (docs/ARCHITECTURE.md, "Test coverage").
 *
 * It also totals Hardhat's own line coverage (coverage/lcov.info), so one threshold checks both.
 *
 * Usage: tsx tools/branch-coverage.ts [--data coverage/data/mocha] [--lcov coverage/lcov.info]
 *                                      [--min 95] [--expressions] [--exclude contracts/test/ ...]
 * Exits 1 when line or branch coverage is below --min.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { addStatementCoverageInstrumentation, latestSupportedSolidityVersion } from "@nomicfoundation/edr";
import solc from "solc";

interface AstNode {
  nodeType?: string;
  src?: string;
  operator?: string;
  trueBody?: AstNode;
  falseBody?: AstNode | null;
  [key: string]: unknown;
}

interface Statement {
  tag: string;
  start: number; // UTF-16 offsets, as EDR reports them
  end: number;
}

interface Branch {
  file: string;
  line: number;
  text: string;
  side: "true" | "false";
  hits: number;
}

const args = process.argv.slice(2);
function option(name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}
const dataDir = option("--data", "coverage/data/mocha");
const lcovPath = option("--lcov", "coverage/lcov.info");
const min = Number(option("--min", "0"));
const showExpressions = args.includes("--expressions");
const excludes = ["contracts/test/"];
args.forEach((a, i) => {
  if (a === "--exclude" && args[i + 1]) excludes.push(args[i + 1]!);
});

/** Statement tag -> execution count, summed over every data file of the run. */
function loadCounts(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  if (files.length === 0) throw new Error(`no coverage data in ${dir}: run \`hardhat test mocha --coverage\` first`);
  for (const f of files) {
    const entries = JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, number>;
    for (const [tag, n] of Object.entries(entries)) counts.set(tag, (counts.get(tag) ?? 0) + n);
  }
  return counts;
}

function solidityFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return solidityFiles(path);
    return name.endsWith(".sol") && !name.endsWith(".t.sol") ? [path] : [];
  });
}

/** The version Hardhat instruments with: the compiler's, capped at the newest EDR supports. */
function instrumentationVersion(): string {
  const compiler = solc.version().split("+")[0]!;
  const latest = latestSupportedSolidityVersion();
  const parts = (v: string) => v.split(".").map(Number);
  const [a, b] = [parts(compiler), parts(latest)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? compiler : latest;
  return compiler;
}

function parse(file: string, content: string): AstNode {
  const input = {
    language: "Solidity",
    sources: { [file]: { content } },
    settings: { stopAfter: "parsing", outputSelection: { "*": { "": ["ast"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    sources?: Record<string, { ast: AstNode }>;
    errors?: { severity: string; formattedMessage: string }[];
  };
  const fatal = output.errors?.filter((e) => e.severity === "error") ?? [];
  if (fatal.length > 0 || !output.sources?.[file]) throw new Error(`cannot parse ${file}: ${fatal.map((e) => e.formattedMessage).join("\n")}`);
  return output.sources[file]!.ast;
}

function walk(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (!node || typeof node !== "object") return;
  const n = node as AstNode;
  if (typeof n.nodeType === "string") visit(n);
  for (const value of Object.values(n)) walk(value, visit);
}

function analyse(file: string, counts: Map<string, number>, version: string) {
  const content = readFileSync(file, "utf8");
  const bytes = Buffer.from(content, "utf8");
  /** solc's src is in bytes; EDR's ranges are in UTF-16 code units. */
  const utf16 = (byteOffset: number) => bytes.subarray(0, byteOffset).toString("utf8").length;
  const range = (n: AstNode) => {
    const [start, length] = n.src!.split(":").map(Number) as [number, number];
    return { start: utf16(start), end: utf16(start + length) };
  };
  const lineOf = (offset: number) => content.slice(0, offset).split("\n").length;
  const snippet = (n: AstNode) => {
    const r = range(n);
    return content.slice(r.start, r.end).replace(/\s+/g, " ").slice(0, 90);
  };

  // Hardhat names project sources "project/<path>" when it instruments them; the tags depend on it.
  const { metadata } = addStatementCoverageInstrumentation(content, `project/${file}`, version);
  const statements: Statement[] = metadata
    .filter((m) => m.kind === "statement")
    .map((m) => ({ tag: Buffer.from(m.tag).toString("hex"), start: m.startUtf16, end: m.endUtf16 }));
  /** The smallest instrumented statement that contains the node: the node's own counter. */
  const counterOf = (n: AstNode): number => {
    const r = range(n);
    let best: Statement | undefined;
    for (const s of statements) {
      if (s.start <= r.start && s.end >= r.end && (!best || s.end - s.start < best.end - best.start)) best = s;
    }
    if (!best) throw new Error(`${file}:${lineOf(r.start)}: no statement counter for "${snippet(n)}"`);
    return counts.get(best.tag) ?? 0;
  };

  const branches: Branch[] = [];
  const expressions: string[] = [];
  walk(parse(file, content), (n) => {
    if (n.nodeType === "IfStatement") {
      const at = { file, line: lineOf(range(n).start), text: snippet(n) };
      const reached = counterOf(n);
      const taken = counterOf(n.trueBody!);
      const notTaken = n.falseBody ? counterOf(n.falseBody) : reached - taken;
      branches.push({ ...at, side: "true", hits: taken }, { ...at, side: "false", hits: notTaken });
    } else if (n.nodeType === "Conditional" || (n.nodeType === "BinaryOperation" && (n.operator === "&&" || n.operator === "||"))) {
      expressions.push(`${file}:${lineOf(range(n).start)}  ${n.operator ?? "?:"}  ${snippet(n)}`);
    }
  });
  return { branches, expressions };
}

const counts = loadCounts(dataDir);
const version = instrumentationVersion();
const files = solidityFiles("contracts")
  .map((f) => relative(process.cwd(), f))
  .filter((f) => !excludes.some((e) => f.startsWith(e)))
  .sort();

const rows: [string, number, number][] = [];
const missed: Branch[] = [];
const expressionPoints: string[] = [];
for (const file of files) {
  const { branches, expressions } = analyse(file, counts, version);
  expressionPoints.push(...expressions);
  if (branches.length === 0) continue;
  const hit = branches.filter((b) => b.hits > 0).length;
  rows.push([file, hit, branches.length]);
  missed.push(...branches.filter((b) => b.hits === 0));
}
const hit = rows.reduce((s, r) => s + r[1], 0);
const found = rows.reduce((s, r) => s + r[2], 0);
const pct = (h: number, f: number) => (f === 0 ? "100.00" : ((100 * h) / f).toFixed(2));

const width = Math.max(...rows.map((r) => r[0].length), "Total".length);
console.log(`\nBranch coverage of if/else (both ways of every \`if\`), from ${dataDir}`);
console.log(`  ${"File".padEnd(width)}  Branch %  Hit / Found`);
for (const [file, h, f] of rows) console.log(`  ${file.padEnd(width)}  ${pct(h, f).padStart(8)}  ${String(h).padStart(3)} / ${f}`);
console.log(`  ${"Total".padEnd(width)}  ${pct(hit, found).padStart(8)}  ${String(hit).padStart(3)} / ${found}`);
if (missed.length > 0) {
  console.log("\n  Branches never taken:");
  for (const b of missed) console.log(`    ${b.file}:${b.line} (${b.side})  ${b.text}`);
}
console.log(`\n  ${expressionPoints.length} branch points inside expressions (?:, &&, ||) are not measurable from statement counts${showExpressions ? ":" : " (--expressions lists them)."}`);
if (showExpressions) for (const e of expressionPoints) console.log(`    ${e}`);

/** Hardhat's line totals over the same files (lcov LH/LF per source file). */
let linesHit = 0;
let linesFound = 0;
let current = "";
for (const line of readFileSync(lcovPath, "utf8").split("\n")) {
  if (line.startsWith("SF:")) current = line.slice(3);
  const included = current.startsWith("contracts/") && !excludes.some((e) => current.startsWith(e));
  if (included && line.startsWith("LH:")) linesHit += Number(line.slice(3));
  if (included && line.startsWith("LF:")) linesFound += Number(line.slice(3));
}
console.log(`  Summary: contracts/ excluding ${excludes.join(", ")}`);
console.log(`    lines     ${pct(linesHit, linesFound).padStart(6)}%  ${linesHit} / ${linesFound}  (Hardhat's ${lcovPath})`);
console.log(`    branches  ${pct(hit, found).padStart(6)}%  ${hit} / ${found}  (every if/else, both ways)\n`);
const failures = [
  ["line", pct(linesHit, linesFound)],
  ["branch", pct(hit, found)],
].filter(([, p]) => Number(p) < min);
for (const [what, p] of failures) console.error(`${what} coverage ${p}% is below the required ${min}%`);
if (failures.length > 0) process.exit(1);
