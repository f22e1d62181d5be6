/**
 * A registration that the ledger refuses must not leave its ciphertext behind: registerDataset and
 * publishVersion store the blob first (its address is only known once it is written), then send
 * the transaction. When that transaction is refused, the blob they added is removed again — a
 * provider's blob folder holds what the ledger names, and nothing a failed attempt left.
 *
 * A blob is taken back only when all of these hold (else it stays, and the original error is
 * what the caller sees either way):
 * | the blob was added by this attempt (`PreparedVersion.createdBlob`) | bytes that were already in the store are someone's |
 * | the failure is the ledger's refusal (a decoded revert / CALL_EXCEPTION) | a timeout or a lost connection may hide a transaction that is still mined |
 * | no version registered on chain names it (its Merkle root or storage URI) | another dataset may point at the same bytes |
 * | the store can remove (`BlobStore.remove`) | an HTTP store is read-only |
 * A failure while checking or removing keeps the blob: an orphan costs disk, a lost blob costs data.
 */
import { isError } from "ethers";
import type { BlobStore } from "../blob/types.js";
import { decodeRevert } from "../revert.js";
import { queryEvents, type SealshareContext } from "./context.js";
import type { PreparedVersion } from "./version-slot.js";

/** Runs `send`; if the ledger refuses it, removes the blob `prepared` added (see the header) and rethrows. */
export async function takeBackBlobOnRefusal<T>(ctx: SealshareContext, store: BlobStore, prepared: PreparedVersion, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (isRefusal(err)) await removeOrphan(ctx, store, prepared).catch(() => undefined);
    throw err;
  }
}

/** True when the chain said no (the transaction reverted, or would have): nothing of it can land later. */
export function isRefusal(err: unknown): boolean {
  const cause = (err as { cause?: unknown } | null | undefined)?.cause;
  return decodeRevert(err) !== undefined || isError(err, "CALL_EXCEPTION") || (cause != null && isError(cause, "CALL_EXCEPTION"));
}

/** Removes `prepared.createdBlob` unless a registered version names it. Returns whether it removed it. */
export async function removeOrphan(ctx: SealshareContext, store: BlobStore, prepared: PreparedVersion): Promise<boolean> {
  const uri = prepared.createdBlob;
  if (uri === undefined || store.remove === undefined) return false;
  const root = prepared.version.merkleRoot.toLowerCase();
  const versions = await queryEvents(ctx, "DatasetVersionPublished");
  const named = versions.some((l) => String(l.args.merkleRoot).toLowerCase() === root || l.args.storageURI === uri);
  if (named) return false;
  await store.remove(uri);
  return true;
}
