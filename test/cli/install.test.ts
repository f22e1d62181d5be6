/**
 * The package that `npm pack` makes installs and runs on its own (issue 15 item 2): packed from
 * this checkout (its `prepack` compiles the contracts if needed and builds dist/), installed into
 * a temporary global prefix, and run as `<prefix>/bin/sealshare` with plain node — no tsx on the
 * PATH or in the package, no TypeScript source — from a folder outside the repository, where
 * relative paths on its command line must resolve.
 *
 * Installing fetches the runtime dependencies from the npm registry unless npm's cache has them
 * (`--prefer-offline`). Packing compiles the CLI, so this file takes a minute or two.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { VERSION } from "../../cli/program.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment npm runs with here: this checkout's tools (Node 22, hardhat, tsc) first. */
function npmEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _drop, ...env } = process.env;
  return { ...env, PATH: [join(ROOT, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter) };
}

describe("cli: the packed package installs and runs with plain node", function () {
  this.timeout(600_000);

  let work: string;
  let prefix: string;
  let elsewhere: string;
  let bin: string;
  /** Only this Node on the PATH (and the system's tools): no tsx, no node_modules/.bin. */
  let plainEnv: NodeJS.ProcessEnv;

  before(async function () {
    work = mkdtempSync(join(tmpdir(), "sealshare-install-"));
    prefix = join(work, "prefix");
    elsewhere = join(work, "elsewhere");
    bin = join(prefix, "bin", "sealshare");
    const packed = await run("npm", ["pack", "--pack-destination", work, "--loglevel=error"], ROOT, npmEnv());
    expect(packed.code, packed.stderr).to.equal(0);
    const tarballs = readdirSync(work).filter((f) => /^sealshare-.*\.tgz$/.test(f));
    expect(tarballs).to.deep.equal([`sealshare-${VERSION}.tgz`]);
    const installed = await run(
      "npm",
      ["install", "--global", "--prefix", prefix, join(work, tarballs[0]!), "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
      work,
      npmEnv(),
    );
    expect(installed.code, installed.stderr).to.equal(0);
    const nodeDir = dirname(process.execPath);
    plainEnv = { HOME: work, PATH: [nodeDir, "/usr/bin", "/bin"].join(delimiter), NODE_NO_WARNINGS: "1" };
    for (const dir of plainEnv.PATH!.split(delimiter)) expect(existsSync(join(dir, "tsx")), `tsx in ${dir}`).to.equal(false);
    mkdirSync(elsewhere);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("ships compiled JavaScript and the ABIs, without the TypeScript source or tsx", () => {
    const pkg = join(prefix, "lib", "node_modules", "sealshare");
    expect(readdirSync(pkg).sort()).to.deep.equal(["README.md", "bin", "dist", "node_modules", "package.json"]);
    expect(existsSync(join(pkg, "dist", "cli", "main.js"))).to.equal(true);
    expect(existsSync(join(pkg, "dist", "sdk", "stream", "chunk-worker.js"))).to.equal(true);
    expect(existsSync(join(pkg, "dist", "types", "ethers-contracts", "factories", "Sealshare__factory.js"))).to.equal(true);
    expect(existsSync(join(pkg, "cli"))).to.equal(false);
    expect(existsSync(join(pkg, "node_modules", "tsx"))).to.equal(false);
  });

  it("answers --help and --version from another folder", async () => {
    const help = await run(bin, ["--help"], elsewhere, plainEnv);
    expect(help.code, help.stderr).to.equal(0);
    expect(help.stdout.split("\n")[0]).to.equal("Usage: sealshare [options] [command]");
    expect(help.stderr).to.equal("");
    const version = await run(bin, ["--version"], elsewhere, plainEnv);
    expect(version).to.deep.equal({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  it("resolves relative paths against the folder it runs in (and runs the compiled chunk workers)", async () => {
    // Several chunks, so the file is sealed by the worker pool (dist/sdk/stream/chunk-worker.js).
    const line = "date,amount,description\n";
    writeFileSync(join(elsewhere, "records.csv"), line.repeat(Math.ceil((24 << 20) / line.length)));
    const r = await run(bin, ["dataset", "encrypt", "records.csv", "-o", "records.sealed", "--key-out", "records.key.json", "--json"], elsewhere, plainEnv);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { ciphertextPath: string; keyFile: string; format: string; chunkCount: number };
    expect(out.ciphertextPath).to.equal(join(elsewhere, "records.sealed"));
    expect(out.keyFile).to.equal(join(elsewhere, "records.key.json"));
    expect(out.format).to.equal("csv");
    expect(out.chunkCount).to.be.greaterThan(1);
    expect(JSON.parse(await readFile(join(elsewhere, "records.key.json"), "utf8")).ciphertext).to.equal(join(elsewhere, "records.sealed"));

    const missing = await run(bin, ["dataset", "encrypt", "missing.csv", "-o", "m.sealed", "--key-out", "m.key.json", "--json"], elsewhere, plainEnv);
    expect(missing.code).to.equal(1);
    expect(JSON.parse(missing.stdout)).to.deep.equal({
      error: {
        code: "ENOENT",
        message: `no such file or folder: ${join(elsewhere, "missing.csv")} (given by <file>)`,
        hint: `check the path given to <file>; a relative path is read from the folder the command runs in (${elsewhere})`,
        details: { path: join(elsewhere, "missing.csv"), option: "<file>" },
      },
    });
  });

  it("refuses `dev` up front, naming the development tools it would need", async () => {
    const r = await run(bin, ["dev", "--json"], elsewhere, plainEnv);
    expect(r.code).to.equal(1);
    expect(JSON.parse(r.stdout)).to.deep.equal({
      error: {
        code: "DEV_TOOLS_MISSING",
        message:
          "`sealshare dev` runs the repository's development tools, and this installation lacks Hardhat (node_modules/.bin/hardhat), tsx (node_modules/.bin/tsx), the custodian's source (service/main.ts)",
        hint: "run it from a checkout of the repository (`npm install`, then `npm run sealshare -- dev`); this command then works against it with --config <checkout>/.sealshare-dev/sealshare.config.json",
      },
    });
    expect(existsSync(join(elsewhere, ".sealshare-dev"))).to.equal(false);
  });
});
