/**
 * A provider registers a dataset whose ciphertext it already encrypted and stored (in a browser,
 * say: `encryptStream` then an upload): the data key is committed (v2) to the slot the ledger
 * will assign, and the registration resent for the next slot if another one took it first. The
 * file-based `registerDataset` (Node) encrypts and stores first, then does the same.
 *
 * @example
 * ```ts
 * const { datasetId } = await registerEncryptedDataset(bankCtx, {
 *   subject: ana, category: "deposit", policy,
 *   encrypted: { dek, merkleRoot, size, formatId: formatIdOf("ndjson"), storageURI },
 * });
 * await depositKey(bankCtx, { custodian, datasetId, version: 1, dek });
 * ```
 */
import { ZeroHash } from "ethers";
import { eventIn, toAddress, toBytes32, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import type { Policy } from "./register-dataset.js";
import { toCategory } from "./vocab.js";
import { nextDatasetSlot, sendForSlot, type PreparedVersion } from "./version-slot.js";

/** A ciphertext already encrypted with `dek` and stored at `storageURI`. */
export interface EncryptedVersion {
  dek: Uint8Array;
  merkleRoot: `0x${string}`;
  size: number;
  /** bytes32 format id (formatIdOf). */
  formatId: string;
  storageURI: string;
}

export interface RegisterEncryptedDatasetParams {
  subject: string;
  category: string | number;
  policy: Policy;
  encrypted: EncryptedVersion;
  /** Reference of the data source (text hashed, or bytes32); none by default. */
  sourceRef?: string;
}

export interface RegisterEncryptedDatasetResult extends TxResult {
  datasetId: bigint;
  version: 1;
  keyCommitment: string;
}

/**
 * Errors: `MembersNotActive`, `DatasetsPolicyBelowMinimum`, `DatasetsInvalidCategory`,
 * `DatasetsVersionSlotMismatch` (lost the race for the id every time).
 */
export async function registerEncryptedDataset(ctx: SealshareContext, p: RegisterEncryptedDatasetParams): Promise<RegisterEncryptedDatasetResult> {
  const subject = toAddress(p.subject, "subject");
  const category = toCategory(p.category);
  const sourceRef = p.sourceRef ? toBytes32(p.sourceRef) : ZeroHash;
  const { receipt, params } = await sendForSlot(ctx, preparedOf(p.encrypted), () => nextDatasetSlot(ctx), (v) => writer(ctx).registerDataset(subject, category, p.policy, sourceRef, v));
  const e = eventIn(ctx, receipt, "DatasetRegistered");
  return { ...txResult(receipt), datasetId: e.datasetId as bigint, version: 1, keyCommitment: params.keyCommitment };
}

/** The slot-independent part of the version, as sendForSlot takes it. */
export function preparedOf(e: EncryptedVersion): PreparedVersion {
  const { dek, ...version } = e;
  return { version, dek, format: e.formatId };
}
