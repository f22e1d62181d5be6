/**
 * Prints a results file as a Markdown table, or writes it into documents:
 *
 *   tsx bench/report.ts [results.json] [--headline]
 *   tsx bench/report.ts [results.json] --into=README.md --headline --into=docs/PERFORMANCE.md
 *
 * `--headline` keeps only the headline entries (bench/lib/headline.ts). `--into=<file>` replaces
 * what lies between the `<!-- LATEST-FIGURES:BEGIN -->` and `<!-- LATEST-FIGURES:END -->`
 * markers of that file (a `--headline` before it applies to it; files after a `--full` get every
 * entry). Defaults to bench/results/latest.json.
 */
import { readFile, writeFile } from "node:fs/promises";
import { formatMarkdown, type Results } from "./lib/harness.js";
import { HEADLINE } from "./lib/headline.js";
import { DEFAULT_OUT } from "./lib/paths.js";

const BEGIN = "<!-- LATEST-FIGURES:BEGIN -->";
const END = "<!-- LATEST-FIGURES:END -->";

const args = process.argv.slice(2);
const path = args.find((a) => !a.startsWith("--")) ?? DEFAULT_OUT;
const r = JSON.parse(await readFile(path, "utf8")) as Results;

function render(headlineOnly: boolean): string {
  const entries = headlineOnly ? HEADLINE.map((n) => r.entries.find((e) => e.name === n)).filter((e) => e !== undefined) : r.entries;
  const head = `Profile \`${r.profile}\`, ${r.startedAt.slice(0, 10)}, ${r.machine.cores} × ${r.machine.cpu}, Node ${r.machine.node}, 1-minute load average ${r.machine.loadavg1} at the start, ${r.seconds} s.`;
  const failed = r.errors.length > 0 ? `\n\nFailed groups: ${r.errors.map((e) => e.group).join(", ")}.` : "";
  return `${head}\n\n${formatMarkdown(entries)}${failed}`;
}

let headlineOnly = false;
let wrote = false;
for (const a of args) {
  if (a === "--headline") headlineOnly = true;
  else if (a === "--full") headlineOnly = false;
  else if (a.startsWith("--into=")) {
    const file = a.slice(7);
    const text = await readFile(file, "utf8");
    const i = text.indexOf(BEGIN);
    const j = text.indexOf(END);
    if (i < 0 || j < i) throw new Error(`${file} has no ${BEGIN} … ${END} markers`);
    await writeFile(file, `${text.slice(0, i + BEGIN.length)}\n${render(headlineOnly)}\n${text.slice(j)}`);
    console.log(`updated ${file}`);
    wrote = true;
  }
}
if (!wrote) console.log(render(headlineOnly));
