/**
 * Anvil (Foundry's node, revm-based), from the npm package `@foundry-rs/anvil`. Its binary ships in
 * a platform package (`@foundry-rs/anvil-linux-amd64`, …, an optional dependency of the main one);
 * we resolve it from there rather than rely on the main package's postinstall script (npm's
 * install-script policy may skip it, and the binary is already in place without it).
 */
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The platform package name for this machine, as Foundry names them. */
export function anvilPlatformPackage(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const cpu = arch === "x64" ? "amd64" : arch === "arm64" ? "arm64" : undefined;
  const os = platform === "linux" || platform === "darwin" || platform === "win32" ? platform : undefined;
  if (!cpu || !os || (os === "win32" && cpu !== "amd64")) throw new Error(`Anvil has no npm build for ${platform}/${arch}`);
  return `@foundry-rs/anvil-${os}-${cpu}`;
}

/** Absolute path of the anvil binary installed with the project's packages. */
export function anvilBinary(): string {
  const pkg = anvilPlatformPackage();
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch (cause) {
    throw new Error(`${pkg} is not installed: run \`npm install\` (it comes with the devDependency @foundry-rs/anvil)`, { cause });
  }
  const bin = join(dirname(manifest), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  if (!existsSync(bin)) throw new Error(`${pkg} has no binary at ${bin}`);
  return bin;
}

/** Command line of an Anvil node on 127.0.0.1:`port` with `accounts` funded development accounts. */
export function anvilArgs(port: number, accounts: number, mnemonic: string): string[] {
  return [
    "--host", "127.0.0.1",
    "--port", String(port),
    "--accounts", String(accounts),
    "--mnemonic", mnemonic,
    "--chain-id", "31337",
    "--quiet",
  ];
}
