/**
 * A provider registers a dataset about a subject: the file is encrypted client-side with a fresh
 * data key (or a ciphertext encrypted earlier is used), stored in the blob store, and registered
 * on chain with its hashes, size, URI, format and the commitment to its data key (v2: bound to
 * this chain, ledger, the dataset id the ledger assigns and version 1).
 *
 * The result carries the DEK to deposit with the custodian (`depositKey`); keep it secret.
 *
 * @example
 * ```ts
 * const ds = await registerDataset(bankCtx, {
 *   subject: ana,
 *   category: "deposit",
 *   policy: { requireProvider: true, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 30 * 86400 },
 *   source: { plaintext: "ana.ndjson" },
 *   blobStore: new LocalBlobStore(".blobs"),
 * });
 * await depositKey(bankCtx, { custodian, datasetId: ds.datasetId, version: 1, dek: ds.dek });
 * ```
 */
import { ZeroHash } from "ethers";
import type { BlobStore } from "../blob/types.js";
import { eventIn, toAddress, toBytes32, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import type { ProgressFn } from "./files.js";
import { takeBackBlobOnRefusal } from "./orphan-blob.js";
import { nextDatasetSlot, prepareVersion, sendForSlot, versionFacts, type DatasetSource, type VersionFacts } from "./version-source.js";
import { toCategory } from "./vocab.js";

/** A dataset's access policy (contracts/common/Types.sol `Policy`). */
export interface Policy {
  requireProvider: boolean;
  supervisorQuorum: number;
  /** Seconds; 0 disables temporary grants. */
  maxTemporary: number;
  /** Seconds. */
  maxFormal: number;
}

export interface RegisterDatasetParams {
  subject: string;
  category: string | number;
  policy: Policy;
  source: DatasetSource;
  blobStore: BlobStore;
  /** Record format name recorded as the format id; sniffed from a plaintext source by default. */
  format?: string;
  /** Reference of the data source (text hashed, or bytes32). */
  sourceRef?: string;
  onProgress?: ProgressFn;
}

export interface RegisterDatasetResult extends TxResult, VersionFacts {
  datasetId: bigint;
  version: number;
}

/**
 * When the ledger refuses the registration, the ciphertext blob this call added is removed again
 * (unless a registered version names it: orphan-blob.ts); the error is rethrown.
 *
 * The data key is committed (v2) to `nextDatasetId()` as read just before sending; when another
 * registration takes that id first, the commitment is recomputed for the next id and the
 * transaction resent (at most `SLOT_ATTEMPTS` times; the file is encrypted and stored once).
 *
 * Errors: `MembersNotActive`, `DatasetsPolicyBelowMinimum`, `DatasetsInvalidCategory`,
 * `KEY_FILE_MISMATCH`, `WRONG_DATA_KEY`, `DatasetsVersionSlotMismatch` (lost the race for the id every time).
 */
export async function registerDataset(ctx: SealshareContext, p: RegisterDatasetParams): Promise<RegisterDatasetResult> {
  const subject = toAddress(p.subject, "subject");
  const category = toCategory(p.category);
  const prepared = await prepareVersion(p.source, p.blobStore, p.format, p.onProgress);
  const sourceRef = p.sourceRef ? toBytes32(p.sourceRef) : ZeroHash;
  const { receipt, params } = await takeBackBlobOnRefusal(ctx, p.blobStore, prepared, () =>
    sendForSlot(ctx, prepared, () => nextDatasetSlot(ctx), (v) => writer(ctx).registerDataset(subject, category, p.policy, sourceRef, v)),
  );
  const e = eventIn(ctx, receipt, "DatasetRegistered");
  return { ...txResult(receipt), datasetId: e.datasetId as bigint, version: 1, ...versionFacts(prepared, params) };
}
