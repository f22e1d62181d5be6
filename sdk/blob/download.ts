/**
 * Resumable, verified downloads: a blob appears under its real name only once its digest — the
 * Merkle root of a version-2 stream, or the SHA-256 of a `sha256` blob (uri.ts) — equals the
 * value registered on chain.
 *
 * Servers are untrusted for integrity (the hash check is what counts) but not for availability,
 * so downloads resume: bytes received so far stay in `<dest>.part`, and a retry — in the same
 * call after a back-off, or in a later call — asks for the rest with `Range: bytes=<have>-`. A
 * server that ignores Range (answers 200) is handled by starting again from byte 0; one that
 * says the `.part` is already complete (416 with the same total) by verifying it as is.
 *
 * Transport: node:http(s), not fetch. Every chunk is written to the `.part` file synchronously as
 * it is emitted, so when a connection drops, every byte the client received is kept; fetch's
 * WHATWG body stream discards what it has queued when it errors, which loses up to its whole
 * queue on each cut. Redirects are followed (at most 5), dropping credentials across origins.
 *
 * @example
 * const { path } = await downloadVerified(record.storageURI, record.merkleRoot, "statement.sealed", {
 *   expectedSize: Number(record.size),
 *   onProgress: ({ bytes, total }) => bar.update(bytes / (total ?? 1)),
 * });
 */
import { closeSync, createReadStream, openSync, writeSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { isBytes32Hex, type Hex } from "../stream/hex.js";
import { commitFile } from "./atomic.js";
import { contentHash, type ContentHash } from "./content-hash.js";
import { BlobError, BlobHttpError, BlobIntegrityError, BlobNotFoundError, BlobSizeError } from "./errors.js";
import { parseContentRange, redactUrl } from "./http-range.js";
import { blobSchemeOf, type BlobScheme } from "./uri.js";

/** Progress of a download: bytes on disk so far, and the blob's size once the server said it. */
export interface DownloadProgress {
  readonly bytes: number;
  readonly total: number | undefined;
}

export interface DownloadOptions {
  /**
   * What the expected digest is: the Merkle root of a version-2 stream ("merkle") or a SHA-256.
   * Default: the URL's path says, "sha256" under a `/sha256/` folder, "merkle" otherwise.
   */
  readonly scheme?: BlobScheme;
  /** Called as bytes arrive (and at the start of each attempt with the bytes kept so far). */
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** The size registered on chain: a blob that turns out larger is refused without reading on. */
  readonly expectedSize?: number;
  /** Further attempts after a retryable failure, each resuming where the last stopped. Default 5. */
  readonly retries?: number;
  /** First back-off delay in ms, doubled per attempt up to 5 s. Default 250. */
  readonly retryDelayMs?: number;
  /** An attempt that receives nothing for this long is aborted (and retried). Default 30 000. */
  readonly idleTimeoutMs?: number;
  /** Cancels the download; the `.part` file is kept for a later resume. */
  readonly signal?: AbortSignal;
  /** Extra request headers, e.g. authorization. Never logged; all dropped on cross-origin redirects. */
  readonly headers?: Record<string, string>;
  /**
   * Called with each redirect target before it is followed: false (or a throw) refuses it.
   * HttpBlobStore uses it to keep redirects on its allowed origins.
   */
  readonly allowRedirect?: (url: string) => boolean;
}

export interface DownloadResult {
  readonly path: string; // destPath, now holding the verified blob
  readonly scheme: BlobScheme;
  readonly digest: Hex;
  readonly size: number;
  /** Bytes reused from a `.part` file left by an earlier call (0 for a fresh download). */
  readonly resumedFrom: number;
  /** HTTP requests made (redirects not counted), including resumptions and restarts. */
  readonly requests: number;
}

/**
 * Downloads `url` to `destPath`, resuming from `<destPath>.part`, and renames it into place only
 * if its digest (`opts.scheme`) equals `expected`. On a mismatch the partial file is deleted and
 * BlobIntegrityError thrown — after one fresh retry if a stale `.part` of an earlier call may be
 * what is wrong — and nothing appears at `destPath`. One download per destination at a time.
 * Throws BlobNotFoundError (404/410), BlobSizeError (larger than `expectedSize`), or
 * BlobHttpError once retries are exhausted or for a failure retrying cannot fix.
 */
export async function downloadVerified(url: string, expectedDigest: Hex, destPath: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  if (!isBytes32Hex(expectedDigest)) throw new TypeError("the expected digest must be 0x-prefixed 32-byte hex");
  const expected = expectedDigest.toLowerCase();
  const scheme = opts.scheme ?? blobSchemeOf(url);
  const partPath = `${destPath}.part`;
  const retries = opts.retries ?? 5;
  const resumedFrom = await sizeOf(partPath);
  let requests = 0;
  let failures = 0;
  let freshRestartDone = resumedFrom === 0;

  for (;;) {
    let attempt: { digest: Hex | undefined; size: number };
    try {
      requests++;
      attempt = await downloadAttempt(url, partPath, scheme, opts);
    } catch (error) {
      opts.signal?.throwIfAborted();
      if (!(error instanceof BlobHttpError && error.retryable) || failures >= retries) {
        if (error instanceof BlobSizeError) await rm(partPath, { force: true });
        throw error;
      }
      await sleep(Math.min(5_000, (opts.retryDelayMs ?? 250) * 2 ** failures++), undefined, { signal: opts.signal });
      continue;
    }
    if (attempt.digest === expected) {
      await commitFile(partPath, destPath);
      return { path: destPath, scheme, digest: attempt.digest, size: attempt.size, resumedFrom, requests };
    }
    await rm(partPath, { force: true });
    if (!freshRestartDone) {
      freshRestartDone = true; // the stale .part may be what is wrong: try once from byte 0
      continue;
    }
    throw new BlobIntegrityError(redactUrl(url), expectedDigest, attempt.digest, scheme);
  }
}


/** The digest, or undefined when the bytes cannot have one (a "merkle" blob that is not a v2 stream). */
function finish(hash: ContentHash): Hex | undefined {
  try {
    return hash.digest();
  } catch {
    return undefined;
  }
}

/**
 * One request: continue `.part` from its current size (or restart it), append what arrives, and
 * return the digest and size of the whole `.part`. Bytes kept from before are re-hashed from
 * disk, so the digest always describes exactly the bytes in the file.
 */
async function downloadAttempt(url: string, partPath: string, scheme: BlobScheme, opts: DownloadOptions): Promise<{ digest: Hex | undefined; size: number }> {
  const shown = redactUrl(url);
  let have = await sizeOf(partPath);
  if (opts.expectedSize !== undefined && have > opts.expectedSize) {
    await rm(partPath, { force: true }); // longer than the registered blob: useless
    have = 0;
  }

  const idle = new IdleTimer(opts.idleTimeoutMs ?? 30_000);
  const signal = opts.signal === undefined ? idle.signal : AbortSignal.any([opts.signal, idle.signal]);
  try {
    const headers: Record<string, string> = { ...opts.headers, "accept-encoding": "identity" };
    if (have > 0) headers.range = `bytes=${have}-`;
    let response: IncomingMessage;
    try {
      response = await get(url, headers, signal, opts.allowRedirect);
    } catch (cause) {
      if (cause instanceof BlobError) throw cause;
      throw new BlobHttpError(shown, undefined, idle.fired ? "no response before the idle timeout" : "request failed", true, { cause });
    }

    const status = response.statusCode ?? 0;
    const range = parseContentRange(response.headers["content-range"]);
    let append = false;
    let total: number | undefined;
    if (status === 206 && have > 0 && range?.start === have) {
      append = true;
      total = range.total;
    } else if (status === 416 && have > 0 && range?.total === have) {
      response.resume();
      return { digest: await hashFile(partPath, scheme), size: have }; // the .part was already complete
    } else if (status === 200) {
      const length = response.headers["content-length"];
      total = length === undefined ? undefined : Number(length); // the server ignored Range: start over
    } else {
      response.resume();
      if (status === 206 || status === 416) {
        await rm(partPath, { force: true }); // an answer for another range: start over next time
        throw new BlobHttpError(shown, status, "the server answered a different range", true);
      }
      if (status === 404 || status === 410) throw new BlobNotFoundError(shown);
      throw new BlobHttpError(shown, status, "unexpected response", status === 408 || status === 429 || status >= 500);
    }
    if (opts.expectedSize !== undefined && total !== undefined && total !== opts.expectedSize) {
      response.destroy();
      throw new BlobSizeError(shown, opts.expectedSize, total);
    }

    const hash = contentHash(scheme);
    if (append) for await (const piece of createReadStream(partPath, { end: have - 1, highWaterMark: 1024 * 1024 })) hash.update(piece as Buffer);
    const size = await receive(response, partPath, append, hash, append ? have : 0, total, idle, opts, shown);
    return { digest: finish(hash), size };
  } finally {
    idle.stop();
  }
}

/**
 * Writes the body to `partPath` chunk by chunk, synchronously as each is emitted, hashing only
 * what is on disk. A write of one network chunk to the page cache takes microseconds; doing it
 * synchronously means nothing is ever queued in memory, so a cut loses nothing received.
 */
function receive(
  response: IncomingMessage,
  partPath: string,
  append: boolean,
  hash: ContentHash,
  start: number,
  total: number | undefined,
  idle: IdleTimer,
  opts: DownloadOptions,
  shown: string,
): Promise<number> {
  const fd = openSync(partPath, append ? "a" : "w", 0o600);
  let size = start;
  opts.onProgress?.({ bytes: size, total });
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      closeSync(fd);
      if (error === undefined) resolve(size);
      else reject(error);
    };
    response.on("data", (chunk: Buffer) => {
      if (settled) return;
      try {
        idle.reset();
        if (opts.expectedSize !== undefined && size + chunk.length > opts.expectedSize) {
          throw new BlobSizeError(shown, opts.expectedSize, size + chunk.length);
        }
        for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
        hash.update(chunk);
        size += chunk.length;
        opts.onProgress?.({ bytes: size, total });
      } catch (error) {
        response.destroy();
        settle(error);
      }
    });
    response.on("end", () => {
      if (total !== undefined && size < total) settle(new BlobHttpError(shown, response.statusCode, `the body ended after ${size} of ${total} bytes`, true));
      else settle();
    });
    const cut = (cause?: unknown) => {
      opts.signal?.aborted ? settle(opts.signal.reason) : settle(new BlobHttpError(shown, response.statusCode, idle.fired ? "the transfer stalled" : "the transfer was cut off", true, { cause }));
    };
    response.on("error", cut);
    response.on("close", () => {
      if (!response.complete) cut();
    });
  });
}

/**
 * GET `url`, following up to 5 redirects that `allow` accepts; the caller's headers (credentials)
 * are not sent to another origin — only `range` and `accept-encoding` travel there.
 */
async function get(url: string, headers: Record<string, string>, signal: AbortSignal, allow?: (url: string) => boolean, hops = 0): Promise<IncomingMessage> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : target.protocol === "http:" ? httpRequest : undefined;
  if (send === undefined) throw new BlobHttpError(redactUrl(url), undefined, "only http and https URLs can be downloaded", false);
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(target, { headers, signal }, resolve);
    req.on("error", reject);
    req.end();
  });
  const location = response.headers.location;
  if (![301, 302, 303, 307, 308].includes(response.statusCode ?? 0) || location === undefined) return response;
  response.resume();
  if (hops >= 5) throw new BlobHttpError(redactUrl(url), response.statusCode, "too many redirects", false);
  const next = new URL(location, target);
  if (allow !== undefined && !allow(next.href)) throw new BlobHttpError(redactUrl(next.href), response.statusCode, "redirect refused", false);
  const forwarded = next.origin === target.origin ? headers : Object.fromEntries(Object.entries(headers).filter(([name]) => /^(range|accept-encoding)$/i.test(name)));
  return get(next.href, forwarded, signal, allow, hops + 1);
}

/** Aborts its signal when reset() has not been called for `ms` milliseconds. */
class IdleTimer {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.#ms = ms;
    this.reset();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get fired(): boolean {
    return this.#controller.signal.aborted;
  }

  reset(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#controller.abort(new Error("idle timeout")), this.#ms);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

async function hashFile(path: string, scheme: BlobScheme): Promise<Hex | undefined> {
  const hash = contentHash(scheme);
  for await (const piece of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(piece as Buffer);
  return finish(hash);
}
