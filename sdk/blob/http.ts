/**
 * A read-only {@link BlobStore} over HTTP(S), for storage URIs like
 * `https://blobs.bank.example/merkle/<hex>` (or `blob://merkle/<hex>` resolved against a base
 * URL; `sha256` in place of `merkle` for blobs named by their SHA-256, uri.ts): streaming reads (`get`, which fetchVerified uses), HEAD (`has`), byte ranges (`readAt`,
 * `rangeReader` for decryptRange) over fetch, and resumable verified downloads (`download`, see
 * download.ts). URLs are redacted in errors (no query strings: pre-signed URLs carry credentials).
 *
 * Storage URIs are chosen by whoever registered the version, so they are untrusted: an absolute
 * http(s) URI is read only from the configured origin (`baseUrl`'s, plus `credentialOrigins`) or
 * an origin the user allowed (`allowOrigins`), else BlobOriginError before any request; the
 * configured `headers` (credentials) are sent to the configured origins only, never to an
 * allowed foreign one; redirects are followed under the same rules. Reads with a known size
 * (`get(uri, { maxBytes })`, fetchVerified's `expectedSize`, download's `expectedSize`) stop at
 * that size with BlobSizeError.
 *
 * @example
 * const store = new HttpBlobStore({ baseUrl: "https://blobs.bank.example/" });
 * const { path } = await store.download(record.storageURI, record.merkleRoot, "statement.sealed", {
 *   expectedSize: Number(record.size),
 * });
 */
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import type { Hex } from "../stream/hex.js";
import type { ReadAt } from "../stream/range.js";
import { downloadVerified, type DownloadOptions, type DownloadResult } from "./download.js";
import { BlobError, BlobHttpError, BlobNotFoundError, BlobOriginError, BlobSizeError, BlobUriError } from "./errors.js";
import { httpReadAt, redactUrl } from "./http-range.js";
import type { BlobGetOptions, BlobPutResult, BlobStore } from "./types.js";
import { blobSchemeOf, parseBlobUri } from "./uri.js";

export interface HttpBlobStoreOptions {
  /** Base URL that `blob://<scheme>/<hex>` URIs resolve against, as `<baseUrl><scheme>/<hex>`. */
  readonly baseUrl?: string;
  /** A fetch implementation for reads; default the global one. (Downloads use node:http(s).) */
  readonly fetch?: typeof fetch;
  /**
   * Extra request headers, e.g. authorization. Never logged. Sent only to the configured
   * origins (`baseUrl`'s and `credentialOrigins`), never to a URI's foreign origin.
   */
  readonly headers?: Record<string, string>;
  /** Further origins (`https://host[:port]`) that get `headers`, besides `baseUrl`'s. */
  readonly credentialOrigins?: readonly string[];
  /**
   * Origins absolute storage URIs may point at besides the configured ones, read without
   * credentials. Empty by default: a URI naming any other origin is refused (BlobOriginError).
   */
  readonly allowOrigins?: readonly string[];
}

/** The origin of an http(s) URL or origin string (`scheme://host[:port]`, default port dropped). */
function originOf(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http(s)");
    return u.origin;
  } catch {
    throw new BlobError(`not an http(s) origin: ${JSON.stringify(value.slice(0, 100))}`);
  }
}

const REDIRECTS = [301, 302, 303, 307, 308];

/** A read-only blob store over HTTP(S). Writes go to the provider's own store (e.g. LocalBlobStore). */
export class HttpBlobStore implements BlobStore {
  readonly #baseUrl: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #headers: Record<string, string>;
  readonly #credentialOrigins: ReadonlySet<string>;
  readonly #allowedOrigins: ReadonlySet<string>;

  constructor(opts: HttpBlobStoreOptions = {}) {
    this.#baseUrl = opts.baseUrl === undefined ? undefined : opts.baseUrl.endsWith("/") ? opts.baseUrl : `${opts.baseUrl}/`;
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.#headers = { ...opts.headers };
    const configured = [...(this.#baseUrl === undefined ? [] : [this.#baseUrl]), ...(opts.credentialOrigins ?? [])].map(originOf);
    this.#credentialOrigins = new Set(configured);
    this.#allowedOrigins = new Set([...configured, ...(opts.allowOrigins ?? []).map(originOf)]);
  }

  /**
   * Whether `url` may be requested, and the headers it gets: the configured headers for a
   * configured origin, none for an allowed one; BlobOriginError for any other origin.
   */
  headersFor(url: string): Record<string, string> {
    const origin = new URL(url).origin;
    if (this.#credentialOrigins.has(origin)) return { ...this.#headers };
    if (this.#allowedOrigins.has(origin)) return {};
    throw new BlobOriginError(redactUrl(url), origin);
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
    const { scheme, digest } = parseBlobUri(uri); // BlobUriError for anything else
    if (this.#baseUrl === undefined) throw new BlobError(`cannot resolve ${uri} over HTTP: this HttpBlobStore has no baseUrl`);
    return new URL(`${scheme}/${digest.slice(2)}`, this.#baseUrl).href;
  }

  /** Not supported: an HTTP store is read-only here. */
  async put(): Promise<BlobPutResult> {
    throw new BlobError("HttpBlobStore is read-only; put blobs into the provider's store and serve it (sdk/blob/serve.ts)");
  }

  /**
   * Streams the blob. Errors with BlobNotFoundError (404), BlobOriginError (a URI off the
   * allowed origins), BlobSizeError (more than `maxBytes`: the connection is cut there) or
   * BlobHttpError. Does not verify the hash.
   */
  get(uri: string, opts: BlobGetOptions = {}): Readable {
    const url = this.url(uri);
    const self = this;
    const max = opts.maxBytes;
    async function* body(): AsyncGenerator<Uint8Array, void, undefined> {
      const response = await self.#request(url, {});
      if (response.status !== 200) throw await unexpected(response, url);
      const length = response.headers.get("content-length");
      if (max !== undefined && length !== null && Number(length) > max) {
        await response.body?.cancel().catch(() => undefined);
        throw new BlobSizeError(redactUrl(url), max, Number(length));
      }
      let seen = 0;
      const stream = Readable.fromWeb(response.body! as NodeWebReadableStream<Uint8Array>);
      try {
        for await (const chunk of stream) {
          const piece = chunk as Uint8Array;
          seen += piece.byteLength;
          if (max !== undefined && seen > max) throw new BlobSizeError(redactUrl(url), max, seen);
          yield piece;
        }
      } finally {
        stream.destroy(); // cuts the connection when stopped early
      }
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
    const url = this.url(uri);
    const headers = this.headersFor(url); // BlobOriginError before any request
    return httpReadAt(url, { fetch: (input, init) => this.#follow(String(input), init ?? {}), headers });
  }

  /**
   * {@link downloadVerified} (resumable, verified) for `uri`: this store's headers only to a
   * configured origin, redirects only to allowed origins.
   */
  download(uri: string, expected: Hex, destPath: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
    const url = this.url(uri);
    const headers = this.headersFor(url);
    return downloadVerified(url, expected, destPath, {
      scheme: blobSchemeOf(uri),
      ...opts,
      headers: { ...headers, ...opts.headers },
      allowRedirect: (next) => {
        this.headersFor(next); // throws BlobOriginError for an origin not allowed
        return opts.allowRedirect?.(next) ?? true;
      },
    });
  }

  async #request(url: string, init: RequestInit): Promise<Response> {
    return this.#follow(url, { ...init, headers: { "accept-encoding": "identity" } });
  }

  /**
   * fetch with redirects followed here (at most 5), so each hop is checked against the allowed
   * origins and gets credentials only if its origin is a configured one.
   */
  async #follow(url: string, init: RequestInit, hops = 0): Promise<Response> {
    const headers = { ...(init.headers as Record<string, string> | undefined), ...this.headersFor(url) };
    let response: Response;
    try {
      response = await this.#fetch(url, { ...init, headers, redirect: "manual" });
    } catch (cause) {
      throw new BlobHttpError(redactUrl(url), undefined, "request failed", true, { cause });
    }
    const location = response.headers.get("location");
    if (!REDIRECTS.includes(response.status) || location === null) return response;
    await response.body?.cancel().catch(() => undefined);
    if (hops >= 5) throw new BlobHttpError(redactUrl(url), response.status, "too many redirects", false);
    return this.#follow(new URL(location, url).href, init, hops + 1);
  }
}

async function unexpected(response: Response, url: string): Promise<BlobError> {
  await response.body?.cancel().catch(() => undefined);
  if (response.status === 404 || response.status === 410) return new BlobNotFoundError(redactUrl(url));
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  return new BlobHttpError(redactUrl(url), response.status, "unexpected response", retryable);
}
