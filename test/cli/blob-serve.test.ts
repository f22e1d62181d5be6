/**
 * `sealshare blob serve`: the provider's CLI serves its blob folder over HTTP (loopback by
 * default, the credential from SEALSHARE_BLOB_AUTHORIZATION), and a requester's CLI on "another
 * machine" — its own folder, no blob folder, no config file — decrypts through `--blob-url`,
 * checked against the chain. Real CLI processes, real chain; the server is stopped by the test.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Wallet } from "ethers";
import { registerMember } from "../../sdk/actions/index.js";
import { explain, ROOT, startCliWorld, type CliWorld } from "./helpers.js";

const SECRET = "Bearer provider-gave-you-this";
const RECORDS = '{"account":"DE-1","balance":"10.00"}\n{"account":"DE-2","balance":"-2.50"}\n';

/** A running `sealshare blob serve --json` process and the document it printed once listening. */
interface ServeProcess {
  child: ChildProcess;
  ready: { url: string; host: string; port: number; blobDir: string; credentialRequired: boolean };
  stderr: () => string;
}

async function startServe(w: CliWorld, args: string[], env: Record<string, string>): Promise<ServeProcess> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("SEALSHARE_")) clean[k] = v;
  const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "cli", "main.ts"), "blob", "serve", ...args, "--json"], {
    cwd: w.dir,
    env: { ...clean, NODE_NO_WARNINGS: "1", SEALSHARE_CONFIG: w.configPath, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const ready = await new Promise<ServeProcess["ready"]>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      try {
        resolve(JSON.parse(stdout));
      } catch {
        /* not the whole document yet */
      }
    });
    child.once("exit", (code) => reject(new Error(`blob serve exited (${code}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`)));
  });
  return { child, ready, stderr: () => stderr };
}

async function stopServe(p: ServeProcess | undefined): Promise<number | null> {
  if (!p || p.child.exitCode !== null) return p?.child.exitCode ?? null;
  const exited = once(p.child, "exit");
  p.child.kill("SIGTERM");
  const [code] = (await exited) as [number | null];
  return code;
}

describe("sealshare blob serve: a requester on another machine decrypts through --blob-url", function () {
  this.timeout(240_000);
  let w: CliWorld;
  let serve: ServeProcess | undefined;
  let requesterDir: string;
  let datasetId: string;
  let merkleRoot: string;
  /** The requester's CLI: its own folder, the chain and deployment by environment, no config file and no blob folder. */
  const requester = (args: string[], env: Record<string, string> = {}) =>
    w.cli(args, { noConfig: true, cwd: requesterDir, env: { SEALSHARE_RPC_URL: w.chain.url, SEALSHARE_DEPLOYMENT: join(w.dir, "deployment.json"), SEALSHARE_PRIVATE_KEY: w.keys.insurer, ...env } });

  before(async () => {
    w = await startCliWorld();
    await registerMember({ ledger: w.ledger, signer: new Wallet(w.keys.supervisor, w.provider), fromBlock: w.deployment.deployBlock }, { member: w.addr.bank, kycRef: "bank", metadataURI: "" });
    await writeFile(join(w.dir, "ana.ndjson"), RECORDS);
    const reg = await w.cli(["dataset", "register", "ana.ndjson", "--subject", w.addr.ana, "--category", "deposit", "--key-out", "ana.key.json"], { as: "bank" });
    expect(reg.code, explain(reg)).to.equal(0);
    datasetId = String(reg.json.datasetId);
    merkleRoot = String(reg.json.merkleRoot);
    // The key reaches the requester some other way (in production: the custodian, `key fetch`).
    requesterDir = join(w.dir, "requester-machine");
    await mkdir(requesterDir);
    await copyFile(join(w.dir, "ana.key.json"), join(requesterDir, "ana.key.json"));
    serve = await startServe(w, ["--port", "0"], { SEALSHARE_BLOB_AUTHORIZATION: SECRET });
  });

  after(async () => {
    await stopServe(serve);
    await w?.stop();
  });

  it("listens on loopback by default and says that a credential is required", () => {
    expect(serve!.ready.host).to.equal("127.0.0.1");
    expect(serve!.ready.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(serve!.ready.port).to.be.greaterThan(0);
    expect(serve!.ready.credentialRequired).to.equal(true);
    expect(serve!.ready.blobDir).to.equal(w.blobDir);
    expect(JSON.stringify(serve!.ready) + serve!.stderr()).to.not.include("provider-gave-you-this");
  });

  it("decrypts on the requester's machine through --blob-url, checked against the chain", async () => {
    const r = await requester(["dataset", "decrypt", datasetId, "--key-file", "ana.key.json", "-o", "ana.out.ndjson", "--blob-url", serve!.ready.url], { SEALSHARE_BLOB_AUTHORIZATION: SECRET });
    expect(r.code, explain(r)).to.equal(0);
    expect(await readFile(join(requesterDir, "ana.out.ndjson"), "utf8")).to.equal(RECORDS);
  });

  it("finishes a download an earlier run left half done (.part), and leaves no ciphertext copy behind", async () => {
    const whole = await readFile(join(w.blobDir, "merkle", merkleRoot.slice(2, 4), merkleRoot.slice(2)));
    const part = join(requesterDir, `.sealshare-${merkleRoot.slice(2, 18)}.ciphertext.part`);
    await writeFile(part, whole.subarray(0, Math.floor(whole.length / 2)));
    const r = await requester(["dataset", "decrypt", datasetId, "--key-file", "ana.key.json", "-o", "resumed.ndjson", "--blob-url", serve!.ready.url], { SEALSHARE_BLOB_AUTHORIZATION: SECRET });
    expect(r.code, explain(r)).to.equal(0);
    expect(await readFile(join(requesterDir, "resumed.ndjson"), "utf8")).to.equal(RECORDS);
    expect((await readdir(requesterDir)).filter((f) => f.startsWith(".sealshare-"))).to.deep.equal([]);
  });

  it("refuses a requester without the credential (401), writing nothing", async () => {
    const r = await requester(["dataset", "decrypt", datasetId, "--key-file", "ana.key.json", "-o", "refused.ndjson", "--blob-url", serve!.ready.url]);
    expect(r.code, explain(r)).to.equal(1);
    expect(r.stdout + r.stderr).to.match(/401/);
    expect(existsSync(join(requesterDir, "refused.ndjson"))).to.equal(false);
  });

  it("serves byte ranges (what a resumed download asks for) of the registered blob", async () => {
    const root = merkleRoot.slice(2);
    const whole = await readFile(join(w.blobDir, "merkle", root.slice(0, 2), root));
    const res = await fetch(`${serve!.ready.url}merkle/${root}`, { headers: { authorization: SECRET, range: "bytes=10-19" } });
    expect(res.status).to.equal(206);
    expect(res.headers.get("content-range")).to.equal(`bytes 10-19/${whole.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(10, 20))).to.equal(true);
  });

  it("stops on SIGTERM (exit 0) and then no longer answers", async () => {
    const url = serve!.ready.url;
    expect(await stopServe(serve)).to.equal(0);
    let refused = false;
    try {
      await fetch(url, { signal: AbortSignal.timeout(5000) });
    } catch {
      refused = true;
    }
    expect(refused, "the port still answers after the server stopped").to.equal(true);
  });
});
