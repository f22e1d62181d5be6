/**
 * The slot a new dataset version is committed to, and the send-and-retry for it: browser-safe
 * (no files), shared by the Node actions that encrypt files (version-source.ts, registerDataset,
 * publishVersion) and the browser ones that get a ciphertext already encrypted and stored
 * (registerEncryptedDataset, publishEncryptedVersion). Not an action itself.
 *
 * The data-key commitment (v2, docs/FORMAT.md §11) binds the key to the slot the ledger will
 * assign — chain id, ledger, dataset id, version — and the Merkle root, so it is computed per
 * attempt for the slot read just before sending (`sendForSlot`), never once per file.
 */
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { SealshareError } from "../errors.js";
import { keyCommitment, type KeyBinding } from "../stream/commitment.js";
import type { Hex } from "../stream/hex.js";
import { readCall, sendTx, type SealshareContext } from "./context.js";
import { deploymentOf } from "./key-binding.js";

/** The on-chain `VersionParams` (contracts/common/Types.sol): the slot first, then the ciphertext's facts. */
export interface VersionParams {
  /** The dataset id the commitment was made for (the ledger reverts `DatasetsVersionSlotMismatch` unless it assigns this one). */
  datasetId: bigint;
  /** The version number the commitment was made for. */
  version: number;
  merkleRoot: Hex;
  keyCommitment: Hex;
  size: number;
  formatId: string;
  storageURI: string;
}

export interface PreparedVersion {
  /** Everything but the slot and the commitment, which depend on the slot. */
  version: Omit<VersionParams, "datasetId" | "version" | "keyCommitment">;
  dek: Uint8Array;
  format: string;
  plaintextSize?: number;
  /** The blob URI when preparing it added the ciphertext to the blob store (it was not there before): the blob a refused registration takes back (orphan-blob.ts). */
  createdBlob?: string;
}

/** What a registered or published version's result tells its provider (both actions return it). */
export interface VersionFacts {
  uri: string;
  merkleRoot: Hex;
  /** The v2 commitment registered: bound to this chain, ledger, dataset id and version (docs/FORMAT.md §11). */
  keyCommitment: Hex;
  size: number;
  plaintextSize?: number;
  format: string;
  /** The version's data key, to deposit with the custodian (`depositKey`). Secret. */
  dek: Uint8Array;
}

export function versionFacts(prepared: PreparedVersion, committed: VersionParams): VersionFacts {
  const v = prepared.version;
  return {
    uri: v.storageURI,
    merkleRoot: v.merkleRoot,
    keyCommitment: committed.keyCommitment,
    size: v.size,
    plaintextSize: prepared.plaintextSize,
    format: prepared.format,
    dek: prepared.dek,
  };
}

/** The `VersionParams` of `prepared` for one slot, with the key committed to that slot (v2). */
export function versionParamsFor(prepared: PreparedVersion, slot: Omit<KeyBinding, "merkleRoot">): VersionParams {
  const binding: KeyBinding = { ...slot, merkleRoot: prepared.version.merkleRoot };
  return {
    datasetId: BigInt(slot.datasetId),
    version: Number(slot.version),
    ...prepared.version,
    keyCommitment: keyCommitment(prepared.dek, binding),
  };
}

/** How many times a version is re-committed and resent after losing the race for its slot. */
export const SLOT_ATTEMPTS = 3;

/**
 * Sends a registration or publication for the slot `nextSlot()` says the ledger will assign,
 * with the commitment made for that slot. If another transaction took the slot first (the
 * ledger reverts `DatasetsVersionSlotMismatch`), the slot is read again, the commitment
 * recomputed and the transaction resent — at most {@link SLOT_ATTEMPTS} times in all.
 */
export async function sendForSlot(
  ctx: SealshareContext,
  prepared: PreparedVersion,
  nextSlot: () => Promise<{ datasetId: bigint; version: number }>,
  send: (params: VersionParams) => Promise<ContractTransactionResponse>,
): Promise<{ receipt: ContractTransactionReceipt; params: VersionParams }> {
  const deployment = await deploymentOf(ctx);
  for (let attempt = 1; ; attempt++) {
    const slot = await nextSlot();
    const params = versionParamsFor(prepared, { ...deployment, ...slot });
    try {
      return { receipt: await sendTx(() => send(params)), params };
    } catch (err) {
      if ((err as SealshareError).code !== "DatasetsVersionSlotMismatch" || attempt >= SLOT_ATTEMPTS) throw err;
    }
  }
}

/** The id the ledger gives the next dataset (`nextDatasetId()`). */
export async function nextDatasetSlot(ctx: SealshareContext): Promise<{ datasetId: bigint; version: number }> {
  return { datasetId: BigInt(await readCall(() => ctx.ledger.nextDatasetId())), version: 1 };
}
