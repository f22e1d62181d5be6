/**
 * A small static server for a LocalBlobStore folder, so a provider can expose its ciphertexts at
 * `http(s)://<host>/<merkle|sha256>/<64 hex>` (uri.ts) — the form HttpBlobStore and downloadVerified read, with
 * byte ranges for resumable downloads and for decryptRange.
 *
 * What it serves is ciphertext, content-addressed and immutable: responses carry the hash as a
 * strong ETag and may be cached forever. It does not verify blobs before serving them; readers
 * check against the chain (downloadVerified, fetchVerified, decryptRange). Only GET, HEAD and (with
 * `corsOrigin`) OPTIONS; one range per request (a multi-range request gets the whole blob, which
 * RFC 9110 §14.2 allows). Put TLS and rate limits in front of it (a reverse proxy) in production.
 *
 * With `authorization`, every GET and HEAD must carry exactly that `Authorization` header value
 * (the value readers send from SEALSHARE_BLOB_AUTHORIZATION), else 401 — compared in constant
 * time, never logged or echoed. Ciphertext is useless without its key, but a provider may still
 * not want strangers to enumerate or mirror it. A CORS preflight needs no credential (browsers
 * send none with it).
 *
 * @example
 * const server = await startBlobServer({ store: new LocalBlobStore("./blobs"), port: 8080 });
 * console.log(`serving at ${server.url}merkle/<hex>`);
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { LocalBlobStore } from "./local.js";
import { blobUri, type BlobScheme } from "./uri.js";

export interface BlobServerOptions {
  /** The store to serve, or its root folder. */
  readonly store: LocalBlobStore | string;
  /** Allow browsers from this origin (e.g. the dapp's, or "*") to read blobs and ranges. */
  readonly corsOrigin?: string;
  /** Serve only requests whose `Authorization` header is exactly this value (e.g. "Bearer …"). */
  readonly authorization?: string;
}

export interface RunningBlobServer {
  readonly server: Server;
  /** Base URL ending in "/"; blobs are at `${url}merkle/<hex>` (v2 streams) or `${url}sha256/<hex>`. */
  readonly url: string;
  close(): Promise<void>;
}

const BLOB_PATH = /^\/(merkle|sha256)\/([0-9a-f]{64})$/;

/** Creates (but does not start) the HTTP server. */
export function createBlobServer(opts: BlobServerOptions): Server {
  const store = typeof opts.store === "string" ? new LocalBlobStore(opts.store) : opts.store;
  return createServer((req, res) => {
    handle(store, opts, req, res).catch((error: unknown) => {
      // Nothing about the request or the file system goes back to the client.
      if (!res.headersSent) send(res, 500, "internal error");
      else res.destroy(error as Error);
    });
  });
}

/** Starts a server on `host:port` (default 127.0.0.1 and a free port). */
export async function startBlobServer(opts: BlobServerOptions & { host?: string; port?: number }): Promise<RunningBlobServer> {
  const server = createBlobServer(opts);
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(store: LocalBlobStore, opts: BlobServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (opts.corsOrigin !== undefined) {
    res.setHeader("access-control-allow-origin", opts.corsOrigin);
    res.setHeader("access-control-expose-headers", "content-range, content-length, accept-ranges, etag");
    if (opts.corsOrigin !== "*") res.setHeader("vary", "origin");
  }
  if (req.method === "OPTIONS" && opts.corsOrigin !== undefined) {
    res.setHeader("access-control-allow-methods", "GET, HEAD");
    res.setHeader("access-control-allow-headers", `range, if-range, if-none-match${opts.authorization !== undefined ? ", authorization" : ""}`);
    res.setHeader("access-control-max-age", "86400");
    res.writeHead(204).end();
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    send(res, 405, "method not allowed");
    return;
  }
  if (opts.authorization !== undefined && !sameSecret(req.headers.authorization, opts.authorization)) {
    res.setHeader("www-authenticate", 'Bearer realm="sealshare-blobs"');
    send(res, 401, "this blob server needs the Authorization header its provider gave you (SEALSHARE_BLOB_AUTHORIZATION)");
    return;
  }
  const match = BLOB_PATH.exec(new URL(req.url ?? "/", "http://blob.invalid").pathname);
  if (match === null) {
    send(res, 404, "not found; blobs are at /merkle/<64 lowercase hex> or /sha256/<64 lowercase hex>");
    return;
  }
  const hex = match[2]!;
  const path = store.path(blobUri(`0x${hex}`, match[1] as BlobScheme));
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
    size = info.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    send(res, 404, "no such blob");
    return;
  }

  const etag = `"${hex}"`;
  res.setHeader("accept-ranges", "bytes");
  res.setHeader("etag", etag);
  res.setHeader("cache-control", "public, max-age=31536000, immutable");
  res.setHeader("content-type", "application/octet-stream");
  res.setHeader("x-content-type-options", "nosniff");
  if (req.headers["if-none-match"]?.split(",").some((tag) => tag.trim() === etag)) {
    res.writeHead(304).end();
    return;
  }

  // A Range is honoured unless If-Range names another representation (never, for content-
  // addressed blobs, unless the client is confused — then it gets the whole blob, as RFC 9110 says).
  const ifRange = req.headers["if-range"];
  const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, size) : undefined;
  if (range === "unsatisfiable") {
    res.setHeader("content-range", `bytes */${size}`);
    send(res, 416, "range not satisfiable");
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  if (range !== undefined) res.setHeader("content-range", `bytes ${start}-${end}/${size}`);
  res.setHeader("content-length", String(Math.max(0, end - start + 1)));
  res.writeHead(range === undefined ? 200 : 206);
  if (req.method === "HEAD" || size === 0) {
    res.end();
    return;
  }
  await pipeline(createReadStream(path, { start, end, highWaterMark: 1024 * 1024 }), res);
}

/**
 * Parses a single `bytes=` range (RFC 9110 §14.1.2) against `size`. Returns undefined when the
 * whole blob should be sent (no header, another unit, several ranges, or a malformed header —
 * all of which a server may ignore), or "unsatisfiable" for a range wholly outside the blob.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last); // the last N bytes
    if (suffix === 0) return "unsatisfiable";
    return size === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return undefined; // invalid: ignore it
  if (start >= size) return "unsatisfiable";
  return { start, end };
}

/** Constant-time equality of a presented credential and the expected one (hashed first: equal lengths). */
function sameSecret(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function send(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" }).end(`${message}\n`);
}
