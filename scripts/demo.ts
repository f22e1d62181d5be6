/**
 * The main job: one command that plays the whole Sealshare story on this machine.
 *
 * Starts a local node (`hardhat node`, or Anvil with `--node anvil`), deploys the ledger and the
 * custody contract beside it, starts the key custodians — a 2-of-3 threshold set by default, each
 * custodian its own process with its own account, ECIES key, SQLite file and port
 * (devkit/custodian-set.ts) — and plays ../shared/SCENARIOS.md's story with named actors (see
 * scripts/lib/story.ts), then prints the on-chain timeline rebuilt from events and the auditor's
 * verdict over the whole ledger. Exits non-zero if any check fails — among them: an envelope
 * fetchable before both supervisors approved (the category floor), or any `audit verify`
 * violation — and always stops what it started.
 *
 *   npm run demo                    # ~10 MB of records
 *   npm run demo -- --mb 100        # bigger
 *   npm run demo -- --keep          # keep .demo/ (ciphertext, decrypted file, logs) afterwards
 *   npm run demo -- --node anvil    # the same story on Foundry's Anvil instead of Hardhat's node
 *   npm run demo -- --custodians 1  # one custodian: a 1-of-1 set (--threshold <t> for another t)
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { parseNodeKind, startLocalChain } from "../devkit/local-chain.js";
import { deployToFolder } from "../devkit/local-deployment.js";
import { startCustodianSet } from "../devkit/custodian-set.js";
import { playStory } from "./lib/story.js";

const args = process.argv.slice(2);
const mb = Number(args[args.indexOf("--mb") + 1] ?? 10) || 10;
const keep = args.includes("--keep");
const custodians = Number(args.includes("--custodians") ? args[args.indexOf("--custodians") + 1] : 3);
const threshold = Number(args.includes("--threshold") ? args[args.indexOf("--threshold") + 1] : Math.min(2, custodians));
if (!Number.isInteger(custodians) || custodians < 1 || custodians > 16 || !Number.isInteger(threshold) || threshold < 1 || threshold > custodians) {
  process.stderr.write("--custodians is 1 to 16 and --threshold 1 to the number of custodians\n");
  process.exit(2);
}
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
  // Eight actors, then one account per custodian beyond the first (the first is the actors' custodian).
  const chain = await startLocalChain({ node, accounts: 8 + custodians - 1 });
  cleanups.push(() => chain.stop());
  // No response cache: back-to-back transactions from one account must each read a fresh nonce.
  const provider = new JsonRpcProvider(chain.url, undefined, { pollingInterval: 100, cacheTimeout: -1 });
  cleanups.push(async () => provider.destroy());
  const [deployerKey, supKey, bankKey, insurerKey, lenderKey, anaKey, custodianKey, sup2Key] = chain.accounts as [string, string, string, string, string, string, string, string];
  const custodianKeys = [custodianKey, ...chain.accounts.slice(8, 8 + custodians - 1)];
  say(`  node at ${chain.url}`);

  say("▶ Deploying the Sealshare ledger and wiring roles (admin, supervisor, custodian), and the custody contract beside it");
  const deployer = new Wallet(deployerKey, provider);
  const { ledger, custody, deployment, deploymentPath } = await deployToFolder(
    deployer,
    { supervisors: [new Wallet(supKey).address], custodian: new Wallet(custodianKey).address },
    workDir,
  );
  say(`  ledger ${deployment.ledger} on chain ${deployment.chainId} (block ${deployment.deployBlock}); custody ${deployment.custody}`);

  say(`▶ Starting ${custodians} key custodian${custodians > 1 ? "s" : ""} (each its own process, account, ECIES key, SQLite file and port) and registering them as a ${threshold}-of-${custodians} set`);
  // Their secrets are fresh each run (devkit/custodian-set.ts); in production they come from an encrypted keystore.
  const set = await startCustodianSet({ rpcUrl: chain.url, deploymentPath, dir: workDir, ledger, custody, admin: deployer, custodianKeys, threshold });
  cleanups.push(() => set.stopAll());
  for (const m of set.members) say(`  custodian ${m.index + 1}: ${m.address} at ${m.url}`);
  say(`  set #${set.setId} on chain: any ${threshold} of the ${custodians} rebuild a key, fewer learn nothing of it`);

  say("▶ The story");
  const result = await playStory({
    provider,
    deployment,
    custodianUrl: set.members[0]!.url,
    custody: { contract: custody, set, custodianKeys },
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
