/**
 * A dataset as the ledger knows it: provider, subject, category, policy, the rules a grant
 * needs now (the policy with its category's floor), whether it is retired, and every version with its hashes, size, format and storage URI (the URI is only in the
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
import { queryEvents, readCall, type SealshareContext } from "./context.js";
import type { Policy } from "./register-dataset.js";
import { grantRules, NO_FLOOR, type CategoryFloor, type GrantRules } from "../reads/grant-rules.js";
import { getCategoryFloors } from "./get-category-floors.js";

export interface GetDatasetParams {
  datasetId: bigint;
  /** Category floors already read (getCategoryFloors); read here when omitted. */
  floors?: Map<number, CategoryFloor>;
}

export interface DatasetVersionInfo {
  version: number;
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
  /** What a grant needs now: the policy and the category floor together (sdk/reads/grant-rules.ts). */
  rules: GrantRules;
  versions: DatasetVersionInfo[];
}

/** Errors: `DatasetsUnknown`. */
export async function getDataset(ctx: SealshareContext, p: GetDatasetParams): Promise<GetDatasetResult> {
  const d = await readCall(() => ctx.ledger.dataset(p.datasetId));
  const logs = await queryEvents(ctx, "DatasetVersionPublished", [p.datasetId]);
  const floors = p.floors ?? (await getCategoryFloors(ctx));
  const versions = logs.map((l) => ({
    version: Number(l.args.version),
    merkleRoot: l.args.merkleRoot,
    keyCommitment: l.args.keyCommitment,
    size: Number(l.args.size),
    formatId: l.args.formatId,
    format: formatOfId(l.args.formatId),
    storageURI: l.args.storageURI,
    provider: l.args.provider,
    txHash: l.txHash,
    blockNumber: l.blockNumber,
  }));
  const policy: Policy = {
    requireProvider: d.policy.requireProvider,
    supervisorQuorum: Number(d.policy.supervisorQuorum),
    maxTemporary: Number(d.policy.maxTemporary),
    maxFormal: Number(d.policy.maxFormal),
  };
  return {
    datasetId: p.datasetId,
    provider: d.provider,
    subject: d.subject,
    category: Number(d.category),
    categoryName: categoryName(Number(d.category)),
    retired: d.retired,
    latestVersion: Number(d.latestVersion),
    policy,
    rules: grantRules(policy, floors.get(Number(d.category)) ?? NO_FLOOR),
    versions,
  };
}
