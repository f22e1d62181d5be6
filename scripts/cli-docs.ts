/**
 * Regenerates the command reference in docs/CLI.md from the CLI's `--help` output, and
 * docs/CODES.md (every code name, label and meaning) from sdk/vocabulary.ts.
 *
 *   npm run cli-docs            # rewrite both
 *   npm run cli-docs -- --check # exit 1 if either is out of date
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { extractReference, renderReference, replaceReference } from "../cli/lib/reference.js";
import { renderCodeList } from "../sdk/vocabulary.js";

const path = fileURLToPath(new URL("../docs/CLI.md", import.meta.url));
const codesPath = fileURLToPath(new URL("../docs/CODES.md", import.meta.url));
const doc = await readFile(path, "utf8").catch(() => "# The `sealshare` CLI\n");
const codes = await readFile(codesPath, "utf8").catch(() => "");
const reference = renderReference();
if (process.argv.includes("--check")) {
  const ok = extractReference(doc) === reference.replace(/\n+$/, "\n");
  const codesOk = codes === renderCodeList();
  process.stdout.write(ok ? "docs/CLI.md reference is up to date\n" : "docs/CLI.md reference is out of date: run `npm run cli-docs`\n");
  process.stdout.write(codesOk ? "docs/CODES.md is up to date\n" : "docs/CODES.md is out of date: run `npm run cli-docs`\n");
  process.exit(ok && codesOk ? 0 : 1);
}
await writeFile(path, replaceReference(doc, reference));
await writeFile(codesPath, renderCodeList());
process.stdout.write(`wrote the command reference to ${path} and the code list to ${codesPath}\n`);
