/**
 * The dapp builds as shipped: it type-checks under its own strict tsconfig, Vite bundles it
 * (the build fails if any SDK file on the browser path imports a Node module — see the guard in
 * dapp/vite.config.ts), and what a visitor downloads stays within a size budget.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildDapp, ROOT } from "./lib/world.js";

/**
 * Gzipped kB a first visit to one role's page downloads (shell + that page's chunks), at most.
 * The requester page is the heaviest (ECIES, the SDK's reads and writes; fetch-and-decrypt loads on the first fetch);
 * known trims are an ABI-only ledger connect and sharing eciesjs's copy of noble.
 */
const BUDGET_KB = 240;

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

describe("dapp build", function () {
  this.timeout(180_000);
  let outDir: string;

  before(async function () {
    outDir = await mkdtemp(join(tmpdir(), "sealshare-dapp-build-"));
  });

  after(async function () {
    await rm(outDir, { recursive: true, force: true });
  });

  it("type-checks under dapp/tsconfig.json (strict)", async function () {
    const { code, out } = await run(join(ROOT, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "dapp/tsconfig.json"]);
    expect(code, out).to.equal(0);
  });

  it("bundles with no Node module on the browser path, within the download budget", async function () {
    const warnings: string[] = [];
    await buildDapp(outDir, {
      logLevel: "warn",
      customLogger: {
        info: () => undefined,
        warn: (m: string) => warnings.push(m),
        warnOnce: (m: string) => warnings.push(m),
        error: (m: string) => warnings.push(m),
        clearScreen: () => undefined,
        hasErrorLogged: () => false,
        hasWarned: false,
      },
    });
    expect(warnings.filter((w) => /externalized for browser compatibility/.test(w))).to.deep.equal([]);
    expect((await readdir(join(outDir, "assets"))).join(" ")).to.match(/index-.*\.js/);

    const files = await readdir(join(outDir, "assets"));
    const gz = async (f: string) => gzipSync(await readFile(join(outDir, "assets", f))).length / 1024;
    const html = await readFile(join(outDir, "index.html"), "utf8");
    const entry = /src="\.\/assets\/([^"]+\.js)"/.exec(html)![1]!;
    // Per page: the entry, every chunk it imports statically, and the page's own chunk with its imports.
    const importsOf = async (f: string): Promise<string[]> => [...(await readFile(join(outDir, "assets", f), "utf8")).matchAll(/from\s*"\.\/([^"]+\.js)"|import\s*"\.\/([^"]+\.js)"/g)].map((m) => (m[1] ?? m[2])!);
    const closure = async (start: string[]): Promise<Set<string>> => {
      const seen = new Set<string>();
      const todo = [...start];
      while (todo.length) {
        const f = todo.pop()!;
        if (seen.has(f)) continue;
        seen.add(f);
        todo.push(...(await importsOf(f)));
      }
      return seen;
    };
    const shell = await closure([entry]);
    for (const page of ["subject", "requester", "provider", "supervisor", "auditor"]) {
      const chunk = files.find((f) => f.startsWith(`${page}-`) && f.endsWith(".js"));
      expect(chunk, `${page} has its own chunk`).to.be.a("string");
      const all = await closure([...shell, chunk!]);
      let kb = 0;
      for (const f of all) kb += await gz(f);
      expect(kb, `${page}: ${[...all].join(", ")}`).to.be.at.most(BUDGET_KB);
    }
    const css = files.filter((f) => f.endsWith(".css"));
    expect(css).to.have.length(1);
  });
});
