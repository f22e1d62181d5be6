/**
 * Key releases the custodian recorded on the ledger (`KeyReleased`), oldest first: of one
 * request, to one requester, or on some datasets. Each with its block time.
 *
 * @example
 * ```ts
 * const [release] = await listReleases(ctx, { requestId: 7n });
 * console.log(release?.envelopeHash, new Date(release!.at * 1000));
 * ```
 */
import { providerOf, queryEvents, toAddress, type SealshareContext } from "./context.js";

export interface ListReleasesParams {
  requestId?: bigint;
  requester?: string;
  datasetIds?: bigint[];
}

export interface ReleaseListing {
  requestId: bigint;
  datasetId: bigint;
  requester: string;
  /** GrantKind released. */
  kind: number;
  envelopeHash: string;
  txHash: string;
  blockNumber: number;
  /** Block time (unix seconds). */
  at: number;
}

/** Errors: `INVALID_ADDRESS`. */
export async function listReleases(ctx: SealshareContext, p: ListReleasesParams = {}): Promise<ReleaseListing[]> {
  const requester = p.requester ? toAddress(p.requester, "requester") : null;
  const events = await queryEvents(ctx, "KeyReleased", [p.requestId ?? null, p.datasetIds && p.datasetIds.length <= 100 ? p.datasetIds : null, requester]);
  const wanted = p.datasetIds ? new Set(p.datasetIds.map(String)) : undefined;
  const kept = events.filter((e) => !wanted || wanted.has(String(e.args.datasetId)));
  const times = new Map<number, Promise<number>>();
  const timeOf = (n: number) => {
    let t = times.get(n);
    if (!t) times.set(n, (t = providerOf(ctx).getBlock(n).then((b) => b?.timestamp ?? 0)));
    return t;
  };
  return Promise.all(
    kept.map(async (e) => ({
      requestId: e.args.requestId,
      datasetId: e.args.datasetId,
      requester: e.args.requester,
      kind: Number(e.args.kind),
      envelopeHash: e.args.envelopeHash,
      txHash: e.txHash,
      blockNumber: e.blockNumber,
      at: await timeOf(e.blockNumber),
    })),
  );
}
