/**
 * Ciphertexts over HTTP. A storage URI on chain is content-addressed (`blob://merkle/<hex>` for a
 * v2 stream, `blob://sha256/<hex>` before it; sdk/blob/uri.ts), so the dapp turns it into a URL
 * with the configured `blobUrl` pattern; an `http(s)://` URI is used as is. Stores are
 * untrusted: every download is refused unless its Merkle root is the one registered on chain
 * (and, when the expected SHA-256 is given, its SHA-256 matches too).
 *
 * The same two limits as the SDK's blob readers (sdk/blob/size-cap.ts, sdk/blob/http.ts), which
 * are Node streams and so not usable here:
 *  - **size cap**: a download stops at the size registered on chain. A server that announces
 *    more (Content-Length) is refused before a byte is read; one that sends more is cut off at
 *    the first byte past the size (`BlobHttpError` code "too-large"), so an untrusted store — or a
 *    server a member's storage URI names — cannot make the page buffer more than the version's
 *    registered size. Fewer bytes than registered is "truncated".
 *  - **credentials only to the configured origin**: a storage URI is chosen by whoever registered
 *    the version, so a URL on any other origin than the configured `blobUrl`'s is fetched with
 *    `credentials: "omit"` and no referrer (no cookies or HTTP auth of the user's go to a server
 *    the provider picked). The configured origin gets the browser's default ("same-origin").
 *
 * Upload is `PUT <blobUrl>` with the ciphertext as the body, answered with
 * `{ uri, scheme, digest, size }`. XMLHttpRequest is used for it because fetch reports no upload
 * progress (and Chrome streams request bodies only over HTTP/2).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { blobHttpUrl, type DappConfig } from "./config.js";
import { toHex } from "../../../sdk/stream/hex.js";
import { merkleRootOfLeaves } from "../../../sdk/stream/merkle.js";
import { chunkDigestsOf } from "../../../sdk/stream/segments.js";

export type Progress = (done: number, total: number | undefined) => void;

export type BlobHttpErrorCode = "not-found" | "http" | "integrity" | "network" | "too-large" | "truncated";

export class BlobHttpError extends Error {
  override name = "BlobHttpError";
  constructor(
    readonly code: BlobHttpErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What the ledger registered for a ciphertext: the download is checked against each one given. */
export interface ExpectedBlob {
  /** 0x-prefixed Merkle root of the stream (format v2: its content commitment). */
  merkleRoot?: string;
  /** 0x-prefixed SHA-256 of the whole ciphertext (a `blob://sha256/…` name). */
  sha256?: string;
  /** Size in bytes. */
  size: number;
}

export function blobUrlFor(config: DappConfig, storageURI: string, merkleRoot: string): string {
  if (/^https?:\/\//.test(storageURI)) return storageURI;
  const m = /^blob:\/\/(merkle|sha256)\/([0-9a-f]{64})$/.exec(storageURI);
  return m ? blobHttpUrl(config, m[2]!, m[1] as "merkle" | "sha256") : blobHttpUrl(config, merkleRoot);
}

/**
 * The fetch options for a blob URL: the configured blob origin is fetched as the browser would
 * by default; any other origin without credentials and without a referrer.
 */
export function blobRequestInit(config: DappConfig, url: string): RequestInit {
  const base: RequestInit = { cache: "no-store" };
  if (originOf(url) === originOf(config.blobUrl)) return { ...base, credentials: "same-origin" };
  return { ...base, credentials: "omit", referrerPolicy: "no-referrer" };
}

function originOf(url: string): string {
  try {
    return new URL(url.replace("{sha256}", "0"), globalThis.location?.href ?? "http://localhost/").origin;
  } catch {
    return "null";
  }
}

/**
 * Downloads and hashes `url`; resolves only if the bytes are exactly `expected.size` long, have
 * the Merkle root `expected.merkleRoot` and the SHA-256 `expected.sha256` (those given). Reads no
 * more than `expected.size` bytes (see the module comment).
 */
export async function fetchVerifiedBlob(config: DappConfig, url: string, expected: ExpectedBlob, onProgress?: Progress): Promise<Blob> {
  const where = originOf(url);
  const size = expected.size;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError("the registered size must be a non-negative integer");
  let res: Response;
  try {
    res = await fetch(url, blobRequestInit(config, url));
  } catch (cause) {
    throw new BlobHttpError("network", `could not reach the blob store at ${where}: ${(cause as Error).message}`);
  }
  if (res.status === 404) throw new BlobHttpError("not-found", "the blob store does not hold this ciphertext");
  if (!res.ok || !res.body) throw new BlobHttpError("http", `the blob store answered HTTP ${res.status}`);
  const announced = res.headers.get("content-length");
  if (announced !== null && Number(announced) > size) {
    await res.body.cancel().catch(() => undefined);
    throw tooLarge(where, size, Number(announced));
  }
  if (expected.merkleRoot === undefined && expected.sha256 === undefined) throw new TypeError("give the Merkle root or the SHA-256 to check the download against");
  const hash = sha256.create();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let done = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      if (done + value.byteLength > size) throw tooLarge(where, size, done + value.byteLength);
      if (expected.sha256 !== undefined) hash.update(value);
      parts.push(value as Uint8Array<ArrayBuffer>);
      done += value.byteLength;
      onProgress?.(done, size);
    }
  } catch (err) {
    // Stop the transfer: nothing more is read from a store that broke the rules.
    await reader.cancel().catch(() => undefined);
    parts.length = 0;
    if (err instanceof BlobHttpError) throw err;
    throw new BlobHttpError("network", `the download from ${where} broke off: ${(err as Error).message}`);
  }
  if (done < size) {
    throw new BlobHttpError("truncated", `the blob store sent ${done} bytes, but the ledger registered ${size}: refusing to use it`);
  }
  if (expected.sha256 !== undefined) {
    const actual = toHex(hash.digest());
    if (actual !== expected.sha256.toLowerCase()) {
      throw new BlobHttpError("integrity", `the ciphertext's SHA-256 is ${actual}, but the ledger registered ${expected.sha256}: refusing to use it`);
    }
  }
  if (expected.merkleRoot !== undefined) {
    let root: string;
    try {
      root = merkleRootOfLeaves((await chunkDigestsOf(parts)).leaves);
    } catch {
      root = "(none: not a stream)";
    }
    if (root !== expected.merkleRoot.toLowerCase()) {
      throw new BlobHttpError("integrity", `the ciphertext's Merkle root is ${root}, but the ledger registered ${expected.merkleRoot}: refusing to use it`);
    }
  }
  return new Blob(parts);
}

function tooLarge(where: string, size: number, seen: number): BlobHttpError {
  return new BlobHttpError("too-large", `the blob store at ${where} sent more than the ${size} bytes the ledger registered (at least ${seen}): download stopped, nothing was used`);
}

/** Uploads a ciphertext; resolves with the store's answer. */
export function putBlob(url: string, body: Blob, onProgress?: Progress): Promise<{ uri: string; scheme: string; digest: string; size: number }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : body.size);
    xhr.onerror = () => reject(new BlobHttpError("network", "the upload to the blob store failed"));
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) return reject(new BlobHttpError("http", `the blob store answered HTTP ${xhr.status}: ${xhr.responseText.slice(0, 200)}`));
      try {
        resolve(JSON.parse(xhr.responseText) as { uri: string; scheme: string; digest: string; size: number });
      } catch {
        reject(new BlobHttpError("http", "the blob store's answer is not JSON"));
      }
    };
    xhr.send(body);
  });
}
