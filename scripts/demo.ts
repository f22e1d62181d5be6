/**
 * The main job: one command that plays the whole Sealshare story on this machine.
 *
 * Starts a local node (`hardhat node`, or Anvil with `--node anvil`), deploys the ledger, starts the key custodian as its own process
 * (SQLite, local blob folder), and plays ../shared/SCENARIOS.md's story with named actors (see
 * scripts/lib/story.ts), then prints the on-chain timeline rebuilt from events and the auditor's
 * verdict over the whole ledger. Exits non-zero if any check fails — among them: an envelope
 * fetchable before both supervisors approved (the category floor), or any `audit verify`
 * violation — and always stops what it started.
 *
 *   npm run demo                    # ~10 MB of records
 *   npm run demo -- --mb 100        # bigger
 *   npm run demo -- --keep          # keep .demo/ (ciphertext, decrypted file, logs) afterwards
 *   npm run demo -- --node anvil    # the same story on Foundry's Anvil instead of Hardhat's node
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { parseNodeKind, startLocalChain } from "../devkit/local-chain.js";
import type { CustodianProcess } from "../devkit/custodian-process.js";
import { deployToFolder, startLocalCustodian } from "../devkit/local-deployment.js";
import { playStory } from "./lib/story.js";

const args = process.argv.slice(2);
const mb = Number(args[args.indexOf("--mb") + 1] ?? 10) || 10;
const keep = args.includes("--keep");
const node = parseNodeKind(args.includes("--node") ? args[args.indexOf("--node") + 1] ?? "?" : process.env.SEALSHARE_NODE);
const workDir = join(process.cwd(), ".demo");
const say = (line: string) => process.stdout.write(line + "\n");

const cleanups: Array<() => Promise<void>> = [];
async function cleanup() {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
}
process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));

async function main(): Promise<number> {
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  if (!keep) cleanups.push(() => rm(workDir, { recursive: true, force: true }));

  say(`▶ Starting a local ${node === "anvil" ? "Anvil" : "Hardhat"} node on 127.0.0.1`);
  const chain = await startLocalChain({ node, accounts: 8 });
  cleanups.push(() => chain.stop());
  // No response cache: back-to-back transactions from one account must each read a fresh nonce.
  const provider = new JsonRpcProvider(chain.url, undefined, { pollingInterval: 100, cacheTimeout: -1 });
  cleanups.push(async () => provider.destroy());
  const [deployerKey, supKey, bankKey, insurerKey, lenderKey, anaKey, custodianKey, sup2Key] = chain.accounts as [string, string, string, string, string, string, string, string];
  say(`  node at ${chain.url}`);

  say("▶ Deploying the Sealshare ledger and wiring roles (admin, supervisor, custodian)");
  const deployer = new Wallet(deployerKey, provider);
  const { deployment, deploymentPath } = await deployToFolder(
    deployer,
    { supervisors: [new Wallet(supKey).address], custodian: new Wallet(custodianKey).address },
    workDir,
  );
  say(`  ledger ${deployment.ledger} on chain ${deployment.chainId} (block ${deployment.deployBlock})`);

  say("▶ Starting the key custodian (separate process, SQLite, local blob folder)");
  // Its secrets are fresh each run (startLocalCustodian); in production they come from an encrypted keystore.
  const custodian: CustodianProcess = await startLocalCustodian({ rpcUrl: chain.url, deploymentPath, dir: workDir, custodianKey });
  cleanups.push(() => custodian.stop());
  say(`  custodian at ${custodian.url}`);

  say("▶ The story");
  const result = await playStory({
    provider,
    deployment,
    custodianUrl: custodian.url,
    keys: [deployerKey, supKey, bankKey, insurerKey, lenderKey, anaKey, sup2Key],
    workDir,
    recordBytes: mb * 1_000_000,
    say,
  });

  say("▶ Timeline rebuilt from on-chain events alone");
  for (const e of result.timeline) say(`  #${String(e.blockNumber).padStart(3)}  ${e.summary}`);

  say(`▶ audit verify (with the custodian's receipt proofs): ${result.audit.violations.length} violation(s)`);
  const failed = result.checks.filter((c) => !c.ok);
  say(`\n${result.checks.length - failed.length} of ${result.checks.length} checks passed${failed.length ? `; FAILED: ${failed.map((c) => c.name).join("; ")}` : ""}`);
  if (keep) say(`files kept in ${workDir}`);
  return failed.length === 0 ? 0 : 1;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    say(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    await cleanup();
    process.exit(1);
  });
