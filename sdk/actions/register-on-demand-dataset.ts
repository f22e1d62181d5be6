/**
 * A provider registers an **on-demand** dataset about a subject: no ciphertext yet, only the
 * reference of the data source its extraction adapter pulls from. The ledger records the
 * dataset with no version; when a requester asks for it, the provider's worker
 * (sdk/provider/worker.ts, `sealshare provider serve`) pulls the subject's records from that
 * source, encrypts them, publishes version 1 (then 2, … on later requests) and deposits the key.
 *
 * The ledger keeps `keccak256(sourceRef)` (or `sourceRef` itself when it is already a bytes32);
 * the worker's sources file is keyed by the same text.
 *
 * @example
 * ```ts
 * const ds = await registerOnDemandDataset(bankCtx, {
 *   subject: ana,
 *   category: "deposit",
 *   policy: { requireProvider: true, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 30 * 86400 },
 *   sourceRef: "core-banking/deposits",
 * });
 * ```
 */
import { ZeroHash } from "ethers";
import { SealshareError } from "../errors.js";
import { eventIn, sendTx, toAddress, toBytes32, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import type { Policy } from "./register-dataset.js";
import { toCategory } from "./vocab.js";

export interface RegisterOnDemandDatasetParams {
  subject: string;
  category: string | number;
  policy: Policy;
  /** The data source reference (text, hashed; or a bytes32). Required: it is what marks the dataset on demand. */
  sourceRef: string;
}

export interface RegisterOnDemandDatasetResult extends TxResult {
  datasetId: bigint;
  /** The bytes32 recorded on chain. */
  sourceRef: string;
  /** Always 0: the first version comes with the first request. */
  version: 0;
}

/** The all-zero first version that registers a dataset without one (IDatasets.registerDataset). */
const NO_VERSION = { datasetId: 0n, version: 0, merkleRoot: ZeroHash, keyCommitment: ZeroHash, size: 0, formatId: ZeroHash, storageURI: "" };

/** Errors: `NO_SOURCE_REF`, `MembersNotActive`, `DatasetsPolicyBelowMinimum`, `DatasetsInvalidCategory`, `DatasetsInvalidSubject`. */
export async function registerOnDemandDataset(ctx: SealshareContext, p: RegisterOnDemandDatasetParams): Promise<RegisterOnDemandDatasetResult> {
  const subject = toAddress(p.subject, "subject");
  const category = toCategory(p.category);
  if (!p.sourceRef?.trim()) {
    throw new SealshareError("NO_SOURCE_REF", "an on-demand dataset needs the reference of its data source", {
      hint: "give the key of its entry in the provider's sources file (e.g. core-banking/deposits)",
    });
  }
  const sourceRef = toBytes32(p.sourceRef.trim());
  if (sourceRef === ZeroHash) throw new SealshareError("NO_SOURCE_REF", "the source reference cannot be zero");
  const receipt = await sendTx(() => writer(ctx).registerDataset(subject, category, p.policy, sourceRef, NO_VERSION));
  const e = eventIn(ctx, receipt, "DatasetRegistered");
  return { ...txResult(receipt), datasetId: e.datasetId as bigint, sourceRef, version: 0 };
}
