/**
 * Turns what a provider hands over for a new dataset version — a plaintext file to encrypt, or a
 * ciphertext encrypted earlier with its key — into the on-chain `VersionParams`, with the
 * ciphertext stored in the blob store. Shared by registerDataset and publishVersion; not an
 * action itself.
 *
 * The data-key commitment (v2, docs/FORMAT.md §11) binds the key to the slot the ledger will
 * assign — chain id, ledger, dataset id, version — and the Merkle root, so it is computed per
 * attempt for the slot read just before sending (`sendForSlot`), never once per file.
 */
import type { BlobStore } from "../blob/types.js";
import { formatIdOf } from "../convert/records.js";
import { sniffFormat } from "../convert/records-file.js";
import { SealshareError } from "../errors.js";
import { createReadStream } from "node:fs";
import { decryptStream, generateDataKey, keyCommitment, type Hex, type KeyBinding } from "../stream/index.js";
import { readCall, sendTx, type SealshareContext } from "./context.js";
import { ciphertextFacts, encryptToStore, type ProgressFn } from "./files.js";
import { deploymentOf } from "./key-binding.js";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";

/**
 * A plaintext file (encrypted here with a fresh key, straight into the blob store), or a
 * ciphertext with the key it was made with (checked: the key must authenticate the file's first
 * chunk). `ciphertextSha256` (from the key file `dataset encrypt` wrote) also makes sure the key
 * file was written for this very file.
 */
export type DatasetSource =
  | { plaintext: string }
  | { ciphertext: string; dek: Uint8Array; format?: string; ciphertextSha256?: string };

/** The on-chain `VersionParams` (contracts/common/Types.sol): the slot first, then the ciphertext's facts. */
export interface VersionParams {
  /** The dataset id the commitment was made for (the ledger reverts `DatasetsVersionSlotMismatch` unless it assigns this one). */
  datasetId: bigint;
  /** The version number the commitment was made for. */
  version: number;
  ciphertextSha256: Hex;
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
}

/** What a registered or published version's result tells its provider (both actions return it). */
export interface VersionFacts {
  uri: string;
  ciphertextSha256: Hex;
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
    ciphertextSha256: v.ciphertextSha256,
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

/** True when `dek` authenticates the ciphertext file's first chunk (or the whole of an empty one). */
async function keyOpens(path: string, dek: Uint8Array): Promise<boolean> {
  const { plaintext, result } = decryptStream(createReadStream(path, { highWaterMark: 1024 * 1024 }), dek);
  result.catch(() => undefined); // settled below, or abandoned once the first chunk authenticated
  try {
    for await (const _chunk of plaintext) return true; // emitted only after its tag verified
    await result;
    return true;
  } catch {
    return false;
  } finally {
    plaintext.destroy();
  }
}

export async function prepareVersion(source: DatasetSource, store: BlobStore, format: string | undefined, onProgress?: ProgressFn): Promise<PreparedVersion> {
  if ("plaintext" in source) {
    const dek = generateDataKey();
    const [summary, sniffed] = await Promise.all([encryptToStore(source.plaintext, store, dek, onProgress), sniffFormat(source.plaintext)]);
    const fmt = format ?? sniffed;
    return {
      version: {
        ciphertextSha256: summary.ciphertextSha256,
        merkleRoot: summary.merkleRoot,
        size: summary.size,
        formatId: formatIdOf(fmt),
        storageURI: summary.uri,
      },
      dek,
      format: fmt,
      plaintextSize: summary.plaintextSize,
    };
  }
  const facts = await ciphertextFacts(source.ciphertext);
  if (source.ciphertextSha256 && source.ciphertextSha256.toLowerCase() !== facts.ciphertextSha256.toLowerCase()) {
    throw new SealshareError("KEY_FILE_MISMATCH", "the data key file was written for another ciphertext file", {
      hint: "use the key file written when this ciphertext was encrypted",
    });
  }
  if (!(await keyOpens(source.ciphertext, source.dek))) {
    throw new SealshareError("WRONG_DATA_KEY", "the data key does not open this ciphertext file (its first chunk does not authenticate)", {
      hint: "use the key file written when this ciphertext was encrypted",
    });
  }
  const stored = await store.put(source.ciphertext);
  const fmt = format ?? source.format ?? "raw";
  return {
    version: {
      ciphertextSha256: facts.ciphertextSha256,
      merkleRoot: facts.merkleRoot,
      size: facts.size,
      formatId: formatIdOf(fmt),
      storageURI: stored.uri,
    },
    dek: source.dek,
    format: fmt,
  };
}
