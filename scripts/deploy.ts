/**
 * Deploys the ledger and the threshold-custody contract beside it with the Ignition module and
 * writes the deployment file (with `custody`) that the custodian (SEALSHARE_DEPLOYMENT), the SDK,
 * the CLI and the dapp read.
 *
 *   hardhat run scripts/deploy.ts --network localhost
 *   SEALSHARE_IGNITION_PARAMS=ignition/parameters/local.json SEALSHARE_DEPLOYMENT_OUT=deployments/localhost.json \
 *     hardhat run scripts/deploy.ts --network localhost
 *
 * Parameters (admin, supervisors[], custodian) come from the JSON file named by
 * SEALSHARE_IGNITION_PARAMS (shape: { "SealshareModule": { ... } }); Ignition keeps its own journal
 * under ignition/deployments/, so re-running against the same chain reuses the deployment.
 */
import { readFile } from "node:fs/promises";
import { network } from "hardhat";
import SealshareModule from "../ignition/modules/Sealshare.js";
import { type Deployment } from "../sdk/contracts.js";
import { writeDeployment } from "../sdk/deployment-file.js";

const paramsPath = process.env.SEALSHARE_IGNITION_PARAMS;
const out = process.env.SEALSHARE_DEPLOYMENT_OUT;

const connection = await network.getOrCreate();
const parameters = paramsPath ? (JSON.parse(await readFile(paramsPath, "utf8")) as Record<string, Record<string, unknown>>) : {};
const { ledger, custody } = await connection.ignition.deploy(SealshareModule, { parameters: parameters as never });
const address = await ledger.getAddress();
const chainId = (await connection.ethers.provider.getNetwork()).chainId.toString();
// Ignition's contract object carries no deployment transaction (and a reused deployment has
// none in this process), so find the first block holding the code: the custodian starts there.
const deployBlock = await firstBlockWithCode(address);
const deployment: Deployment = { chainId, ledger: address, deployBlock, deployedAt: new Date().toISOString(), custody: await custody.getAddress() };
const path = out ?? `deployments/${connection.networkName}.json`;
await writeDeployment(path, deployment);
console.log(`Sealshare ledger ${address} and custody ${deployment.custody} on chain ${chainId} (block ${deployBlock}); wrote ${path}`);

async function firstBlockWithCode(addr: string): Promise<number> {
  let lo = 0;
  let hi = await connection.ethers.provider.getBlockNumber();
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await connection.ethers.provider.getCode(addr, mid)) === "0x") lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
