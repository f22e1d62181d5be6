/**
 * A dataset as the ledger knows it: provider, subject, category, policy, whether it is retired,
 * and every version with its hashes, size, format and storage URI (the URI is only in the
 * `DatasetVersionPublished` event, so it is read from the logs).
 *
 * @example
 * ```ts
 * const ds = await getDataset(ctx, { datasetId: 1n });
 * console.log(ds.latestVersion, ds.versions[0]?.storageURI);
 * ```
 */
import { formatOfId } from "../convert/records.js";
import { categoryName } from "../vocabulary.js";
import { readCall, type SealshareContext } from "./context.js";
import type { Policy } from "./register-dataset.js";

export interface GetDatasetParams {
  datasetId: bigint;
}

export interface DatasetVersionInfo {
  version: number;
  ciphertextSha256: string;
  merkleRoot: string;
  keyCommitment: string;
  size: number;
  formatId: string;
  /** ndjson | json | csv when the format id is one of those, else undefined. */
  format?: string;
  storageURI: string;
  provider: string;
  txHash: string;
  blockNumber: number;
}

export interface GetDatasetResult {
  datasetId: bigint;
  provider: string;
  subject: string;
  category: number;
  categoryName: string;
  retired: boolean;
  latestVersion: number;
  policy: Policy;
  versions: DatasetVersionInfo[];
}

/** Errors: `DatasetsUnknown`. */
export async function getDataset(ctx: SealshareContext, p: GetDatasetParams): Promise<GetDatasetResult> {
  const d = await readCall(() => ctx.ledger.dataset(p.datasetId));
  const logs = await ctx.ledger.queryFilter(ctx.ledger.filters.DatasetVersionPublished(p.datasetId), ctx.fromBlock ?? 0);
  const versions = logs.map((l) => ({
    version: Number(l.args.version),
    ciphertextSha256: l.args.ciphertextSha256,
    merkleRoot: l.args.merkleRoot,
    keyCommitment: l.args.keyCommitment,
    size: Number(l.args.size),
    formatId: l.args.formatId,
    format: formatOfId(l.args.formatId),
    storageURI: l.args.storageURI,
    provider: l.args.provider,
    txHash: l.transactionHash,
    blockNumber: l.blockNumber,
  }));
  return {
    datasetId: p.datasetId,
    provider: d.provider,
    subject: d.subject,
    category: Number(d.category),
    categoryName: categoryName(Number(d.category)),
    retired: d.retired,
    latestVersion: Number(d.latestVersion),
    policy: {
      requireProvider: d.policy.requireProvider,
      supervisorQuorum: Number(d.policy.supervisorQuorum),
      maxTemporary: Number(d.policy.maxTemporary),
      maxFormal: Number(d.policy.maxFormal),
    },
    versions,
  };
}
