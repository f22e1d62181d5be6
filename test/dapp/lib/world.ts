/**
 * Everything the browser tests run against, started for real: the dapp built by Vite, a
 * `hardhat node`, the ledger deployed on it, the key custodian as its own process (CORS open to
 * the dapp's origin), a server for the built dapp and the ciphertext blobs, and Debian's
 * Chromium driven by playwright-core — one browser context per role, each with its own injected
 * wallet holding that role's Hardhat account.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsonRpcProvider, Wallet } from "ethers";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { build, type InlineConfig } from "vite";
import type { Deployment } from "../../../sdk/contracts.js";
import type { CustodianProcess } from "../../../devkit/custodian-process.js";
import { startProcessWorld } from "../../../devkit/process-world.js";
import { startLocalChain, type LocalChain } from "../../../devkit/local-chain.js";
import { startDappServer, type DappServer } from "./dapp-server.js";
import { injectWallet, type InjectedWallet } from "./wallet-bridge.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const SCREENSHOTS = join(ROOT, "test-results", "screenshots");
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Chromium flags for this machine's closed network (no background calls home). Playwright adds
 * `--headless` and `--no-sandbox` itself for these launch options, and gives every launch a fresh
 * `--user-data-dir` of its own (it refuses one passed in `args`).
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * The production build `npm run dapp:build` makes, into `outDir`. `hardhat test` sets
 * NODE_ENV=test, with which Vite would resolve libraries' development builds (lit's dev mode), so
 * NODE_ENV is "production" for the duration of the build.
 */
export async function buildDapp(outDir: string, opts: Omit<InlineConfig, "configFile" | "build"> = {}): Promise<void> {
  const saved = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ logLevel: "error", ...opts, configFile: join(ROOT, "dapp", "vite.config.ts"), build: { outDir, emptyOutDir: true } });
  } finally {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  }
}

export type RoleName = "supervisor" | "bank" | "insurer" | "lender" | "ana" | "auditor";

/** Hardhat accounts by index: 0 deploys, 6 is the custodian. */
const ACCOUNT_OF: Record<RoleName, number> = { supervisor: 1, bank: 2, insurer: 3, lender: 4, ana: 5, auditor: 7 };
const CUSTODIAN = 6;
export const DISPLAY: Record<RoleName, string> = { supervisor: "Supervisor", bank: "Bank", insurer: "Insurer", lender: "Lender", ana: "Ana", auditor: "Auditor" };

export interface Role {
  name: RoleName;
  address: string;
  context: BrowserContext;
  page: Page;
  wallet: InjectedWallet;
  /** Uncaught page errors and console errors, for the assertion that there are none. */
  errors: string[];
  /** Opens a route of the dapp (`/supervisor`, `/subject?ask=…`) and waits for its heading. */
  go(route: string): Promise<void>;
  /** Presses the header's Connect button and waits for the account to show. */
  connect(): Promise<void>;
  /** A full-page screenshot into test-results/screenshots/<name>.png. */
  shot(name: string): Promise<void>;
  /** The list item of request #id on the current page (every page marks rows with data-request). */
  request(id: string | bigint): Locator;
}

export interface World {
  chain: LocalChain;
  provider: JsonRpcProvider;
  deployment: Deployment;
  custodian: CustodianProcess;
  server: DappServer;
  browser: Browser;
  workDir: string;
  config: Record<string, unknown>;
  addresses: Record<RoleName, string>;
  /** The role's account outside the browser (for setting up what a test is not about). */
  wallet(name: RoleName): Wallet;
  /** Opens a browser context for `name` with its wallet; `startChainId` puts the wallet on another chain first. */
  role(name: RoleName, opts?: { startChainId?: number; viewport?: { width: number; height: number } }): Promise<Role>;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (Debian's chromium package)`);
  const workDir = await mkdtemp(join(tmpdir(), "sealshare-dapp-"));
  const cleanups: Array<() => Promise<unknown>> = [() => rm(workDir, { recursive: true, force: true })];
  const stop = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const distDir = join(workDir, "dist");
    // The dapp's production build, into a private folder, while the node starts.
    const chainStarting = startLocalChain({ accounts: 8 });
    const built = buildDapp(distDir);
    const [chainResult, buildResult] = await Promise.allSettled([chainStarting, built]);
    if (chainResult.status === "fulfilled") cleanups.push(() => chainResult.value.stop());
    if (chainResult.status === "rejected") throw chainResult.reason;
    if (buildResult.status === "rejected") throw buildResult.reason;
    const chain = chainResult.value;
    const server = await startDappServer({ distDir, blobDir: join(workDir, "blobs") });
    cleanups.push(() => server.close());
    const browserLaunching: Promise<Browser> = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    browserLaunching.catch(() => undefined); // awaited below; a failure there must not go unhandled meanwhile
    cleanups.push(() => browserLaunching.then((b) => b.close()));

    // The ledger and the custodian as its own process (devkit/process-world.ts), its CORS
    // allow-list the dapp's origin. Receipts one by one (KeyReleased events, which the auditor's
    // timeline shows); the SDK's listReleaseReceipts reads batched ones as well.
    const deployed = await startProcessWorld({
      chain,
      dir: workDir,
      accounts: { admin: 0, supervisors: [ACCOUNT_OF.supervisor], custodian: CUSTODIAN },
      custodianEnv: { SEALSHARE_CORS_ORIGINS: server.origin },
      receipts: "single",
    });
    cleanups.push(() => deployed.stop());
    const { provider, deployment, custodian } = deployed;
    const keys = chain.accounts;
    const address = (i: number) => deployed.wallet(i).address;
    const addresses = Object.fromEntries(Object.entries(ACCOUNT_OF).map(([n, i]) => [n, address(i)])) as Record<RoleName, string>;

    const names: Record<string, string> = { [address(CUSTODIAN)]: "Custodian" };
    for (const n of Object.keys(ACCOUNT_OF) as RoleName[]) names[addresses[n]] = DISPLAY[n];
    const config = {
      chainId: Number(deployment.chainId),
      chainName: "Hardhat (local)",
      rpcUrl: chain.url,
      ledger: deployment.ledger,
      deployBlock: deployment.deployBlock,
      custodianUrl: custodian.url,
      blobUrl: `${server.origin}/blobs/{scheme}/{sha256}`,
      explorerTxUrl: "https://explorer.example/tx/{hash}",
      names,
      pollMs: 500,
    };
    server.setConfig(config);
    const browser = await browserLaunching; // started before the custodian, meanwhile

    await mkdir(SCREENSHOTS, { recursive: true });

    const role: World["role"] = async (name, opts = {}) => {
      const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 900 }, acceptDownloads: true });
      const wallet = await injectWallet(context, {
        privateKey: keys[ACCOUNT_OF[name]]!,
        rpcUrl: chain.url,
        chainId: Number(deployment.chainId),
        startChainId: opts.startChainId,
        name: `${DISPLAY[name]}'s wallet`,
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        // Resources the browser could not load (expected 4xx of probes) are not page errors.
        if (m.type() === "error" && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
      });
      return {
        name,
        address: wallet.address,
        context,
        page,
        wallet,
        errors,
        async go(route) {
          await page.goto(`${server.url}/#${route}`);
          await page.getByRole("heading", { level: 2 }).first().waitFor();
        },
        async connect() {
          await page.getByTestId("connect").click();
          await page.getByTestId("account").waitFor();
        },
        async shot(file) {
          await page.screenshot({ path: join(SCREENSHOTS, `${file}.png`), fullPage: true });
        },
        request: (id) => page.locator(`li[data-request="${id}"]`),
      };
    };

    const wallet = (name: RoleName) => deployed.wallet(ACCOUNT_OF[name]);
    return { chain, provider, deployment, custodian, server, browser, workDir, config, addresses, wallet, role, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
