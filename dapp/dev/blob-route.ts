/**
 * Ciphertext blobs over HTTP for a dapp served locally (`npm run dapp` with SEALSHARE_BLOB_DIR,
 * and the browser tests): one route, `/blobs/<merkle|sha256>/<64 hex>`, over a LocalBlobStore folder.
 *
 *   GET | HEAD   served by sdk/blob/serve.ts (ranges, strong ETag)
 *   PUT          the provider page's upload: stored content-addressed and refused (422) unless
 *                the bytes hash to the URL's <hex>. Unauthenticated: for a local machine only;
 *                a real deployment puts an authenticated upload endpoint here.
 *
 * Node only (it is never bundled into the dapp).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createBlobServer } from "../../sdk/blob/serve.js";
import { LocalBlobStore } from "../../sdk/blob/local.js";

const ROUTE = /^\/blobs(\/(merkle|sha256)\/([0-9a-f]{64}))$/;
const MAX_UPLOAD = 256 * 1024 * 1024;

/** Returns a handler that answers `/blobs/…` requests (true) and leaves the rest (false). */
export function blobRoute(store: LocalBlobStore): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const server = createBlobServer({ store });
  return async (req, res) => {
    const m = ROUTE.exec(new URL(req.url ?? "/", "http://local.invalid").pathname);
    if (!m) return false;
    if (req.method === "PUT") {
      if (Number(req.headers["content-length"] ?? 0) > MAX_UPLOAD) {
        res.writeHead(413).end("too large\n");
        return true;
      }
      const stored = await store.put(req);
      const ok = stored.scheme === m[2] && stored.digest === `0x${m[3]}`;
      res.writeHead(ok ? 201 : 422, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? stored : { error: "the body is not named by the URL (its Merkle root, or SHA-256)", scheme: stored.scheme, digest: stored.digest }));
      return true;
    }
    req.url = m[1]!;
    server.emit("request", req, res);
    return true;
  };
}
