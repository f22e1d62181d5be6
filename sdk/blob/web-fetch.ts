/**
 * Ciphertexts over HTTP with the global fetch (browsers, and Node ≥ 18), handed over only once
 * verified against what the chain registered. Platform-neutral: no `node:*`, no Buffer.
 *
 * - **where**: a storage URI is chosen by whoever registered the version, so it is untrusted. A
 *   content-addressed URI (`blob://sha256/<hex>`, or anything that is not http(s)) is fetched from
 *   the configured blob URL pattern by the hash the chain registered; an absolute http(s) URI only
 *   from the configured origin or an origin the user allowed explicitly (`allowOrigins`, read
 *   without credentials or referrer), else BlobOriginError before any request — the rule of the
 *   Node store (sdk/blob/http.ts). A redirect off those origins is refused the same way.
 * - **how much**: the body stops at the registered size (sdk/blob/size-cap.ts): an announced
 *   length above it is refused before a byte is read, a body that runs past it is cut at the first
 *   byte too many (BlobSizeError), so a store cannot make the page buffer more than that.
 * - **what**: the bytes are hashed as they arrive and handed over only if their SHA-256 is the
 *   registered one (BlobIntegrityError otherwise; a short body fails here too).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, type Hex } from "../stream/hex.js";
import { toByteSource } from "../stream/web/streams.js";
import { BlobHttpError, BlobIntegrityError, BlobNotFoundError, BlobOriginError } from "./errors.js";
import { redactUrl } from "./http-range.js";
import { checkAnnouncedSize, sizeCap } from "./size-cap.js";

export interface WebBlobOrigins {
  /** Where content-addressed ciphertexts are served: an absolute URL in which `{sha256}` stands for the 64 hex digits. */
  readonly blobUrl: string;
  /** Origins (`https://host[:port]`) besides `blobUrl`'s that storage URIs may name; read without credentials. Default none. */
  readonly allowOrigins?: readonly string[];
}

/** Where one ciphertext is fetched from, and whether the browser may send its credentials there. */
export interface WebBlobLocation {
  readonly url: string;
  /** "same-origin" for the configured blob origin, "omit" for an allowed foreign one. */
  readonly credentials: "same-origin" | "omit";
}

export interface WebFetchOptions {
  /** A fetch implementation; default the global one. */
  readonly fetch?: typeof fetch;
  /** Bytes received so far, of the registered size. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** The http(s) URL to fetch version's ciphertext from: see the module comment for the rule. */
export function locateBlob(storageURI: string, registeredSha256: string, o: WebBlobOrigins): WebBlobLocation {
  if (!o.blobUrl.includes("{sha256}")) throw new TypeError("blobUrl must contain {sha256}");
  if (!/^https?:\/\//i.test(storageURI)) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(registeredSha256)) throw new TypeError("the registered SHA-256 must be 0x-prefixed 32-byte hex");
    return { url: o.blobUrl.replace("{sha256}", registeredSha256.slice(2).toLowerCase()), credentials: "same-origin" };
  }
  return { url: new URL(storageURI).href, credentials: credentialsFor(storageURI, o) };
}

/** "same-origin" for the configured origin, "omit" for an allowed one; BlobOriginError for any other. */
function credentialsFor(url: string, o: WebBlobOrigins): WebBlobLocation["credentials"] {
  const origin = new URL(url).origin;
  if (origin === new URL(o.blobUrl.replace("{sha256}", "0")).origin) return "same-origin";
  if ((o.allowOrigins ?? []).some((allowed) => new URL(allowed).origin === origin)) return "omit";
  throw new BlobOriginError(redactUrl(url), origin);
}

/**
 * Downloads `location` and resolves with its bytes only if they are at most `expected.size` long
 * and hash to `expected.sha256`. Throws BlobOriginError, BlobNotFoundError (404/410),
 * BlobHttpError, BlobSizeError or BlobIntegrityError; on any of them the transfer is stopped.
 */
export async function fetchVerifiedWeb(location: WebBlobLocation, expected: { sha256: Hex; size: number }, o: WebBlobOrigins, opts: WebFetchOptions = {}): Promise<Blob> {
  const shown = redactUrl(location.url);
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  let response: Response;
  try {
    response = await doFetch(location.url, {
      cache: "no-store",
      credentials: location.credentials,
      ...(location.credentials === "omit" ? { referrerPolicy: "no-referrer" as const } : {}),
      signal: opts.signal,
    });
  } catch (cause) {
    throw new BlobHttpError(shown, undefined, "request failed", true, { cause });
  }
  const body = response.body;
  try {
    if (response.redirected && response.url) credentialsFor(response.url, o); // a redirect off the allowed origins
    if (response.status === 404 || response.status === 410) throw new BlobNotFoundError(shown);
    if (!response.ok || !body) throw new BlobHttpError(shown, response.status, "unexpected response", response.status === 408 || response.status === 429 || response.status >= 500);
    checkAnnouncedSize(response.headers.get("content-length"), expected.size, shown);
  } catch (error) {
    await body?.cancel().catch(() => undefined);
    throw error;
  }
  const hash = sha256.create();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let done = 0;
  // Stopping the loop early (a size error) cancels the body: nothing more is read from that store.
  for await (const piece of sizeCap(expected.size, shown)(toByteSource(body))) {
    hash.update(piece);
    parts.push(piece as Uint8Array<ArrayBuffer>);
    done += piece.byteLength;
    opts.onProgress?.(done, expected.size);
  }
  const actual = toHex(hash.digest());
  if (actual !== expected.sha256.toLowerCase()) throw new BlobIntegrityError(shown, expected.sha256, actual);
  return new Blob(parts);
}
