/**
 * HTTP pieces shared by the Node blob store (http.ts), the blob server (serve.ts) and browsers
 * (sdk/stream/web): positional reads with `Range` requests, `Content-Range` parsing, and URL
 * redaction. Platform-neutral: global `fetch` only, no `node:*` imports.
 */
import type { ReadAt } from "../stream/range.js";
import { BlobHttpError } from "./errors.js";

/** A parsed `Content-Range: bytes <start>-<end>/<total>` (end inclusive) or `bytes *\/<total>`. */
export interface ContentRange {
  readonly start?: number;
  readonly end?: number; // inclusive
  readonly total?: number; // undefined when the server sent "*"
}

/** Parses a `Content-Range` header value; undefined if absent or malformed. */
export function parseContentRange(value: string | null | undefined): ContentRange | undefined {
  if (value == null) return undefined;
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(value.trim());
  if (match === null) return undefined;
  const num = (s: string | undefined) => (s === undefined || s === "*" ? undefined : Number(s));
  const range = { start: num(match[1]), end: num(match[2]), total: num(match[3]) };
  if (range.start !== undefined && range.end !== undefined && range.end < range.start) return undefined;
  return range;
}

/**
 * A URL fit for logs and error messages: scheme, host and path only. Query strings and user info
 * are dropped because pre-signed storage URLs carry their credentials there.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search === "" ? "" : "?…"}`;
  } catch {
    return "<invalid URL>";
  }
}

export interface HttpReadAtOptions {
  /** A fetch implementation; default the global one. */
  readonly fetch?: typeof fetch;
  /** Extra request headers, e.g. authorization. */
  readonly headers?: Record<string, string>;
}

/**
 * A {@link ReadAt} over `url` with `Range: bytes=a-b`, for decryptRange. Requires a server that
 * honours ranges (206 with the asked-for Content-Range): a 200 would mean downloading the whole
 * blob, so it is refused. Cross-origin servers must allow the Range header and expose
 * Content-Range (sdk/blob/serve.ts does with `corsOrigin`).
 */
export function httpReadAt(url: string, opts: HttpReadAtOptions = {}): ReadAt {
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  return async (offset, length) => {
    if (length === 0) return new Uint8Array(0);
    const last = offset + length - 1;
    const response = await doFetch(url, { headers: { ...opts.headers, range: `bytes=${offset}-${last}`, "accept-encoding": "identity" } });
    const range = parseContentRange(response.headers.get("content-range"));
    if (response.status !== 206 || range?.start !== offset) {
      await response.body?.cancel().catch(() => undefined);
      const what = response.status === 206 ? "a different range" : "no partial content";
      throw new BlobHttpError(redactUrl(url), response.status, `range read of ${length} bytes at ${offset} got ${what}; the server must honour Range requests`, response.status >= 500);
    }
    return new Uint8Array(await response.arrayBuffer());
  };
}
