/**
 * The command reference of docs/CLI.md, generated from commander's own help output so it can
 * never drift from `--help`: the root help in full, then each command's help without the
 * global options it repeats. scripts/cli-docs.ts writes it; test/cli/docs.test.ts checks it.
 */
import { buildProgram, commandPaths, helpOf } from "../program.js";

export const BEGIN = "<!-- BEGIN GENERATED REFERENCE: `npm run cli-docs` rewrites this section from `--help` -->";
export const END = "<!-- END GENERATED REFERENCE -->";

export function renderReference(): string {
  const program = buildProgram();
  const parts = ["### `sealshare`", "", "```text", helpOf(program, []).trimEnd(), "```", ""];
  for (const path of commandPaths(program)) {
    parts.push(`### \`sealshare ${path.join(" ")}\``, "", "```text", withoutGlobalOptions(helpOf(program, path)).trimEnd(), "```", "");
  }
  return parts.join("\n");
}

/** Drops the "Global Options:" block every command repeats (the root's help lists them once). */
function withoutGlobalOptions(help: string): string {
  const a = help.indexOf("\nGlobal Options:\n");
  if (a < 0) return help;
  const b = help.indexOf("\n\n", a + 1);
  return help.slice(0, a) + (b < 0 ? "\n" : help.slice(b + 1));
}

/** The generated section of a document (between the markers), or undefined if it has none. */
export function extractReference(doc: string): string | undefined {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) return undefined;
  return doc.slice(a + BEGIN.length, b).replace(/^\n+/, "").replace(/\n+$/, "\n");
}

export function replaceReference(doc: string, reference: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  const block = `${BEGIN}\n\n${reference.replace(/\n+$/, "\n")}\n${END}`;
  if (a < 0 || b < a) return `${doc.replace(/\n+$/, "\n")}\n${block}\n`;
  return doc.slice(0, a) + block + doc.slice(b + END.length);
}
