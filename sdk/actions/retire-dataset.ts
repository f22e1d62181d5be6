/**
 * The dataset's provider retires it: no new requests or versions, and live grants stop.
 *
 * @example
 * ```ts
 * await retireDataset(bankCtx, { datasetId: 1n });
 * ```
 */
import { sendTx, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface RetireDatasetParams {
  datasetId: bigint;
}

export interface RetireDatasetResult extends TxResult {
  datasetId: bigint;
}

/** Errors: `DatasetsUnknown`, `DatasetsNotProvider`, `DatasetsRetired`. */
export async function retireDataset(ctx: SealshareContext, p: RetireDatasetParams): Promise<RetireDatasetResult> {
  const receipt = await sendTx(() => writer(ctx).retireDataset(p.datasetId));
  return { ...txResult(receipt), datasetId: p.datasetId };
}
