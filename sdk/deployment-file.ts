/**
 * The deployment file (`{ chainId, ledger, deployBlock, deployedAt, custody? }`) that the
 * custodian, the CLI and the scripts read and write. Node only (node:fs); the browser gets the
 * same facts from the dapp's `sealshare.config.json`.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import type { Deployment } from "./contracts.js";

export type { Deployment };

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

/**
 * What a reader relies on in a deployment file: the chain, the ledger, the block the custodian
 * follows from. `custody` (the SealshareCustody address) is optional: files written before
 * threshold custody existed stay readable. `deployedAt` is informational and passed through
 * unchecked, as before (hand-written files carry it in varying shapes).
 */
const DeploymentFile = z.looseObject({
  chainId: z.string().regex(/^\d+$/),
  ledger: address,
  deployBlock: z.number().int().nonnegative(),
  custody: address.optional(),
});

export async function writeDeployment(path: string, d: Deployment): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(d, null, 2) + "\n");
}

/** Reads and checks a deployment file; names the fields that are wrong when it is malformed. */
export async function readDeployment(path: string): Promise<Deployment> {
  const parsed = DeploymentFile.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(root)"))].join(", ");
    throw new Error(`deployment file ${path} is malformed (${fields})`);
  }
  return parsed.data as typeof parsed.data & Pick<Deployment, "deployedAt">;
}
