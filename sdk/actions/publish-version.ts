/**
 * The dataset's current provider publishes a new version (a re-encryption under a new data key,
 * e.g. after a revocation, so a key already released opens nothing new). Append-only.
 *
 * @example
 * ```ts
 * const v2 = await publishVersion(bankCtx, { datasetId: 1n, source: { plaintext: "ana-2025.ndjson" }, blobStore });
 * await depositKey(bankCtx, { custodian, datasetId: 1n, version: v2.version, dek: v2.dek });
 * ```
 */
import type { BlobStore } from "../blob/types.js";
import { eventIn, readCall, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import type { ProgressFn } from "./files.js";
import { takeBackBlobOnRefusal } from "./orphan-blob.js";
import { prepareVersion, sendForSlot, versionFacts, type DatasetSource, type VersionFacts } from "./version-source.js";

export interface PublishVersionParams {
  datasetId: bigint;
  source: DatasetSource;
  blobStore: BlobStore;
  format?: string;
  onProgress?: ProgressFn;
}

export interface PublishVersionResult extends TxResult, VersionFacts {
  datasetId: bigint;
  version: number;
}

/**
 * The data key is committed (v2) to version `latestVersion + 1` of this dataset, read just before
 * sending (and again, recommitted, if another publication took that number first). When the
 * ledger refuses it, the ciphertext blob this call added is removed again (orphan-blob.ts).
 *
 * Errors: `DatasetsUnknown`, `DatasetsNotProvider`, `DatasetsRetired`, `KEY_FILE_MISMATCH`,
 * `WRONG_DATA_KEY`, `DatasetsVersionSlotMismatch`.
 */
export async function publishVersion(ctx: SealshareContext, p: PublishVersionParams): Promise<PublishVersionResult> {
  const prepared = await prepareVersion(p.source, p.blobStore, p.format, p.onProgress);
  const nextVersion = async () => ({ datasetId: p.datasetId, version: Number((await readCall(() => ctx.ledger.dataset(p.datasetId))).latestVersion) + 1 });
  const { receipt, params } = await takeBackBlobOnRefusal(ctx, p.blobStore, prepared, () => sendForSlot(ctx, prepared, nextVersion, (v) => writer(ctx).publishVersion(p.datasetId, v)));
  const e = eventIn(ctx, receipt, "DatasetVersionPublished");
  return { ...txResult(receipt), datasetId: p.datasetId, version: Number(e.version), ...versionFacts(prepared, params) };
}
