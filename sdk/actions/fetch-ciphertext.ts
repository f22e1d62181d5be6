/**
 * Anyone fetches a dataset version's ciphertext over HTTP and gets it only if it is what the
 * chain registered: the URL from the version's storage URI under the origin rule, the body cut at
 * the registered size, its digest the registered one (the Merkle root of a version-2 stream;
 * sdk/blob/web-fetch.ts). Browser-safe: the
 * dapp's auditor checks a stored ciphertext with it, and {@link fetchAndDecryptBlob} decrypts
 * what it returns. (Files and folder stores: decryptDataset, Node entry.)
 *
 * @example
 * ```ts
 * const { ciphertext, facts } = await fetchCiphertext(ctx, {
 *   datasetId: 1n, blobs: { blobUrl: "https://blobs.bank.example/{scheme}/{sha256}" },
 * });
 * ```
 */
import { expectedDigestOf } from "../blob/uri.js";
import { fetchVerifiedWeb, locateBlob, type WebBlobOrigins } from "../blob/web-fetch.js";
import { formatOfId, type RecordFormat } from "../convert/records.js";
import { SealshareError } from "../errors.js";
import type { Hex } from "../stream/hex.js";
import { blobRefusal, type RefusalHints } from "./ciphertext-refusals.js";
import { queryEvents, readCall, type SealshareContext } from "./context.js";

export interface FetchCiphertextParams {
  datasetId: bigint;
  /** Default: the latest version. */
  version?: number;
  /** Where ciphertexts are served, and which other origins a storage URI may name. */
  blobs: WebBlobOrigins & { fetch?: typeof fetch };
  /** Bytes received so far, of the registered size. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** What the chain registered for the version (the state, and the URI and format of its event). */
export interface CiphertextFacts {
  merkleRoot: string;
  keyCommitment: string;
  size: number;
  storageURI: string;
  /** ndjson | json | csv, or undefined for data that is not records. */
  format?: RecordFormat;
}

export interface FetchCiphertextResult {
  datasetId: bigint;
  version: number;
  /** Exactly the registered bytes. */
  ciphertext: Blob;
  facts: CiphertextFacts;
}

const WEB_HINTS: RefusalHints = {
  notFound: "the blob store does not hold this version's ciphertext; ask the provider to upload it again",
  origin: "the version's storage URI names a server this app is not configured for; nothing was requested from it",
};

/** The registered facts of `datasetId` v`version` (default latest). Errors: `DatasetsUnknown`, `NO_VERSION`. */
export async function ciphertextFacts(ctx: SealshareContext, datasetId: bigint, version?: number): Promise<{ version: number; facts: CiphertextFacts }> {
  const v = version ?? Number((await readCall(() => ctx.ledger.dataset(datasetId))).latestVersion);
  if (!v) throw new SealshareError("NO_VERSION", `dataset #${datasetId} has no version yet`);
  const [state, [published]] = await Promise.all([readCall(() => ctx.ledger.datasetVersion(datasetId, v)), queryEvents(ctx, "DatasetVersionPublished", [datasetId, v])]);
  return {
    version: v,
    facts: {
      merkleRoot: state.merkleRoot,
      keyCommitment: state.keyCommitment,
      size: Number(state.size),
      storageURI: published?.args.storageURI ?? "",
      format: published ? formatOfId(published.args.formatId) : undefined,
    },
  };
}

/**
 * Errors: `HASH_MISMATCH`, `BLOB_TOO_LARGE`, `BLOB_ORIGIN_NOT_ALLOWED`, `BLOB_NOT_FOUND`,
 * BlobHttpError (the store failed), `NO_VERSION`, `DatasetsUnknown`, `DatasetsUnknownVersion`.
 */
export async function fetchCiphertext(ctx: SealshareContext, p: FetchCiphertextParams): Promise<FetchCiphertextResult> {
  const { version, facts } = await ciphertextFacts(ctx, p.datasetId, p.version);
  const label = `dataset #${p.datasetId} v${version}`;
  try {
    const expected = expectedDigestOf(facts.storageURI, facts.merkleRoot);
    const location = locateBlob(facts.storageURI, expected, p.blobs);
    const ciphertext = await fetchVerifiedWeb(location, { ...expected, size: facts.size }, p.blobs, { fetch: p.blobs.fetch, onProgress: p.onProgress, signal: p.signal });
    return { datasetId: p.datasetId, version, ciphertext, facts };
  } catch (err) {
    throw blobRefusal(err, { label, uri: facts.storageURI, size: facts.size }, WEB_HINTS);
  }
}
