/**
 * The SDK's two entries: sdk/index.ts (browser-safe) reaches no `node:` module through its
 * static imports; sdk/node.ts adds the Node-only parts (files, folder blob store, provider
 * worker) on top of it.
 */
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SDK = resolve(dirname(fileURLToPath(import.meta.url)), "../../sdk");

/** `node:` imports reachable from `entry` through value (not type-only) imports and re-exports. */
function nodeImportsReachable(entry: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/g)) {
      if (m[1]) continue;
      const spec = m[2]!;
      if (spec.startsWith("node:")) found.push(`${file.slice(SDK.length + 1)} → ${spec}`);
      if (!spec.startsWith(".")) continue;
      const ts = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
      const index = resolve(dirname(file), spec, "index.ts");
      if (existsSync(ts)) stack.push(ts);
      else if (existsSync(index)) stack.push(index);
    }
  }
  return found;
}

describe("the SDK's entries", function () {
  it("the main entry (sdk/index.ts) is browser-safe: no node: module is reachable from it", function () {
    expect(nodeImportsReachable(resolve(SDK, "index.ts"))).to.deep.equal([]);
  });

  it("the Node entry (sdk/node.ts) re-exports the main entry and adds the file-based parts", async function () {
    expect(nodeImportsReachable(resolve(SDK, "node.ts"))).to.not.deep.equal([]);
    const main = await import("../../sdk/index.js");
    const node = await import("../../sdk/node.js");
    for (const name of ["listRequests", "readEvents", "fetchKey", "registerEncryptedDataset", "verifyReceiptOnChain", "CustodianClient"]) expect(node).to.have.property(name, (main as Record<string, unknown>)[name]);
    for (const name of ["registerDataset", "decryptDataset", "LocalBlobStore", "verifyLedger"]) {
      expect(node).to.have.property(name);
      expect(main).to.not.have.property(name);
    }
  });
});
