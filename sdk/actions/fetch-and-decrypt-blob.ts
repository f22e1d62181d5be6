/**
 * The requester turns its grant into plaintext in a browser: the key is fetched with
 * {@link fetchKey} (the custodian's account holds CUSTODIAN_ROLE on chain, the grant is valid,
 * the envelope is this request's and names the chain's dataset, version, device key and kind, it
 * unwraps with the device key and matches the version's key commitment), the ciphertext with
 * {@link fetchCiphertext} (origin rule, registered size, registered Merkle root), and it is decrypted
 * with the web stream decryptor (every chunk authenticated, the chunk Merkle root compared with
 * the chain's). Only then is the plaintext handed over. Browser-safe (no `node:*`, no Buffer);
 * the Node counterpart on files is fetchKey + decryptDataset.
 *
 * @example
 * ```ts
 * const out = await fetchAndDecryptBlob(insurerCtx, {
 *   custodian, requestId: 7n, devicePrivateKey: device.privateKey,
 *   blobs: { blobUrl: "https://blobs.bank.example/{scheme}/{sha256}" },
 * });
 * const csv = await convertBlob(out.plaintext, out.format ?? "raw", "csv");
 * ```
 */
import type { CustodianClient } from "../custodian-client.js";
import type { WebBlobOrigins } from "../blob/web-fetch.js";
import type { RecordFormat } from "../convert/records.js";
import { SealshareError } from "../errors.js";
import type { StreamSummary } from "../stream/summary.js";
import { decryptStream } from "../stream/web/decrypt.js";
import { checkMerkleRoot, streamRefusal } from "./ciphertext-refusals.js";
import type { CustodyContext } from "./custody-context.js";
import { fetchCiphertext } from "./fetch-ciphertext.js";
import { fetchGrantKey } from "./fetch-grant-key.js";

export interface FetchAndDecryptBlobParams {
  custodian: CustodianClient;
  /**
   * The custodians of a set, when the grant's version is under threshold custody (the context's
   * `custody` contract says so on chain: then the key is rebuilt from their shares, fetchThresholdKey).
   * Default: `[custodian]`.
   */
  custodians?: readonly CustodianClient[];
  requestId: bigint;
  /** The private key of the device the request named. Never leaves this page. */
  devicePrivateKey: Uint8Array;
  /** Where ciphertexts are served (sdk/blob/web-fetch.ts). */
  blobs: WebBlobOrigins & { fetch?: typeof fetch };
  /** Keep polling this long while the custodian says "pending" (fetchKey). Default 0. */
  waitMs?: number;
  /** Progress: "key" once, then bytes downloaded, then ciphertext bytes decrypted. */
  onProgress?: (phase: "key" | "download" | "decrypt", done: number, total: number) => void;
}

export interface FetchAndDecryptBlobResult {
  requestId: bigint;
  datasetId: bigint;
  version: number;
  /** GrantKind of the envelope. */
  kind: number;
  /** The custodian account that signed the envelope (holds CUSTODIAN_ROLE); under threshold custody, the first whose share was used. */
  custodian: string;
  /** Under threshold custody: every custodian whose share was combined. */
  custodians: string[];
  /** The plaintext, complete and authenticated. */
  plaintext: Blob;
  /** How the provider stored it: ndjson | json | csv, or undefined for data that is not records. */
  format?: RecordFormat;
  /** The decrypted stream's facts; hash, root and size equal the chain's. */
  summary: StreamSummary;
}

/**
 * Errors: those of fetchKey, or fetchThresholdKey under threshold custody (`GRANT_NOT_VALID`, `KEY_NOT_READY`, `CUSTODIAN_NOT_AUTHORIZED`,
 * `ENVELOPE_*`, `UNWRAP_FAILED`, `KEY_COMMITMENT_MISMATCH`, CustodianError), those of
 * fetchCiphertext (`HASH_MISMATCH`, `BLOB_TOO_LARGE`, `BLOB_ORIGIN_NOT_ALLOWED`,
 * `BLOB_NOT_FOUND`), `CIPHERTEXT_DAMAGED`, `MERKLE_MISMATCH`.
 */
export async function fetchAndDecryptBlob(ctx: CustodyContext, p: FetchAndDecryptBlobParams): Promise<FetchAndDecryptBlobResult> {
  const progress = p.onProgress;
  // Threshold custody when the grant's version has a custody record on chain, the single custodian otherwise.
  const key = await fetchGrantKey(ctx, { custodian: p.custodian, custodians: p.custodians, requestId: p.requestId, devicePrivateKey: p.devicePrivateKey, waitMs: p.waitMs });
  try {
    progress?.("key", 1, 1);
    const { ciphertext, facts } = await fetchCiphertext(ctx, {
      datasetId: key.datasetId,
      version: key.version,
      blobs: p.blobs,
      onProgress: progress && ((done, total) => progress("download", done, total)),
    });
    const { plaintext: stream, result } = decryptStream(ciphertext, key.dek, { onProgress: progress && ((s) => progress("decrypt", s.ciphertextBytes, ciphertext.size)) });
    let plaintext: Blob;
    let summary: StreamSummary;
    try {
      // The Blob exists only once the whole stream authenticated (reading rejects at the first bad chunk).
      plaintext = await new Response(stream).blob();
      summary = await result;
    } catch (err) {
      throw streamRefusal(err);
    }
    checkMerkleRoot(summary.merkleRoot, facts.merkleRoot);
    return { requestId: p.requestId, datasetId: key.datasetId, version: key.version, kind: key.kind, custodian: key.custodians[0]!, custodians: key.custodians, plaintext, format: facts.format, summary };
  } finally {
    key.dek.fill(0);
  }
}
