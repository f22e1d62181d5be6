/**
 * A real world for the CLI tests: a `hardhat node` (startLocalChain), the ledger deployed and its
 * deployment file written, optionally the custodian as its own process — the same devkit steps
 * `sealshare dev` takes (devkit/local-deployment.ts) —, a blob folder and a config file; and
 * `cli()`, which runs `tsx cli/main.ts … --json` as a child process the way a script would.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import type { Deployment, Sealshare } from "../../sdk/contracts.js";
import { startLocalChain, type LocalChain } from "../../devkit/local-chain.js";
import type { CustodianProcess } from "../../devkit/custodian-process.js";
import { deployToFolder, startLocalCustodian } from "../../devkit/local-deployment.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const MAIN = join(ROOT, "cli", "main.ts");

export const ROLES = ["admin", "supervisor", "custodian", "bank", "insurer", "lender", "ana", "mallory"] as const;
export type Role = (typeof ROLES)[number];

export interface CliWorld {
  chain: LocalChain;
  provider: JsonRpcProvider;
  deployment: Deployment;
  ledger: Sealshare;
  custodian?: CustodianProcess;
  dir: string;
  configPath: string;
  blobDir: string;
  keys: Record<Role, string>;
  addr: Record<Role, string>;
  /** Runs the CLI with `--json` as `who` (SEALSHARE_PRIVATE_KEY), in `dir`. */
  cli(args: string[], opts?: CliOptions): Promise<CliResult>;
  /** Moves chain time forward and mines a block. */
  increaseTime(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

export interface CliOptions {
  as?: Role;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Omit --json (human output). */
  human?: boolean;
  /** Do not pass the world's config file. */
  noConfig?: boolean;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (undefined if it is not one JSON document). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Runs `tsx cli/main.ts args…` with a clean SEALSHARE_* environment. */
export function runCli(args: string[], env: Record<string, string | undefined>, cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("SEALSHARE_")) clean[k] = v;
    const child = spawn(TSX, [MAIN, ...args], { cwd, env: { ...clean, NODE_NO_WARNINGS: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

export async function startCliWorld(opts: { custodian?: boolean } = {}): Promise<CliWorld> {
  const chain = await startLocalChain({ accounts: ROLES.length });
  try {
    return await setUp(chain, opts);
  } catch (err) {
    await chain.stop(); // never leave a node behind when the world cannot be built
    throw err;
  }
}

async function setUp(chain: LocalChain, opts: { custodian?: boolean }): Promise<CliWorld> {
  const provider = new JsonRpcProvider(chain.url, Network.from(31337n), { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const keys = Object.fromEntries(ROLES.map((r, i) => [r, chain.accounts[i]!])) as Record<Role, string>;
  const addr = Object.fromEntries(ROLES.map((r) => [r, new Wallet(keys[r]).address])) as Record<Role, string>;
  const dir = await mkdtemp(join(tmpdir(), "sealshare-cli-"));
  const { ledger, deployment, deploymentPath } = await deployToFolder(new Wallet(keys.admin, provider), { supervisors: [addr.supervisor], custodian: addr.custodian }, dir);
  const custodian: CustodianProcess | undefined = opts.custodian
    ? await startLocalCustodian({ rpcUrl: chain.url, deploymentPath, dir, custodianKey: keys.custodian, pollMs: 50 })
    : undefined;
  const blobDir = join(dir, "blobs");
  const configPath = join(dir, "sealshare.config.json");
  await writeFile(
    configPath,
    JSON.stringify({ rpcUrl: chain.url, deployment: "deployment.json", blobDir: "blobs", ...(custodian ? { custodianUrl: custodian.url } : {}), names: Object.fromEntries(ROLES.map((r) => [addr[r], r])) }, null, 2),
  );
  return {
    chain,
    provider,
    deployment,
    ledger: ledger as Sealshare,
    custodian,
    dir,
    configPath,
    blobDir,
    keys,
    addr,
    cli(args, o = {}) {
      const env: Record<string, string | undefined> = {
        ...(o.noConfig ? {} : { SEALSHARE_CONFIG: configPath }),
        ...(o.as ? { SEALSHARE_PRIVATE_KEY: keys[o.as] } : {}),
        SEALSHARE_NO_PROGRESS: "1",
        ...o.env,
      };
      return runCli(o.human ? args : [...args, "--json"], env, o.cwd ?? dir);
    },
    async increaseTime(seconds: number) {
      await provider.send("evm_increaseTime", [seconds]);
      await provider.send("evm_mine", []);
    },
    async stop() {
      await custodian?.stop();
      provider.destroy();
      await chain.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Asserts-friendly summary of a failed run, for assertion messages. */
export function explain(r: CliResult): string {
  return `exit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`;
}
