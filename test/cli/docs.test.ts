/**
 * docs/CLI.md's command reference is commander's own `--help` output: regenerating it must not
 * change a byte, and every command of the CLI must have its section.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { buildProgram, commandPaths } from "../../cli/program.js";
import { extractReference, renderReference } from "../../cli/lib/reference.js";
import { ROOT } from "./helpers.js";

describe("docs/CLI.md", () => {
  it("its command reference matches the current --help of every command (run `npm run cli-docs` to update)", async () => {
    const doc = await readFile(join(ROOT, "docs", "CLI.md"), "utf8");
    const section = extractReference(doc);
    expect(section, "docs/CLI.md has no generated reference section").to.be.a("string");
    expect(section).to.equal(renderReference().replace(/\n+$/, "\n"));
  });

  it("documents every command, and every command has a description", async () => {
    const doc = await readFile(join(ROOT, "docs", "CLI.md"), "utf8");
    const program = buildProgram();
    for (const path of commandPaths(program)) {
      expect(doc, `no section for sealshare ${path.join(" ")}`).to.include(`### \`sealshare ${path.join(" ")}\``);
    }
    const walk = (c: ReturnType<typeof buildProgram>): void =>
      c.commands.forEach((sub) => {
        expect(sub.description(), `sealshare … ${sub.name()} has no description`).to.not.equal("");
        walk(sub);
      });
    walk(program);
  });
});
