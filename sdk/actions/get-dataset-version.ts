/**
 * One published version of a dataset as the ledger stores it (`datasetVersion`): the
 * ciphertext's SHA-256, the Merkle root of its chunks, the data key's commitment, its size and
 * when it was published. What a key file records so that the ciphertext and the key can be
 * checked against the chain later. (The storage URI is only in the version's event:
 * getDataset reads it.)
 *
 * @example
 * ```ts
 * const v = await getDatasetVersion(ctx, { datasetId: 1n, version: 2 });
 * console.log(v.merkleRoot, v.size);
 * ```
 */
import { readCall, type SealshareContext } from "./context.js";

export interface GetDatasetVersionParams {
  datasetId: bigint;
  version: number;
}

export interface GetDatasetVersionResult {
  datasetId: bigint;
  version: number;
  merkleRoot: string;
  keyCommitment: string;
  size: number;
  /** Unix seconds. */
  publishedAt: number;
}

/** Errors: `DatasetsUnknown`, `DatasetsUnknownVersion`. */
export async function getDatasetVersion(ctx: SealshareContext, p: GetDatasetVersionParams): Promise<GetDatasetVersionResult> {
  const v = await readCall(() => ctx.ledger.datasetVersion(p.datasetId, p.version));
  return {
    datasetId: p.datasetId,
    version: p.version,
    merkleRoot: v.merkleRoot,
    keyCommitment: v.keyCommitment,
    size: Number(v.size),
    publishedAt: Number(v.publishedAt),
  };
}
