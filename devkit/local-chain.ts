/**
 * A real development node in a child process, for tests, the end-to-end test, the demo,
 * `sealshare dev` and the fault harness: `hardhat node` (EDR) by default, or Anvil (Foundry's
 * node) with `{ node: "anvil" }` — see ./nodes/index.ts for what differs between them.
 *
 *   const chain = await startLocalChain();                    // or { node: "anvil" }
 *   const provider = new JsonRpcProvider(chain.url);
 *   const [deployer, bank] = chain.accounts.map((k) => new Wallet(k, provider));
 *   …
 *   await chain.stop();
 *
 * The node gets a free port on 127.0.0.1 and its own process group, so `stop()` takes down
 * the node and anything it spawned. `accounts` are the private keys of the node's funded
 * accounts (the well-known mnemonic "test test … junk", path m/44'/60'/0'/0/i: both nodes use
 * it, chain id 31337, 10,000 ETH each). Anvil runs from its npm platform package's binary.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { HDNodeWallet, Mnemonic } from "ethers";
import { anvilArgs, anvilBinary } from "./nodes/anvil.js";
import type { NodeKind } from "./nodes/index.js";

export { NODE_KINDS, nodeControl, parseNodeKind, testNodes, type NodeControl, type NodeKind, type ReorgTx } from "./nodes/index.js";

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

export interface LocalChain {
  /** Which node runs it. */
  node: NodeKind;
  url: string;
  port: number;
  /** Private keys (0x hex) of the default funded accounts, in order. */
  accounts: string[];
  /** Kills the node's process group; resolves when it has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface StartLocalChainOptions {
  /** `hardhat` (default) or `anvil`. */
  node?: NodeKind;
  /** How many account keys to derive (the node funds 20). */
  accounts?: number;
  /** Give up if the node does not answer eth_chainId within this time. */
  timeoutMs?: number;
  /** Project root (where node_modules/.bin/hardhat and the Anvil package are). */
  cwd?: string;
}

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A port that was free a moment ago (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Private keys of the first `n` accounts of `mnemonic` (Ethereum's standard path). */
export function deriveAccounts(n: number, mnemonic = HARDHAT_MNEMONIC): string[] {
  const m = Mnemonic.fromPhrase(mnemonic);
  return Array.from({ length: n }, (_, i) => HDNodeWallet.fromMnemonic(m, `m/44'/60'/0'/0/${i}`).privateKey);
}

async function rpcAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    return res.ok && typeof ((await res.json()) as { result?: unknown }).result === "string";
  } catch {
    return false;
  }
}

export async function startLocalChain(opts: StartLocalChainOptions = {}): Promise<LocalChain> {
  const cwd = opts.cwd ?? PROJECT_ROOT;
  const node = opts.node ?? "hardhat";
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const funded = Math.max(20, opts.accounts ?? 20);
  const [cmd, args] =
    node === "anvil"
      ? [anvilBinary(), anvilArgs(port, funded, HARDHAT_MNEMONIC)]
      : [join(cwd, "node_modules", ".bin", "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)]];
  const child: ChildProcess = spawn(cmd, args, {
    cwd,
    detached: true, // its own process group, killed as a whole
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, PATH: `${join(cwd, "node_modules", ".bin")}:${process.env.PATH ?? ""}` },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));

  const stop = async () => {
    if (alive && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, 3000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (!(await rpcAnswers(url))) {
    if (!alive) throw new Error(`${node} node exited before answering:\n${stderr}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${node} node did not answer on ${url} in time:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { node, url, port, accounts: deriveAccounts(opts.accounts ?? 20), stop };
}
