/**
 * What a local environment needs beyond the installed package: the repository's development
 * tools. `sealshare dev` runs a node (`hardhat node` from node_modules/.bin, or the Anvil binary
 * of the devDependency @foundry-rs/anvil) and the custodian from its TypeScript source through
 * tsx (devkit/custodian-process.ts). A checkout after `npm install` has all of them; the package
 * that `npm pack` makes ships compiled JavaScript only (no Hardhat, no tsx, no service/), so there
 * `dev` is refused up front, naming what is missing, instead of failing halfway through.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { anvilBinary } from "./nodes/anvil.js";
import type { NodeKind } from "./nodes/index.js";

/** The repository root when running from a checkout (devkit/ sits at the top, as in local-chain.ts). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The development tools `sealshare dev` would run with `node` that are not here (empty: all are). */
export function missingDevTools(node: NodeKind, root = ROOT): string[] {
  const missing: string[] = [];
  if (node === "hardhat" && !existsSync(join(root, "node_modules", ".bin", "hardhat"))) missing.push("Hardhat (node_modules/.bin/hardhat)");
  if (node === "anvil") {
    try {
      anvilBinary();
    } catch {
      missing.push("Anvil (@foundry-rs/anvil)");
    }
  }
  if (!existsSync(join(root, "node_modules", ".bin", "tsx"))) missing.push("tsx (node_modules/.bin/tsx)");
  if (!existsSync(join(root, "service", "main.ts"))) missing.push("the custodian's source (service/main.ts)");
  return missing;
}
