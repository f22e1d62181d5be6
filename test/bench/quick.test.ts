/**
 * `npm run bench` cannot rot: this runs the whole benchmark harness in its smallest profile
 * (`--smoke`: every group, tiny sizes; its numbers mean nothing) exactly as `npm run bench`
 * does — `tsx bench/run.ts` in its own process — and checks the JSON it writes: every headline
 * entry and per-operation gas entry is there with finite numbers, every ratio is value /
 * baseline_value, and every target verdict matches its numbers. Performance itself is judged by
 * `npm run bench`, never by a timed test (docs/PERFORMANCE.md).
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { GAS_OPS, HEADLINE } from "../../bench/lib/headline.js";
import type { Entry, Results } from "../../bench/lib/harness.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function runBench(out: string): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "bench", "run.ts"), "--smoke", `--out=${out}`], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0" },
    });
    let output = "";
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", reject);
    child.once("close", (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

describe("npm run bench (smoke profile)", function () {
  this.timeout(300_000);
  let dir: string;
  let results: Results;
  let run: { code: number; output: string };

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "sealshare-bench-test-"));
    const out = join(dir, "latest.json");
    run = await runBench(out);
    const text = await readFile(out, "utf8").catch(() => undefined);
    if (text === undefined) throw new Error(`the benchmark wrote no results (exit ${run.code}):\n${run.output}`);
    results = JSON.parse(text) as Results;
  });

  after(async function () {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs every group without an error", function () {
    expect(results.errors, run.output).to.deep.equal([]);
    expect(run.code, run.output).to.equal(0);
  });

  it("describes the machine and the run", function () {
    expect(results.profile).to.equal("smoke");
    expect(results.machine.cores).to.be.greaterThan(0);
    expect(results.machine.node).to.match(/^v\d+/);
    expect(results.machine.cpu).to.be.a("string").and.not.equal("");
    expect(Number.isNaN(Date.parse(results.startedAt))).to.equal(false);
  });

  it("has every headline entry and every per-operation gas entry, with finite numbers", function () {
    const byName = new Map(results.entries.map((e) => [e.name, e]));
    for (const name of [...HEADLINE, ...GAS_OPS]) {
      const e = byName.get(name);
      expect(e, `entry ${name}`).to.not.equal(undefined);
      for (const field of ["value", "baseline_value", "ratio", "spread"] as const) {
        expect(Number.isFinite(e![field]), `${name}.${field} = ${e![field]}`).to.equal(true);
      }
      expect(e!.runs, `${name}.runs`).to.be.at.least(1);
      expect(e!.baseline_name, `${name}.baseline_name`).to.be.a("string").and.not.equal("");
      expect(e!.unit, `${name}.unit`).to.be.a("string").and.not.equal("");
    }
  });

  it("computes every ratio as value / baseline_value, and every verdict from its target", function () {
    expect(results.entries.length).to.be.greaterThan(HEADLINE.length);
    for (const e of results.entries as Entry[]) {
      expect(e.ratio, e.name).to.equal(e.value / e.baseline_value);
      if (e.target) {
        const x = e.target.on === "ratio" ? e.ratio : e.value;
        const ok = (e.target.min === undefined || x >= e.target.min) && (e.target.max === undefined || x <= e.target.max);
        expect(e.meets, e.name).to.equal(ok);
      } else {
        expect(e.meets, e.name).to.equal(undefined);
      }
    }
  });

  it("names each entry once", function () {
    const names = results.entries.map((e) => e.name);
    expect(new Set(names).size).to.equal(names.length);
  });
});
