/**
 * The dataset's current provider hands stewardship to another active member, who approves and
 * publishes versions from then on. Recorded on chain (`DatasetTransferred`).
 *
 * @example
 * ```ts
 * await transferDataset(bankCtx, { datasetId: 1n, to: "0xOtherBank…" });
 * ```
 */
import { sendTx, toAddress, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface TransferDatasetParams {
  datasetId: bigint;
  to: string;
}

export interface TransferDatasetResult extends TxResult {
  datasetId: bigint;
  from: string;
  to: string;
}

/** Errors: `DatasetsNotProvider`, `DatasetsRetired`, `MembersNotActive` (the new provider). */
export async function transferDataset(ctx: SealshareContext, p: TransferDatasetParams): Promise<TransferDatasetResult> {
  const to = toAddress(p.to, "to");
  const receipt = await sendTx(() => writer(ctx).transferDataset(p.datasetId, to));
  return { ...txResult(receipt), datasetId: p.datasetId, from: receipt.from, to };
}
