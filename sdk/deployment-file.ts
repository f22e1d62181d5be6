/**
 * The deployment file (`{ chainId, ledger, deployBlock, deployedAt }`) that the custodian, the
 * CLI and the scripts read and write. Node only (node:fs); the browser gets the same facts from
 * the dapp's `sealshare.config.json`.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Deployment } from "./contracts.js";

export type { Deployment };

export async function writeDeployment(path: string, d: Deployment): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(d, null, 2) + "\n");
}

export async function readDeployment(path: string): Promise<Deployment> {
  const d = JSON.parse(await readFile(path, "utf8")) as Deployment;
  if (!/^0x[0-9a-fA-F]{40}$/.test(d.ledger) || !/^\d+$/.test(d.chainId)) {
    throw new Error(`deployment file ${path} is malformed`);
  }
  return d;
}
