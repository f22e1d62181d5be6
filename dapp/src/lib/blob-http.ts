/**
 * Ciphertexts over HTTP. A storage URI on chain is content-addressed (`blob://sha256/<hex>`,
 * sdk/blob/uri.ts), so the dapp turns it into a URL with the configured `blobUrl` pattern; an
 * `http(s)://` URI is used as is. Stores are untrusted: every download is hashed while it
 * streams and refused unless it matches the SHA-256 registered on chain.
 *
 * Upload is `PUT <blobUrl>` with the ciphertext as the body, answered with
 * `{ uri, sha256, size }`. XMLHttpRequest is used for it because fetch reports no upload
 * progress (and Chrome streams request bodies only over HTTP/2).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { blobHttpUrl, type DappConfig } from "./config.js";
import { toHex } from "../../../sdk/stream/hex.js";

export type Progress = (done: number, total: number | undefined) => void;

export class BlobHttpError extends Error {
  override name = "BlobHttpError";
  constructor(
    readonly code: "not-found" | "http" | "integrity" | "network",
    message: string,
  ) {
    super(message);
  }
}

export function blobUrlFor(config: DappConfig, storageURI: string, sha256Hex: string): string {
  if (/^https?:\/\//.test(storageURI)) return storageURI;
  const m = /^blob:\/\/sha256\/([0-9a-f]{64})$/.exec(storageURI);
  return blobHttpUrl(config, m ? m[1]! : sha256Hex);
}

/** Downloads and hashes; resolves only if the bytes hash to `expectedSha256`. */
export async function fetchVerifiedBlob(url: string, expectedSha256: string, onProgress?: Progress): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(url, { cache: "no-store" });
  } catch (cause) {
    throw new BlobHttpError("network", `could not reach the blob store at ${new URL(url).origin}: ${(cause as Error).message}`);
  }
  if (res.status === 404) throw new BlobHttpError("not-found", "the blob store does not hold this ciphertext");
  if (!res.ok || !res.body) throw new BlobHttpError("http", `the blob store answered HTTP ${res.status}`);
  const total = Number(res.headers.get("content-length")) || undefined;
  const hash = sha256.create();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let done = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done: end, value } = await reader.read();
    if (end) break;
    hash.update(value);
    parts.push(value as Uint8Array<ArrayBuffer>);
    done += value.byteLength;
    onProgress?.(done, total);
  }
  const actual = toHex(hash.digest());
  if (actual !== expectedSha256.toLowerCase()) {
    throw new BlobHttpError("integrity", `the ciphertext's SHA-256 is ${actual}, but the ledger registered ${expectedSha256}: refusing to use it`);
  }
  return new Blob(parts);
}

/** Uploads a ciphertext; resolves with the store's answer. */
export function putBlob(url: string, body: Blob, onProgress?: Progress): Promise<{ uri: string; sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : body.size);
    xhr.onerror = () => reject(new BlobHttpError("network", "the upload to the blob store failed"));
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) return reject(new BlobHttpError("http", `the blob store answered HTTP ${xhr.status}: ${xhr.responseText.slice(0, 200)}`));
      try {
        resolve(JSON.parse(xhr.responseText) as { uri: string; sha256: string; size: number });
      } catch {
        reject(new BlobHttpError("http", "the blob store's answer is not JSON"));
      }
    };
    xhr.send(body);
  });
}
