/**
 * `sealshare dev` — everything on this machine, one command: a local node (`hardhat node`, or
 * Anvil with `--node anvil`: devkit/nodes/index.ts), the ledger
 * deployed with its roles wired and the custody contract beside it, the key custodians — a 2-of-3
 * threshold set by default (`--custodians`, `--threshold`; 1-of-1 is a set like any other), each
 * custodian its own process with its own account, ECIES key, SQLite file and port
 * (devkit/custodian-set.ts), the first being the single custodian of `custodianUrl` — a blob
 * folder, an encrypted keystore per role and ready-to-use config files (the dapp's names every
 * custodian's URL). Runs until Ctrl-C, then stops what it started.
 *
 * The accounts are Hardhat's well-known development accounts — public keys, never for real
 * value — and their keystores use a light scrypt setting and the printed password, so commands
 * stay quick. Use `sealshare config new-account` for anything else.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import { encryptKeystoreJson, JsonRpcProvider, Wallet } from "ethers";
import { SealshareError } from "../sdk/errors.js";
import { NODE_KINDS, parseNodeKind, startLocalChain, type LocalChain } from "../devkit/local-chain.js";
import { deployToFolder } from "../devkit/local-deployment.js";
import { startCustodianSet } from "../devkit/custodian-set.js";
import { missingDevTools } from "../devkit/dev-tools.js";
import { action } from "./lib/command.js";
import { UsageError } from "./lib/errors.js";
import type { ConfigFile } from "./lib/config.js";

export const DEV_PASSWORD = "sealshare-dev";
const MARKER = ".sealshare-dev";

/** Role of each of the node's first accounts. */
export const DEV_ROLES = [
  { name: "admin", role: "admin (governance: grants roles, pauses)" },
  { name: "supervisor", role: "supervisor (registers members, approves, revokes)" },
  { name: "custodian", role: "key custodian's signing account (used by the custodian process only)" },
  { name: "bank", role: "provider (a bank; register it as a member first, with --name Bank)" },
  { name: "insurer", role: "requester (an insurer; register it as a member first, with --name Insurer)" },
  { name: "lender", role: "requester (a lender; register it as a member first, with --name Lender)" },
  { name: "ana", role: "subject (the person the data is about)" },
  { name: "auditor", role: "auditor (anyone; needs no role)" },
] as const;

/** The checkout holding the dapp (dapp/vite.config.ts), found upwards from this file; undefined in an installed package without it. */
function dappCheckout(): string | undefined {
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, "dapp", "vite.config.ts")) && existsSync(join(d, "package.json"))) return d;
  }
  return undefined;
}

/** Custodians of the dev set: 1 to 16 (the custody contract's bound). */
function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError("a number from 1 to 16");
  return n;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("a port is a number from 1 to 65535");
  return n;
}

/** A shell word, quoted only when it needs to be. */
const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** Only a folder we created (marked) or an empty/missing one may be wiped. */
async function prepareDir(dir: string): Promise<void> {
  if (existsSync(dir)) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new SealshareError("DIR_NOT_EMPTY", `${dir} exists and was not made by \`sealshare dev\``, { hint: "choose another --dir, or empty it" });
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(join(dir, "keys"), { recursive: true });
  await writeFile(join(dir, MARKER), "made by `sealshare dev`; wiped by the next run\n");
}

export function devCommand(): Command {
  return new Command("dev")
    .description("start a local chain, deploy the ledger and the custody contract, run a set of key custodians and write a ready-to-use config; runs until Ctrl-C")
    .option("--dir <dir>", "working folder (wiped at start)", ".sealshare-dev")
    .option("--write-config <file>", "where to write the config file (default: <dir>/sealshare.config.json)")
    .addOption(new Option("--dapp-port <port>", "the port the dapp will be served on (its origin may sign in to the custodian)").argParser(parsePort).default(5173))
    .addOption(new Option("--node <node>", "the local node to run: Hardhat's (EDR) or Foundry's Anvil").choices(NODE_KINDS).default("hardhat"))
    .addOption(new Option("--custodians <n>", "key custodians to run, each its own process and account, registered as one threshold-custody set").argParser(parseCount).default(3))
    .addOption(new Option("--threshold <t>", "custodians whose shares rebuild a key (default: 2, or 1 with one custodian)").argParser(parseCount))
    .action(
      action<{ dir: string; writeConfig?: string; node: string; dappPort: number; custodians: number; threshold?: number }>(async (s, o) => {
        const threshold = o.threshold ?? Math.min(2, o.custodians);
        if (threshold > o.custodians) throw new UsageError(`--threshold ${threshold} is more than the ${o.custodians} custodian(s)`);
        const node = parseNodeKind(o.node);
        const missing = missingDevTools(node);
        if (missing.length > 0) {
          throw new SealshareError("DEV_TOOLS_MISSING", `\`sealshare dev\` runs the repository's development tools, and this installation lacks ${missing.join(", ")}`, {
            hint: "run it from a checkout of the repository (`npm install`, then `npm run sealshare -- dev`); this command then works against it with --config <checkout>/.sealshare-dev/sealshare.config.json",
          });
        }
        const dappPort = o.dappPort;
        // The dapp's origins: the custodian allows them by CORS and as Sign-In with Ethereum domains.
        const dappOrigins = [`http://127.0.0.1:${dappPort}`, `http://localhost:${dappPort}`];
        const dir = resolve(o.dir);
        const configPath = resolve(o.writeConfig ?? join(dir, "sealshare.config.json"));
        await prepareDir(dir);
        const cleanups: Array<() => Promise<void>> = [];
        const cleanup = async () => {
          for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
          cleanups.length = 0;
        };
        let stop: () => void = () => undefined;
        const stopped = new Promise<void>((res) => (stop = res));
        const onSignal = () => stop();
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        try {
          s.out.note(`starting a local ${node === "anvil" ? "Anvil" : "Hardhat"} node …`);
          // The roles' accounts, then one per custodian beyond the first (the role "custodian").
          const chain: LocalChain = await startLocalChain({ node, accounts: DEV_ROLES.length + o.custodians - 1 });
          cleanups.push(() => chain.stop());
          const provider = new JsonRpcProvider(chain.url, undefined, { pollingInterval: 100, cacheTimeout: -1 });
          cleanups.push(async () => provider.destroy());
          const wallets = chain.accounts.slice(0, DEV_ROLES.length).map((k) => new Wallet(k, provider));
          const by = (name: (typeof DEV_ROLES)[number]["name"]) => wallets[DEV_ROLES.findIndex((r) => r.name === name)]!;

          s.out.note("deploying the ledger and the custody contract …");
          const { ledger, custody, deployment, deploymentPath } = await deployToFolder(by("admin"), { supervisors: [by("supervisor").address], custodian: by("custodian").address }, dir);

          s.out.note(`starting ${o.custodians} key custodian${o.custodians > 1 ? "s" : ""} and registering them as a ${threshold}-of-${o.custodians} set …`);
          const custodianKeys = [by("custodian").privateKey, ...chain.accounts.slice(DEV_ROLES.length, DEV_ROLES.length + o.custodians - 1)];
          const set = await startCustodianSet({
            rpcUrl: chain.url,
            deploymentPath,
            dir,
            ledger,
            custody,
            admin: by("admin"),
            custodianKeys,
            threshold,
            env: { SEALSHARE_CORS_ORIGINS: dappOrigins.join(",") },
          });
          cleanups.push(() => set.stopAll());
          const custodian = set.members[0]!;
          const custodians = set.members.map((m) => ({ index: m.index, address: m.address, url: m.url, log: m.logPath }));

          const accounts: Record<string, string> = {};
          const names: Record<string, string> = {};
          const listed = [];
          for (const [i, r] of DEV_ROLES.entries()) {
            const w = wallets[i]!;
            names[w.address] = r.name;
            let keystore: string | undefined;
            if (r.name !== "custodian") {
              keystore = join(dir, "keys", `${r.name}.json`);
              await writeFile(keystore, await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, DEV_PASSWORD, { scrypt: { N: 1 << 12 } }), { mode: 0o600 });
              accounts[r.name] = relative(resolve(configPath, ".."), keystore) || keystore;
            }
            listed.push({ name: r.name, role: r.role, address: w.address, ...(keystore ? { keystore } : {}) });
          }
          for (const m of set.members.slice(1)) names[m.address] = `custodian-${m.index + 1}`;
          const blobDir = join(dir, "blobs");
          await mkdir(blobDir, { recursive: true });
          const config: ConfigFile = {
            rpcUrl: chain.url,
            deployment: relative(resolve(configPath, ".."), deploymentPath),
            custodianUrl: custodian.url,
            blobDir: relative(resolve(configPath, ".."), blobDir) || ".",
            accounts,
            names,
          };
          await writeFile(configPath, JSON.stringify(config, null, 2) + "\n");

          // The dapp's own config (dapp/src/lib/config.ts): no explorer on a local chain.
          const dappConfigPath = join(dir, "dapp.config.json");
          const dappConfig = {
            chainId: Number(deployment.chainId),
            chainName: `Local ${node === "anvil" ? "Anvil" : "Hardhat"} chain`,
            rpcUrl: chain.url,
            ledger: deployment.ledger,
            deployBlock: deployment.deployBlock,
            custodianUrl: custodian.url,
            // Threshold custody: the custody contract (the set, its keys and roles are read from it on chain) and every custodian's URL.
            custody: deployment.custody,
            custodianUrls: set.urls(),
            blobUrl: "/blobs/{scheme}/{sha256}",
            names,
          };
          await writeFile(dappConfigPath, JSON.stringify(dappConfig, null, 2) + "\n");
          const checkout = dappCheckout();
          const dappCommand = checkout
            ? [`SEALSHARE_DAPP_CONFIG=${shellWord(dappConfigPath)}`, `SEALSHARE_BLOB_DIR=${shellWord(blobDir)}`, `SEALSHARE_DAPP_PORT=${dappPort}`, "npm", "--prefix", shellWord(checkout), "run", "dapp"].join(" ")
            : undefined;

          const ready = {
            node,
            rpcUrl: chain.url,
            custodianUrl: custodian.url,
            custody: deployment.custody,
            custodianSet: { setId: set.setId, threshold, custodians },
            chainId: deployment.chainId,
            ledger: deployment.ledger,
            deployBlock: deployment.deployBlock,
            config: configPath,
            keystorePassword: DEV_PASSWORD,
            dir,
            accounts: listed,
            dapp: { config: dappConfigPath, url: `${dappOrigins[0]}/`, origins: dappOrigins, ...(dappCommand ? { command: dappCommand } : {}) },
          };
          s.out.result(ready, [
            "Sealshare dev environment is up.",
            `  chain      ${chain.url} (${node}, chain id ${deployment.chainId})`,
            `  ledger     ${deployment.ledger}`,
            `  custody    ${deployment.custody}  (set #${set.setId}: any ${threshold} of ${o.custodians} custodian${o.custodians > 1 ? "s" : ""} rebuild a key)`,
            ...custodians.map((c) => `  custodian ${c.index + 1}  ${c.url}  ${c.address}  (log: ${c.log})`),
            `  blobs      ${blobDir}`,
            `  config     ${configPath}`,
            "",
            "Accounts (Hardhat development keys — never use them for real value):",
            ...listed.map((a) => `  ${a.name.padEnd(10)} ${a.address}  ${a.role}`),
            "",
            "In another terminal:",
            `  export SEALSHARE_CONFIG=${configPath}`,
            `  export SEALSHARE_KEYSTORE_PASSWORD=${DEV_PASSWORD}`,
            `  export SEALSHARE_CUSTODIAN_URLS=${shellWord(set.urls().join(" "))}`,
            `  sealshare --as supervisor members register ${by("bank").address} --kyc-ref KYC-BANK-1 --name Bank`,
            "  (the --name goes into the member's record on chain: every reader shows it as verified; the",
            "  names in the config files are shown flagged unverified)",
            "",
            dappCommand
              ? `The dapp (then open ${dappOrigins[0]}/ ; its origin may sign in to the custodian):\n  ${dappCommand}`
              : `The dapp runs from a Sealshare checkout: SEALSHARE_DAPP_CONFIG=${dappConfigPath} SEALSHARE_BLOB_DIR=${blobDir} SEALSHARE_DAPP_PORT=${dappPort} npm run dapp`,
            "",
            "Press Ctrl-C to stop.",
          ]);
          await stopped;
          s.out.note("stopping …");
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          await cleanup();
        }
      }),
    );
}
