/**
 * Blob store errors. Each carries the URI (never a local secret) so a log line says which blob.
 */
import type { Hex } from "../stream/hex.js";

export class BlobError extends Error {
  override name = "BlobError";
}

/** The URI is not of the form blob://merkle/<64 lowercase hex> or blob://sha256/<64 lowercase hex>. */
export class BlobUriError extends BlobError {
  override name = "BlobUriError";
  constructor(readonly uri: string) {
    super(`not a Sealshare blob URI (expected blob://merkle/<64 lowercase hex> or blob://sha256/<64 lowercase hex>): ${JSON.stringify(uri.slice(0, 100))}`);
  }
}

/** The store holds no blob under this URI. */
export class BlobNotFoundError extends BlobError {
  override name = "BlobNotFoundError";
  constructor(readonly uri: string) {
    super(`blob not found: ${uri}`);
  }
}

/**
 * The bytes a store returned do not hash to what was expected (usually the Merkle root registered
 * on chain). Not retryable against the same store: the copy it holds is wrong. `actual` is
 * undefined when the bytes are not a version-2 stream at all (a "merkle" blob that has no root).
 */
export class BlobIntegrityError extends BlobError {
  override name = "BlobIntegrityError";
  constructor(
    readonly uri: string,
    readonly expected: Hex,
    readonly actual: Hex | undefined,
    readonly scheme: "merkle" | "sha256" = "merkle",
  ) {
    super(`blob ${uri} has ${scheme === "merkle" ? "Merkle root" : "SHA-256"} ${actual ?? "(none: not a version-2 stream)"}, expected ${expected}`);
  }
}

/**
 * An HTTP blob request failed or was answered in a way that cannot be used. `url` is redacted
 * (no query string: pre-signed URLs carry credentials there). `retryable` is true for failures
 * another attempt may fix: network errors, cut connections, 408, 429 and 5xx.
 */
export class BlobHttpError extends BlobError {
  override name = "BlobHttpError";
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    message: string,
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(`${message} (${url}${status === undefined ? "" : `, HTTP ${status}`})`, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** The blob is larger than the size registered on chain, so it cannot be the registered blob. */
export class BlobSizeError extends BlobError {
  override name = "BlobSizeError";
  constructor(
    readonly uri: string,
    readonly expectedSize: number,
    readonly actualSize: number,
  ) {
    super(`blob ${uri} has at least ${actualSize} bytes, expected ${expectedSize}`);
  }
}

/**
 * A storage URI points at an origin this store was not configured to read from. Storage URIs
 * are chosen by whoever registered the version, so an absolute URL is followed only to the
 * configured origin(s) or ones the user allowed explicitly (HttpBlobStore `allowOrigins`,
 * CLI `--blob-allow-origin`); credentials go to the configured origin(s) only.
 */
export class BlobOriginError extends BlobError {
  override name = "BlobOriginError";
  constructor(
    readonly url: string,
    readonly origin: string,
  ) {
    super(`refusing to fetch ${url}: origin ${origin} is not an allowed blob origin (allow it explicitly to read from it)`);
  }
}
