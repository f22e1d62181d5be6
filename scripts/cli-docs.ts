/**
 * Regenerates the command reference in docs/CLI.md from the CLI's `--help` output.
 *
 *   npm run cli-docs            # rewrite the section
 *   npm run cli-docs -- --check # exit 1 if docs/CLI.md is out of date
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { extractReference, renderReference, replaceReference } from "../cli/lib/reference.js";

const path = fileURLToPath(new URL("../docs/CLI.md", import.meta.url));
const doc = await readFile(path, "utf8").catch(() => "# The `sealshare` CLI\n");
const reference = renderReference();
if (process.argv.includes("--check")) {
  const ok = extractReference(doc) === reference.replace(/\n+$/, "\n");
  process.stdout.write(ok ? "docs/CLI.md reference is up to date\n" : "docs/CLI.md reference is out of date: run `npm run cli-docs`\n");
  process.exit(ok ? 0 : 1);
}
await writeFile(path, replaceReference(doc, reference));
process.stdout.write(`wrote the command reference to ${path}\n`);
