/**
 * The slot a version's data key is committed to (docs/FORMAT.md §11, commitment v2): chain id,
 * ledger address, dataset id, version number and the version's Merkle root. Shared by the
 * actions that make or check a commitment (registerDataset, publishVersion, depositKey,
 * fetchKey, decryptDataset, the provider worker). Not an action itself.
 */
import { verifyKeyCommitment, type KeyBinding } from "../stream/commitment.js";
import { providerOf, readCall, type SealshareContext } from "./context.js";

/** Chain id and ledger address of the context's deployment (both read from the node). */
export async function deploymentOf(ctx: SealshareContext): Promise<{ chainId: bigint; ledger: string }> {
  const [network, ledger] = await Promise.all([providerOf(ctx).getNetwork(), ctx.ledger.getAddress()]);
  return { chainId: network.chainId, ledger };
}

/** The binding of `datasetId` version `version` with Merkle root `merkleRoot` on this deployment. */
export async function bindingOf(ctx: SealshareContext, datasetId: bigint, version: number, merkleRoot: string): Promise<KeyBinding> {
  return { ...(await deploymentOf(ctx)), datasetId, version, merkleRoot };
}

/**
 * True when `dek` is the key registered for `datasetId` v`version`: the version's on-chain
 * commitment (read here unless given) commits `dek` to exactly that slot of this ledger.
 */
export async function keyMatchesVersion(
  ctx: SealshareContext,
  dek: Uint8Array,
  datasetId: bigint,
  version: number,
  registered?: { merkleRoot: string; keyCommitment: string },
): Promise<boolean> {
  const v = registered ?? (await readCall(() => ctx.ledger.datasetVersion(datasetId, version)));
  return verifyKeyCommitment(dek, await bindingOf(ctx, datasetId, version, v.merkleRoot), v.keyCommitment);
}
