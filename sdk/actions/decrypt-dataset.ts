/**
 * The requester turns a dataset version back into records: the ciphertext is fetched (from the
 * blob store, or a local file) into a private copy while being hashed, refused unless its
 * SHA-256 equals the hash registered on chain; the key is checked against the version's key
 * commitment; the stream is decrypted into a temporary file (every chunk authenticated, the Merkle root
 * compared with the chain's) and only then moved to the output path or converted to JSON, CSV or
 * NDJSON. No plaintext byte is written under the output name (and an existing file there is not
 * replaced) unless all of that succeeded.
 *
 * Without a dataset id (an offline file; `ctx` may then be undefined), nothing is checked against the chain; the stream's
 * own authentication still detects truncation and tampering, and the result says `verified: false`.
 *
 * @example
 * ```ts
 * const { dek } = await fetchKey(insurerCtx, { custodian, requestId, devicePrivateKey });
 * await decryptDataset(insurerCtx, { datasetId: 1n, dek, blobStore, output: "ana.csv", format: "csv" });
 * ```
 */
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { commitFile, tempPathIn } from "../blob/atomic.js";
import { fetchVerified } from "../blob/fetch-verified.js";
import type { BlobStore } from "../blob/types.js";
import { expectedDigestOf } from "../blob/uri.js";
import { formatOfId, type RecordFormat } from "../convert/records.js";
import { convertRecordsFile } from "../convert/records-file.js";
import { SealshareError } from "../errors.js";
import type { Hex } from "../stream/index.js";
import { queryEvents, readCall, type SealshareContext } from "./context.js";
import { keyMatchesVersion } from "./key-binding.js";
import { blobRefusal, checkMerkleRoot, streamRefusal, type RefusalHints } from "./ciphertext-refusals.js";
import { decryptFileWithProgress, withDownloadProgress } from "./files.js";

export interface DecryptDatasetParams {
  /** Omit only to decrypt an offline file (`ciphertextPath`) without chain checks. */
  datasetId?: bigint;
  /** Default: the latest version. */
  version?: number;
  /**
   * The 32-byte data key: from fetchGrantKey (which rebuilds it from a custodian set's shares when
   * the version is under threshold custody, else asks the single custodian: fetchKey), or the
   * provider's key file. Checked here against the version's key commitment either way.
   */
  dek: Uint8Array;
  /** Where the plaintext (or converted records) go. Created owner-readable only. */
  output: string;
  /** Convert to this format; default: the bytes as stored ("raw"). */
  format?: RecordFormat | "raw";
  /** Where the ciphertext lives (by the version's storage URI). */
  blobStore?: BlobStore;
  /** Or a local ciphertext file (still checked against the chain's hash when `datasetId` is set). */
  ciphertextPath?: string;
  /** Folder for the temporary verified copy; default: next to `output`. */
  workDir?: string;
  onProgress?: (phase: "download" | "decrypt", done: number, total: number) => void;
}

export interface DecryptDatasetResult {
  datasetId?: bigint;
  version?: number;
  output: string;
  /** True when the copy, key commitment and Merkle root were checked against the chain. */
  verified: boolean;
  /** The ciphertext's Merkle root (its content commitment). */
  merkleRoot: Hex;
  plaintextSize: number;
  format: string;
  /** Records written, when converted. */
  records?: number;
}

const CLI_HINTS: RefusalHints = {
  notFound: "check the blob folder (--blob-dir) or give the ciphertext file (--input)",
  origin: "the version's storage URI names a server you did not configure; allow its origin explicitly (--blob-allow-origin) if you trust it",
};

/** A single file seen as a blob store, so a local ciphertext goes through the same verified copy. */
function fileAsStore(path: string): BlobStore {
  return {
    put: () => Promise.reject(new Error("read-only")),
    has: () => Promise.resolve(true),
    get: () => createReadStream(path, { highWaterMark: 1024 * 1024 }),
  };
}

/**
 * Errors: `HASH_MISMATCH` (the ciphertext is not what the chain registered),
 * `KEY_COMMITMENT_MISMATCH`, `CIPHERTEXT_DAMAGED` (truncated/tampered/wrong key: stream
 * authentication failed), `MERKLE_MISMATCH`, `BLOB_NOT_FOUND`, `BLOB_TOO_LARGE` (longer than
 * the registered size), `BLOB_ORIGIN_NOT_ALLOWED` (an HttpBlobStore refused the URI's origin), `DatasetsUnknown`, `DatasetsUnknownVersion`.
 */
export async function decryptDataset(ctx: SealshareContext | undefined, p: DecryptDatasetParams): Promise<DecryptDatasetResult> {
  const workDir = p.workDir ?? dirname(p.output);
  const progress = p.onProgress;
  let source: { store: BlobStore; uri: string; expected?: Hex; merkleRoot?: string; size?: number; storedFormat?: RecordFormat };
  let version: number | undefined;
  if (p.datasetId !== undefined) {
    if (!ctx) throw new SealshareError("NO_LEDGER", "checking a dataset against the chain needs the ledger");
    const datasetId = p.datasetId;
    version = p.version ?? Number((await readCall(() => ctx.ledger.dataset(datasetId))).latestVersion);
    if (version === 0) throw new SealshareError("NO_VERSION", `dataset #${datasetId} has no version yet`);
    const v = await readCall(() => ctx.ledger.datasetVersion(datasetId, version!));
    if (!(await keyMatchesVersion(ctx, p.dek, datasetId, version, v))) {
      throw new SealshareError("KEY_COMMITMENT_MISMATCH", `this key is not the one registered for dataset #${datasetId} v${version}`, {
        hint: "fetch the key of a grant for this version (`sealshare key fetch`), or use the provider's key file of that version",
      });
    }
    const [published] = await queryEvents(ctx, "DatasetVersionPublished", [datasetId, version]);
    const uri = published?.args.storageURI ?? "";
    const expected = expectedDigestOf(uri, v.merkleRoot).digest;
    const storedFormat = published ? formatOfId(published.args.formatId) : undefined;
    if (p.ciphertextPath) source = { store: fileAsStore(p.ciphertextPath), uri, expected, merkleRoot: v.merkleRoot, size: Number(v.size), storedFormat };
    else if (p.blobStore) source = { store: p.blobStore, uri, expected, merkleRoot: v.merkleRoot, size: Number(v.size), storedFormat };
    else throw new SealshareError("NO_BLOB_STORE", "say where the ciphertext is", { hint: "configure a blob folder (--blob-dir) or give the ciphertext file (--input)" });
  } else {
    if (!p.ciphertextPath) throw new SealshareError("NO_CIPHERTEXT", "name the dataset (to fetch and check it) or give a ciphertext file");
    source = { store: fileAsStore(p.ciphertextPath), uri: p.ciphertextPath };
  }

  // 1. A private copy, hashed while copied; compared with the chain's root when there is one.
  let copyPath: string;
  let removeCopy: () => Promise<void>;
  const dl = progress ? (d: number, t: number) => progress("download", d, t) : undefined;
  const store = withDownloadProgress(source.store, source.size ?? 0, dl);
  if (source.expected) {
    try {
      const blob = await fetchVerified(store, source.uri, source.expected, { dir: workDir, expectedSize: source.size });
      copyPath = blob.path;
      removeCopy = blob.remove;
    } catch (err) {
      throw blobRefusal(err, { label: `dataset #${p.datasetId} v${version}`, uri: source.uri, size: source.size }, CLI_HINTS);
    }
  } else {
    copyPath = p.ciphertextPath!;
    removeCopy = async () => undefined;
  }

  // 2. Decrypt (and convert), output only on success.
  const format = p.format ?? "raw";
  const convert = format !== "raw" && format !== source.storedFormat;
  // Always a temporary file first: nothing reaches (or replaces) the output path until the
  // stream authenticated and its Merkle root equals the chain's.
  const plainPath = convert ? join(workDir, `.sealshare-${randomBytes(6).toString("hex")}.plain`) : tempPathIn(dirname(p.output), basename(p.output));
  let committed = false;
  try {
    let summary;
    try {
      const dec = progress ? (d: number, t: number) => progress("decrypt", d, t) : undefined;
      summary = await decryptFileWithProgress(copyPath, plainPath, p.dek, dec);
    } catch (err) {
      throw streamRefusal(err);
    }
    if (source.merkleRoot) checkMerkleRoot(summary.merkleRoot, source.merkleRoot);
    let records: number | undefined;
    if (convert) {
      records = (await convertRecordsFile(plainPath, p.output, { from: source.storedFormat, to: format })).records;
    } else {
      await commitFile(plainPath, p.output);
      committed = true;
    }
    return {
      ...(p.datasetId !== undefined ? { datasetId: p.datasetId, version } : {}),
      output: p.output,
      verified: source.expected !== undefined,
      merkleRoot: summary.merkleRoot,
      plaintextSize: summary.plaintextSize,
      format: convert ? format : (source.storedFormat ?? "raw"),
      ...(records !== undefined ? { records } : {}),
    };
  } finally {
    if (!committed) await rm(plainPath, { force: true });
    await removeCopy();
  }
}
