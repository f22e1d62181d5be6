/**
 * Blob storage for ciphertexts: a content-addressed store interface, the local-folder store,
 * verified fetching against an expected SHA-256, the read-only HTTP(S) store with resumable
 * verified downloads, and a static server that exposes a local store over HTTP.
 */
export { commitFile, tempPathIn, writeFileAtomically } from "./atomic.js";
export { BlobError, BlobHttpError, BlobIntegrityError, BlobNotFoundError, BlobOriginError, BlobSizeError, BlobUriError } from "./errors.js";
export { sizeCap } from "./size-cap.js";
export { fetchVerified, type FetchVerifiedOptions, type VerifiedBlob } from "./fetch-verified.js";
export { downloadVerified, type DownloadOptions, type DownloadProgress, type DownloadResult } from "./download.js";
export { HttpBlobStore, type HttpBlobStoreOptions } from "./http.js";
export { httpReadAt, parseContentRange, redactUrl, type ContentRange, type HttpReadAtOptions } from "./http-range.js";
export { LocalBlobStore } from "./local.js";
export { createBlobServer, parseRange, startBlobServer, type BlobServerOptions, type RunningBlobServer } from "./serve.js";
export type { BlobGetOptions, BlobPutResult, BlobSource, BlobStore } from "./types.js";
export { blobDigestOf, blobSchemeOf, blobUri, BLOB_SCHEMES, parseBlobUri, type BlobScheme } from "./uri.js";
export { contentHash, type ContentHash } from "./content-hash.js";
