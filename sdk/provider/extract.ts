/**
 * One extraction: pull a subject's records through a data-source adapter, normalize them to
 * plain JSON objects, write them as NDJSON straight into the stream encryptor under a fresh data
 * key, and keep only the ciphertext (in a temporary file, owner-readable). The plaintext never
 * touches the disk; the caller publishes the ciphertext as a dataset version and deposits the key.
 */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { encodeNdjson, normalizeRecords } from "../sources/normalize.js";
import type { DataSource, PullRequest } from "../sources/types.js";
import { encryptStream, generateDataKey, type StreamSummary } from "../stream/index.js";

export interface Extraction {
  /** The ciphertext file; remove it with {@link Extraction.remove} once published. */
  readonly ciphertextPath: string;
  readonly summary: StreamSummary;
  /** The fresh data key. Secret: zero it (`dek.fill(0)`) when done. */
  readonly dek: Uint8Array;
  /** Records written. */
  readonly records: number;
  remove(): Promise<void>;
}

export interface ExtractOptions {
  /** Folder for the temporary ciphertext. */
  workDir: string;
  /** Refuse more records than this (SOURCE_TOO_LARGE). */
  maxRecords?: number;
}

/** Errors: the adapter's SourceErrors (unchanged), file system errors. */
export async function extractToCiphertext(source: DataSource, request: PullRequest, opts: ExtractOptions): Promise<Extraction> {
  const ciphertextPath = join(opts.workDir, `.sealshare-extract-${randomBytes(6).toString("hex")}.sealed`);
  const dek = generateDataKey();
  let records = 0;
  try {
    const normalized = normalizeRecords(source.pull(request), { source: source.name, maxRecords: opts.maxRecords });
    const { ciphertext, result } = encryptStream(
      encodeNdjson(normalized, () => records++),
      dek,
    );
    result.catch(() => undefined); // the same error surfaces through the pipeline
    await pipeline(ciphertext, createWriteStream(ciphertextPath, { flags: "wx", mode: 0o600 }), { signal: request.signal });
    const summary = await result;
    return { ciphertextPath, summary, dek, records, remove: () => rm(ciphertextPath, { force: true }) };
  } catch (err) {
    dek.fill(0);
    await rm(ciphertextPath, { force: true });
    throw err;
  }
}
