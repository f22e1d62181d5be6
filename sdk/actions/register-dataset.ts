/**
 * A provider registers a dataset about a subject: the file is encrypted client-side with a fresh
 * data key (or a ciphertext encrypted earlier is used), stored in the blob store, and registered
 * on chain with its hashes, size, URI, format and the commitment to its data key.
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
import { eventIn, sendTx, toAddress, toBytes32, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import type { ProgressFn } from "./files.js";
import { prepareVersion, versionFacts, type DatasetSource, type VersionFacts } from "./version-source.js";
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

/** Errors: `MembersNotActive`, `DatasetsPolicyBelowMinimum`, `DatasetsInvalidCategory`, `KEY_COMMITMENT_MISMATCH`. */
export async function registerDataset(ctx: SealshareContext, p: RegisterDatasetParams): Promise<RegisterDatasetResult> {
  const subject = toAddress(p.subject, "subject");
  const category = toCategory(p.category);
  const prepared = await prepareVersion(p.source, p.blobStore, p.format, p.onProgress);
  const sourceRef = p.sourceRef ? toBytes32(p.sourceRef) : ZeroHash;
  const receipt = await sendTx(() => writer(ctx).registerDataset(subject, category, p.policy, sourceRef, prepared.version));
  const e = eventIn(ctx, receipt, "DatasetRegistered");
  return { ...txResult(receipt), datasetId: e.datasetId as bigint, version: 1, ...versionFacts(prepared) };
}
