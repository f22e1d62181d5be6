/**
 * Serves the built dapp for the browser tests, on one 127.0.0.1 origin:
 *
 *   GET /sealshare.config.json     the deployment under test (replaces the example in the build)
 *   /blobs/sha256/<hex>            ciphertexts: GET/HEAD and the provider page's PUT, over a
 *                                  LocalBlobStore (dapp/dev/blob-route.ts, as `npm run dapp`)
 *   GET anything else              the static build (index.html for unknown paths)
 *
 * A test can make the blob route misbehave for one ciphertext (`misbehave`): its GET is then
 * answered by the test's handler instead of the store (an oversized or endless blob, …).
 *
 * The custodian is NOT proxied: the dapp reaches it cross-origin, through the custodian's own
 * CORS allow-list, as in production.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { LocalBlobStore } from "../../../sdk/blob/local.js";
import { blobRoute } from "../../../dapp/dev/blob-route.js";

export interface DappServer {
  url: string; // origin, no trailing slash
  origin: string;
  blobs: LocalBlobStore;
  setConfig(config: unknown): void;
  /** Answers GETs of blob `sha256` (0x hex) with `handler` from now on; without one, the store again. */
  misbehave(digest: string, handler?: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

export async function startDappServer(o: { distDir: string; blobDir: string }): Promise<DappServer> {
  const blobs = new LocalBlobStore(o.blobDir);
  const blobsHandled = blobRoute(blobs);
  let config: unknown = {};
  const misbehaving = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();

  const serveStatic = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const rel = normalize(decodeURIComponent(path)).replace(/^([/\\])+/, "");
    let file = join(o.distDir, rel);
    if (!file.startsWith(o.distDir + sep) && file !== o.distDir) return void res.writeHead(403).end();
    try {
      if (!(await stat(file)).isFile()) file = join(o.distDir, "index.html");
    } catch {
      file = join(o.distDir, "index.html");
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    if (req.method === "HEAD") return void res.end();
    createReadStream(file).pipe(res);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://dapp.invalid");
    (async () => {
      const odd = req.method === "GET" ? misbehaving.get(/^\/blobs\/(?:merkle|sha256)\/([0-9a-f]{64})$/.exec(url.pathname)?.[1] ?? "") : undefined;
      if (odd) {
        odd(req, res);
      } else if (url.pathname === "/sealshare.config.json") {
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(config));
      } else if (await blobsHandled(req, res)) {
        // answered
      } else if (req.method === "GET" || req.method === "HEAD") {
        await serveStatic(req, res, url.pathname);
      } else {
        res.writeHead(405).end();
      }
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end("internal error\n");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    origin,
    blobs,
    setConfig: (c) => (config = c),
    misbehave: (digest, handler) => {
      const hex = digest.replace(/^0x/, "").toLowerCase();
      if (handler) misbehaving.set(hex, handler);
      else misbehaving.delete(hex);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
