/**
 * Datasets from the ledger's events and views: those about a subject, or stewarded now by a
 * provider (registered by it or transferred to it), or all. Each as `getDataset` returns it —
 * policy, the rules a grant needs now (its category floor included), every version — plus the
 * registering transaction.
 *
 * @example
 * ```ts
 * const mine = await listDatasets(ctx, { provider: bank });
 * for (const d of mine) console.log(d.datasetId, d.rules.supervisorQuorum, d.versions.length);
 * ```
 */
import { getAddress } from "ethers";
import { queryEvents, toAddress, type SealshareContext } from "./context.js";
import { getCategoryFloors } from "./get-category-floors.js";
import { getDataset, type GetDatasetResult } from "./get-dataset.js";

export interface ListDatasetsParams {
  subject?: string;
  /** The provider stewarding the dataset now. */
  provider?: string;
}

export interface DatasetListing extends GetDatasetResult {
  /** The `DatasetRegistered` transaction (or the transfer that brought it to `provider`). */
  txHash: string;
}

/** Errors: `INVALID_ADDRESS`. */
export async function listDatasets(ctx: SealshareContext, p: ListDatasetsParams = {}): Promise<DatasetListing[]> {
  const subject = p.subject ? toAddress(p.subject, "subject") : null;
  const provider = p.provider ? toAddress(p.provider, "provider") : null;
  const registered = await queryEvents(ctx, "DatasetRegistered", [null, provider && !subject ? provider : null, subject]);
  const ids = new Map<bigint, string>(registered.map((e) => [e.args.datasetId as bigint, e.txHash]));
  if (provider) {
    for (const e of await queryEvents(ctx, "DatasetTransferred", [null, null, provider])) if (!ids.has(e.args.datasetId)) ids.set(e.args.datasetId, e.txHash);
  }
  const floors = await getCategoryFloors(ctx);
  const all = await Promise.all([...ids].map(async ([datasetId, txHash]) => ({ ...(await getDataset(ctx, { datasetId, floors })), txHash })));
  return all.filter((d) => !provider || getAddress(d.provider) === provider).sort((a, b) => Number(a.datasetId - b.datasetId));
}
