/**
 * Which top-level folders may import which (CONTRIBUTING.md, "Import rules"):
 *
 *   shipped code (sdk/, service/, cli/)  imports none of scripts/, test/, bench/, tools/;
 *   devkit/ (which `sealshare dev` ships) imports none of them either;
 *   scripts/, bench/, tools/             import nothing from test/ (shared helpers live in devkit/);
 *   test/                                imports nothing from tools/, and from scripts/ only the
 *                                        script a test is about (SCRIPTS_UNDER_TEST).
 *
 * Every static `import … from`, `export … from` and `import("…")` with a relative specifier in a
 * .ts file is resolved against its file and classified by the top-level folder it lands in.
 */
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Scripts that tests import because the test is about that script. */
const SCRIPTS_UNDER_TEST = new Set([
  "scripts/openapi.ts", // test/service/openapi.test.ts: the committed OpenAPI file is current
  "scripts/rotate-master-key.ts", // test/service/store-secrets.test.ts
  "scripts/lib/faults-core.ts", // test/service/reorg.test.ts runs the fault drill
  "scripts/lib/faults-outage.ts", // test/service/faults-outage.test.ts
  "scripts/lib/faults-threshold.ts", // test/service/faults-threshold.test.ts
  "scripts/lib/story.ts", // test/e2e/share.test.ts plays the demo's story
]);

/**
 * Imports that break a rule today and are owned elsewhere; each names why it is still here.
 * None: tools/gas-breakdown.ts builds the contract tests' world from devkit/contract-world.ts.
 */
const KNOWN_EXCEPTIONS = new Set<string>();

const FORBIDDEN: Record<string, readonly string[]> = {
  sdk: ["scripts", "test", "bench", "tools"],
  service: ["scripts", "test", "bench", "tools"],
  cli: ["scripts", "test", "bench", "tools"],
  devkit: ["scripts", "test", "bench", "tools"],
  scripts: ["test"],
  bench: ["test"],
  tools: ["test"],
  test: ["tools"],
};

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "dist") out.push(...tsFiles(path));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** The relative specifiers `source` imports or re-exports. */
export function relativeImports(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)) specs.push(m[1]!);
  return specs;
}

/** Repository path (posix) that `spec`, imported from `file`, points to; .js is the .ts source. */
function target(file: string, spec: string): string {
  return relative(ROOT, resolve(ROOT, dirname(file), spec)).split(sep).join("/").replace(/\.js$/, ".ts");
}

/** Every import that breaks a rule, as "from -> to". */
function violations(): string[] {
  const found: string[] = [];
  for (const [folder, banned] of Object.entries(FORBIDDEN)) {
    for (const file of tsFiles(folder)) {
      const from = file.split(sep).join("/");
      for (const spec of relativeImports(readFileSync(join(ROOT, file), "utf8"))) {
        const to = target(file, spec);
        const top = to.split("/")[0]!;
        if (!banned.includes(top) && !(folder === "test" && top === "scripts" && !SCRIPTS_UNDER_TEST.has(to))) continue;
        const edge = `${from} -> ${to}`;
        if (!KNOWN_EXCEPTIONS.has(edge)) found.push(edge);
      }
    }
  }
  return found;
}

describe("import rules between the top-level folders", () => {
  it("finds static, re-exported and dynamic relative imports", () => {
    const source = [
      'import { a } from "../scripts/x.js";',
      'export * from "./y.js";',
      'const m = await import("../../test/z.js");',
      'import "./side-effect.js";',
      'import { b } from "ethers";',
    ].join("\n");
    expect(relativeImports(source)).to.deep.equal(["../scripts/x.js", "./y.js", "../../test/z.js", "./side-effect.js"]);
  });

  it("holds in every folder: shipped code and devkit import no scripts, tests, bench or tools; nothing imports tests; tests import only the scripts they test", () => {
    expect(violations()).to.deep.equal([]);
  });

  it("lets the shipped CLI reach the local chain and the custodian processes through devkit/", () => {
    const dev = readFileSync(join(ROOT, "cli", "dev.ts"), "utf8");
    // The custodians run as a set (devkit/custodian-set.ts), each through devkit/custodian-process.ts.
    expect(relativeImports(dev).map((s) => target("cli/dev.ts", s))).to.include.members(["devkit/local-chain.ts", "devkit/custodian-set.ts"]);
    const set = readFileSync(join(ROOT, "devkit", "custodian-set.ts"), "utf8");
    expect(relativeImports(set).map((s) => target("devkit/custodian-set.ts", s))).to.include("devkit/custodian-process.ts");
  });
});
