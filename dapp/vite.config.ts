/**
 * The dapp's build: `npm run dapp` (dev server on 127.0.0.1) and `npm run dapp:build` (static
 * files in dapp/dist). The dapp is a thin shell over ../sdk, which Vite bundles from source.
 *
 * Two things besides the defaults:
 *  - **browser guard**: the SDK is shared with Node, so a `node:` import sneaking onto the
 *    browser path would only show up as a runtime crash. The plugin fails the build instead.
 *    The SDK keeps its Node-only parts in their own files (sdk/deployment-file.ts,
 *    sdk/convert/records-file.ts, …), which the dapp never imports.
 *  - **dev config and proxy**: `/sealshare.config.json` is generated from the environment when
 *    it is set (see README "Dapp"), and `/custodian/*` and `/blobs/*` are proxied to the
 *    custodian and the blob server so the browser talks to one origin (the custodian does not
 *    send CORS headers yet).
 */
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin, type ProxyOptions } from "vite";
import { LocalBlobStore } from "../sdk/blob/local.js";
import { blobRoute } from "./dev/blob-route.js";

const DAPP = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(DAPP, "..");

function browserGuard(): Plugin {
  return {
    name: "sealshare-browser-guard",
    enforce: "pre",
    resolveId(source, importer) {
      if (!importer || !(source.startsWith("node:") || isBuiltin(source))) return null;
      const from = relative(ROOT, importer.split("?")[0]!);
      // Only our own code is policed; dependencies' builtin imports are Vite's usual business.
      if (!/^(sdk|dapp\/src|types)\//.test(from)) return null;
      this.error(`${from} imports "${source}", a Node module, on the browser path. Move the Node-only code into a file of its own that the dapp does not import.`);
    },
  };
}

/**
 * Dev only: serves /sealshare.config.json from SEALSHARE_DAPP_CONFIG (a JSON file), or builds it
 * from SEALSHARE_DEPLOYMENT (sdk/contracts.ts Deployment file) + SEALSHARE_RPC_URL; otherwise the
 * example in dapp/public is served as is.
 */
function devConfig(): Plugin {
  return {
    name: "sealshare-dev-config",
    apply: "serve",
    configureServer(server) {
      // SEALSHARE_BLOB_DIR: serve (and accept uploads into) a local blob folder at /blobs/…
      const blobDir = process.env.SEALSHARE_BLOB_DIR;
      if (blobDir) {
        const handle = blobRoute(new LocalBlobStore(resolve(blobDir)));
        server.middlewares.use((req, res, next) => {
          handle(req, res).then((done) => done || next(), next);
        });
      }
      server.httpServer?.once("listening", () => void warnIfExample(server.config.logger));
      server.middlewares.use("/sealshare.config.json", (_req, res, next) => {
        const file = process.env.SEALSHARE_DAPP_CONFIG;
        const deploymentPath = process.env.SEALSHARE_DEPLOYMENT;
        let body: string | undefined;
        if (file && existsSync(file)) body = readFileSync(file, "utf8");
        else if (deploymentPath && existsSync(deploymentPath)) {
          const d = JSON.parse(readFileSync(deploymentPath, "utf8")) as { chainId: string; ledger: string; deployBlock: number; custody?: string };
          const custodianUrls = (process.env.SEALSHARE_CUSTODIAN_URLS ?? "").split(/[\s,]+/).filter(Boolean);
          body = JSON.stringify({
            chainId: Number(d.chainId),
            chainName: Number(d.chainId) === 31337 ? "Hardhat (local)" : `Chain ${d.chainId}`,
            rpcUrl: process.env.SEALSHARE_RPC_URL ?? "http://127.0.0.1:8545",
            ledger: d.ledger,
            deployBlock: d.deployBlock,
            custodianUrl: "/custodian",
            // Threshold custody: the deployment's custody contract, and every custodian's URL when SEALSHARE_CUSTODIAN_URLS names them.
            ...(d.custody ? { custody: d.custody } : {}),
            ...(custodianUrls.length > 0 ? { custodianUrls } : {}),
            blobUrl: "/blobs/{scheme}/{sha256}",
            // No invented explorer: a local chain has none, and a public one has a default in the app.
            ...(process.env.SEALSHARE_EXPLORER_TX_URL ? { explorerTxUrl: process.env.SEALSHARE_EXPLORER_TX_URL } : {}),
          });
        }
        if (!body) return next();
        res.setHeader("content-type", "application/json");
        res.setHeader("cache-control", "no-store");
        res.end(body);
      });
    },
  };
}

/**
 * `npm run dapp` with neither SEALSHARE_DAPP_CONFIG nor SEALSHARE_DEPLOYMENT serves the example
 * config (a ledger address that is likely nothing): said loudly when the custodian does not answer
 * either, since then nothing of the app will work. `sealshare dev` prints the command that sets both.
 */
export async function warnIfExample(logger: { warn(msg: string): void }): Promise<void> {
  const file = process.env.SEALSHARE_DAPP_CONFIG;
  const deployment = process.env.SEALSHARE_DEPLOYMENT;
  if ((file && existsSync(file)) || (deployment && existsSync(deployment))) return;
  const custodian = process.env.SEALSHARE_CUSTODIAN_URL ?? "http://127.0.0.1:8787";
  const answers = await fetch(`${custodian.replace(/\/+$/, "")}/v1/custodian`, { signal: AbortSignal.timeout(3000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (answers) return;
  const given = file ?? deployment;
  logger.warn(
    [
      "",
      "!!! ============================================================================ !!!",
      "!!!  The dapp is serving the EXAMPLE config (dapp/public/sealshare.config.json)  !!!",
      `!!!  and no custodian answers at ${custodian}.`,
      given ? `!!!  ${given} does not exist.` : "!!!  Neither SEALSHARE_DAPP_CONFIG nor SEALSHARE_DEPLOYMENT is set.",
      "!!!  Start `sealshare dev` and run the dapp command it prints, e.g.",
      "!!!    SEALSHARE_DAPP_CONFIG=.sealshare-dev/dapp.config.json SEALSHARE_BLOB_DIR=.sealshare-dev/blobs npm run dapp",
      "!!! ============================================================================ !!!",
      "",
    ].join("\n"),
  );
}

function proxyTo(envVar: string, fallback: string, prefix: string): ProxyOptions {
  return {
    target: process.env[envVar] ?? fallback,
    changeOrigin: true,
    rewrite: (path) => path.slice(prefix.length) || "/",
  };
}

export default defineConfig({
  root: DAPP,
  base: "./",
  publicDir: join(DAPP, "public"),
  plugins: [browserGuard(), devConfig()],
  server: {
    host: "127.0.0.1",
    port: Number(process.env.SEALSHARE_DAPP_PORT ?? 5173),
    fs: { allow: [ROOT] },
    proxy: {
      "/custodian": proxyTo("SEALSHARE_CUSTODIAN_URL", "http://127.0.0.1:8787", "/custodian"),
      // Without SEALSHARE_BLOB_DIR: a blob server elsewhere (sdk/blob/serve.ts serves /sha256/<hex>).
      ...(process.env.SEALSHARE_BLOB_DIR ? {} : { "/blobs": proxyTo("SEALSHARE_BLOB_URL", "http://127.0.0.1:8788", "/blobs") }),
    },
  },
  preview: { host: "127.0.0.1" },
  build: {
    outDir: join(DAPP, "dist"),
    emptyOutDir: true,
    target: "es2022",
    reportCompressedSize: true,
    chunkSizeWarningLimit: 600,
  },
});
