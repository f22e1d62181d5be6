/**
 * A read-only {@link BlobStore} over HTTP(S), for storage URIs like
 * `https://blobs.bank.example/sha256/<hex>` (or `blob://sha256/<hex>` resolved against a base
 * URL): streaming reads (`get`, which fetchVerified uses), HEAD (`has`), byte ranges (`readAt`,
 * `rangeReader` for decryptRange) over fetch, and resumable verified downloads (`download`, see
 * download.ts). URLs are redacted in errors (no query strings: pre-signed URLs carry credentials).
 *
 * @example
 * const store = new HttpBlobStore({ baseUrl: "https://blobs.bank.example/" });
 * const { path } = await store.download(record.storageURI, record.ciphertextSha256, "statement.sealed", {
 *   expectedSize: Number(record.size),
 * });
 */
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import type { Hex } from "../stream/hex.js";
import type { ReadAt } from "../stream/range.js";
import { downloadVerified, type DownloadOptions, type DownloadResult } from "./download.js";
import { BlobError, BlobHttpError, BlobNotFoundError, BlobUriError } from "./errors.js";
import { httpReadAt, redactUrl } from "./http-range.js";
import type { BlobPutResult, BlobStore } from "./types.js";
import { parseBlobUri } from "./uri.js";

export interface HttpBlobStoreOptions {
  /** Base URL that `blob://sha256/<hex>` URIs resolve against, as `<baseUrl>sha256/<hex>`. */
  readonly baseUrl?: string;
  /** A fetch implementation for reads; default the global one. (Downloads use node:http(s).) */
  readonly fetch?: typeof fetch;
  /** Extra request headers, e.g. authorization. Never logged. */
  readonly headers?: Record<string, string>;
}

/** A read-only blob store over HTTP(S). Writes go to the provider's own store (e.g. LocalBlobStore). */
export class HttpBlobStore implements BlobStore {
  readonly #baseUrl: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #headers: Record<string, string>;

  constructor(opts: HttpBlobStoreOptions = {}) {
    this.#baseUrl = opts.baseUrl === undefined ? undefined : opts.baseUrl.endsWith("/") ? opts.baseUrl : `${opts.baseUrl}/`;
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.#headers = { ...opts.headers };
  }

  /** The http(s) URL of `uri`: itself if already http(s), or `blob://` resolved against baseUrl. */
  url(uri: string): string {
    if (/^https?:\/\//i.test(uri)) {
      try {
        return new URL(uri).href;
      } catch {
        throw new BlobUriError(uri);
      }
    }
    const { sha256 } = parseBlobUri(uri); // BlobUriError for anything else
    if (this.#baseUrl === undefined) throw new BlobError(`cannot resolve ${uri} over HTTP: this HttpBlobStore has no baseUrl`);
    return new URL(`sha256/${sha256.slice(2)}`, this.#baseUrl).href;
  }

  /** Not supported: an HTTP store is read-only here. */
  async put(): Promise<BlobPutResult> {
    throw new BlobError("HttpBlobStore is read-only; put blobs into the provider's store and serve it (sdk/blob/serve.ts)");
  }

  /** Streams the blob. Errors with BlobNotFoundError (404) or BlobHttpError. Does not verify. */
  get(uri: string): Readable {
    const url = this.url(uri);
    const self = this;
    async function* body(): AsyncGenerator<Uint8Array, void, undefined> {
      const response = await self.#request(url, {});
      if (response.status !== 200) throw await unexpected(response, url);
      yield* Readable.fromWeb(response.body! as NodeWebReadableStream<Uint8Array>);
    }
    return Readable.from(body(), { objectMode: false });
  }

  /** Whether the server has the blob (HEAD). */
  async has(uri: string): Promise<boolean> {
    const url = this.url(uri);
    const response = await this.#request(url, { method: "HEAD" });
    if (response.ok) return true;
    if (response.status === 404 || response.status === 410) return false;
    throw await unexpected(response, url);
  }

  /** Reads `length` bytes at `offset` with a Range request (for decryptRange). */
  readAt(uri: string, offset: number, length: number): Promise<Uint8Array> {
    return this.rangeReader(uri)(offset, length);
  }

  /** A {@link ReadAt} bound to one blob, for decryptRange. */
  rangeReader(uri: string): ReadAt {
    return httpReadAt(this.url(uri), { fetch: this.#fetch, headers: this.#headers });
  }

  /** {@link downloadVerified} (resumable, verified) for `uri`, with this store's headers. */
  download(uri: string, expectedSha256: Hex, destPath: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
    return downloadVerified(this.url(uri), expectedSha256, destPath, { ...opts, headers: { ...this.#headers, ...opts.headers } });
  }

  async #request(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.#fetch(url, { ...init, headers: { ...this.#headers, "accept-encoding": "identity" } });
    } catch (cause) {
      throw new BlobHttpError(redactUrl(url), undefined, "request failed", true, { cause });
    }
  }
}

async function unexpected(response: Response, url: string): Promise<BlobError> {
  await response.body?.cancel().catch(() => undefined);
  if (response.status === 404 || response.status === 410) return new BlobNotFoundError(redactUrl(url));
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  return new BlobHttpError(redactUrl(url), response.status, "unexpected response", retryable);
}
