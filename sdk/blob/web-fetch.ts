/**
 * Ciphertexts over HTTP with the global fetch (browsers, and Node ≥ 18), handed over only once
 * verified against what the chain registered. Platform-neutral: no `node:*`, no Buffer.
 *
 * - **where**: a storage URI is chosen by whoever registered the version, so it is untrusted. A
 *   content-addressed URI (`blob://merkle/<hex>` for a version-2 stream, `blob://sha256/<hex>`
 *   before it, or anything that is not http(s)) is fetched from the configured blob URL pattern by
 *   the digest the chain registered (`{scheme}` and `{sha256}` filled in); an absolute http(s) URI only
 *   from the configured origin or an origin the user allowed explicitly (`allowOrigins`, read
 *   without credentials or referrer), else BlobOriginError before any request — the rule of the
 *   Node store (sdk/blob/http.ts). A redirect off those origins is refused the same way.
 * - **how much**: the body stops at the registered size (sdk/blob/size-cap.ts): an announced
 *   length above it is refused before a byte is read, a body that runs past it is cut at the first
 *   byte too many (BlobSizeError), so a store cannot make the page buffer more than that.
 * - **what**: the bytes are hashed as they arrive and handed over only if their digest is the
 *   registered one: a version-2 stream's Merkle root (StreamRootHasher, the same layout rule as
 *   on Node, over @noble/hashes' SHA-256), or the SHA-256 a `blob://sha256/…` name gives
 *   (BlobIntegrityError otherwise; a short body fails here too).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, type Hex } from "../stream/hex.js";
import { StreamRootHasher } from "../stream/root-hasher.js";
import { toByteSource } from "../stream/web/streams.js";
import { BlobHttpError, BlobIntegrityError, BlobNotFoundError, BlobOriginError } from "./errors.js";
import { redactUrl } from "./http-range.js";
import { checkAnnouncedSize, sizeCap } from "./size-cap.js";
import { blobDigestOf, blobSchemeOf, type BlobScheme } from "./uri.js";

/** What the chain registered for a ciphertext: how it is named, its digest (0x hex) and its size. */
export interface ExpectedCiphertext {
  readonly scheme: BlobScheme;
  readonly digest: Hex;
  readonly size: number;
}

export interface WebBlobOrigins {
  /** Where content-addressed ciphertexts are served: an absolute URL in which `{sha256}` stands for the 64 hex digits of the name and `{scheme}` (optional) for `merkle` or `sha256`. */
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
export function locateBlob(storageURI: string, expected: Pick<ExpectedCiphertext, "scheme" | "digest">, o: WebBlobOrigins): WebBlobLocation {
  if (!o.blobUrl.includes("{sha256}")) throw new TypeError("blobUrl must contain {sha256}");
  if (!/^https?:\/\//i.test(storageURI)) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(expected.digest)) throw new TypeError("the registered digest must be 0x-prefixed 32-byte hex");
    // A `blob://<scheme>/<hex>` name is fetched by what it names, so a copy that is not the
    // registered one is refused as such (BlobIntegrityError) rather than as missing.
    const named = blobDigestOf(storageURI);
    const scheme = named ? blobSchemeOf(storageURI) : expected.scheme;
    return { url: o.blobUrl.replace("{scheme}", scheme).replace("{sha256}", (named ?? expected.digest).slice(2).toLowerCase()), credentials: "same-origin" };
  }
  return { url: new URL(storageURI).href, credentials: credentialsFor(storageURI, o) };
}

/** "same-origin" for the configured origin, "omit" for an allowed one; BlobOriginError for any other. */
function credentialsFor(url: string, o: WebBlobOrigins): WebBlobLocation["credentials"] {
  const origin = new URL(url).origin;
  if (origin === new URL(o.blobUrl.replace("{scheme}", "merkle").replace("{sha256}", "0")).origin) return "same-origin";
  if ((o.allowOrigins ?? []).some((allowed) => new URL(allowed).origin === origin)) return "omit";
  throw new BlobOriginError(redactUrl(url), origin);
}

/**
 * Downloads `location` and resolves with its bytes only if they are at most `expected.size` long
 * and their digest under `expected.scheme` is `expected.digest`. Throws BlobOriginError, BlobNotFoundError (404/410),
 * BlobHttpError, BlobSizeError or BlobIntegrityError; on any of them the transfer is stopped.
 */
export async function fetchVerifiedWeb(location: WebBlobLocation, expected: ExpectedCiphertext, o: WebBlobOrigins, opts: WebFetchOptions = {}): Promise<Blob> {
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
  const hash = expected.scheme === "merkle" ? new StreamRootHasher(() => sha256.create()) : sha256.create();
  let notAStream = false;
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let done = 0;
  // Stopping the loop early (a size error) cancels the body: nothing more is read from that store.
  for await (const piece of sizeCap(expected.size, shown)(toByteSource(body))) {
    if (!notAStream) {
      try {
        hash.update(piece);
      } catch {
        notAStream = true; // not laid out as a version-2 stream: reported as a mismatch below
      }
    }
    parts.push(piece as Uint8Array<ArrayBuffer>);
    done += piece.byteLength;
    opts.onProgress?.(done, expected.size);
  }
  let actual: Hex | undefined;
  try {
    actual = notAStream ? undefined : hash instanceof StreamRootHasher ? hash.digest() : toHex(hash.digest());
  } catch {
    actual = undefined; // shorter than a stream, or a last chunk shorter than its tag
  }
  if (actual !== expected.digest.toLowerCase()) throw new BlobIntegrityError(shown, expected.digest, actual, expected.scheme);
  return new Blob(parts);
}
