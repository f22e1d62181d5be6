/**
 * A provider publishes a new version of its dataset from a ciphertext it already encrypted and
 * stored (a browser, say): the data key is committed (v2) to `latestVersion + 1`, read just
 * before sending, and recommitted if another publication took that number first. The
 * file-based `publishVersion` (Node) encrypts and stores first, then does the same.
 *
 * @example
 * ```ts
 * const { version } = await publishEncryptedVersion(bankCtx, { datasetId: 1n, encrypted });
 * await depositKey(bankCtx, { custodian, datasetId: 1n, version, dek: encrypted.dek });
 * ```
 */
import { eventIn, readCall, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import { preparedOf, type EncryptedVersion } from "./register-encrypted-dataset.js";
import { sendForSlot } from "./version-slot.js";

export interface PublishEncryptedVersionParams {
  datasetId: bigint;
  encrypted: EncryptedVersion;
}

export interface PublishEncryptedVersionResult extends TxResult {
  datasetId: bigint;
  version: number;
  keyCommitment: string;
}

/** Errors: `DatasetsUnknown`, `DatasetsNotProvider`, `DatasetsRetired`, `DatasetsVersionSlotMismatch`. */
export async function publishEncryptedVersion(ctx: SealshareContext, p: PublishEncryptedVersionParams): Promise<PublishEncryptedVersionResult> {
  const nextVersion = async () => ({ datasetId: p.datasetId, version: Number((await readCall(() => ctx.ledger.dataset(p.datasetId))).latestVersion) + 1 });
  const { receipt, params } = await sendForSlot(ctx, preparedOf(p.encrypted), nextVersion, (v) => writer(ctx).publishVersion(p.datasetId, v));
  const e = eventIn(ctx, receipt, "DatasetVersionPublished");
  return { ...txResult(receipt), datasetId: p.datasetId, version: Number(e.version), keyCommitment: params.keyCommitment };
}
