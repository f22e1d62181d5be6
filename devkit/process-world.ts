/**
 * A ledger deployed on a local chain with the key custodian running as its own process, the way
 * production runs it: what the dapp's browser tests (test/dapp/lib/world.ts) stand on, and what a
 * script that needs a custodian over HTTP can reuse. The caller starts the chain (so it can do
 * other start-up work meanwhile) and names the accounts by index; the custodian's secrets are
 * fresh random values, never written anywhere but its environment.
 *
 * (devkit/world.ts is the in-process counterpart, for tests that step the custodian themselves.)
 */
import { join } from "node:path";
import { hexlify, JsonRpcProvider, randomBytes, Wallet } from "ethers";
import { deployLedger, type Deployment } from "../sdk/contracts.js";
import { writeDeployment } from "../sdk/deployment-file.js";
import { startCustodianProcess, type CustodianProcess } from "./custodian-process.js";
import type { LocalChain } from "./local-chain.js";

export interface ProcessWorldOptions {
  chain: LocalChain;
  /** Folder for deployment.json and the custodian's database and log; the caller removes it. */
  dir: string;
  /** Account indices: who deploys, the supervisors, the custodian's signer. */
  accounts: { admin: number; supervisors: number[]; custodian: number };
  /** More custodian environment (SEALSHARE_CORS_ORIGINS, rate limits, …). */
  custodianEnv?: Record<string, string>;
  receipts?: "single" | "batch";
  pollMs?: number;
}

export interface ProcessWorld {
  provider: JsonRpcProvider;
  deployment: Deployment;
  deploymentPath: string;
  custodian: CustodianProcess;
  /** Account `i`'s wallet on the world's provider. */
  wallet(i: number): Wallet;
  /** Stops the custodian and the provider (not the chain, which the caller started). */
  stop(): Promise<void>;
}

export async function startProcessWorld(o: ProcessWorldOptions): Promise<ProcessWorld> {
  const provider = new JsonRpcProvider(o.chain.url, undefined, { pollingInterval: 100, cacheTimeout: -1 });
  const wallet = (i: number) => new Wallet(o.chain.accounts[i]!, provider);
  try {
    const { deployment } = await deployLedger(wallet(o.accounts.admin), {
      supervisors: o.accounts.supervisors.map((i) => wallet(i).address),
      custodian: wallet(o.accounts.custodian).address,
    });
    const deploymentPath = join(o.dir, "deployment.json");
    await writeDeployment(deploymentPath, deployment);
    const custodian = await startCustodianProcess({
      rpcUrl: o.chain.url,
      deploymentPath,
      dbPath: join(o.dir, "custodian.db"),
      logPath: join(o.dir, "custodian.log"),
      custodianKey: o.chain.accounts[o.accounts.custodian]!,
      eciesKey: hexlify(randomBytes(32)),
      masterKey: hexlify(randomBytes(32)),
      receipts: o.receipts,
      pollMs: o.pollMs,
      env: o.custodianEnv,
    });
    return {
      provider,
      deployment,
      deploymentPath,
      custodian,
      wallet,
      async stop() {
        await custodian.stop();
        provider.destroy();
      },
    };
  } catch (err) {
    provider.destroy();
    throw err;
  }
}
