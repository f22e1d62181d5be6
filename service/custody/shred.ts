/**
 * Shred orders of threshold custody (contracts/interfaces/ICustody.sol `ShredOrdered`, also what
 * precedes a `SharesDeposited` that replaces a set): this custodian destroys its share and
 * confirms it on chain.
 *
 * A leader-only loop, beside the follower (./sync/follower.ts follows the ledger; this follows the
 * custody contract's one event that concerns a custodian's storage). Each pass scans the custody
 * contract's ShredOrdered logs from where it stopped up to the store's FINALIZED block (so an
 * order on a branch that may still be orphaned is never acted on; a reorg below the finalized
 * block is outside the confirmation depth's promise, as for releases), in ranges of
 * `maxBlockRange`, and for each order of a set this custodian belongs to:
 *  1. deletes the share row and records the shred, in one transaction (../store/sql-shares.ts;
 *     SQLite runs with secure_delete, so the deleted row's bytes are overwritten): from then on
 *     the share is never accepted (../keys/share-deposit.ts) nor released (../release/share-release.ts);
 *  2. sends `confirmShred(datasetId, version, setId)` through the crash-safe submitter
 *     (../receipts/tx.ts) under the outbox key `shred:<datasetId>:<version>:<setId>` — persisted
 *     before broadcast, sent once whatever crashes; {@link shredTxHooks} tells the submitter when
 *     the confirmation is on chain (this custodian's bit in `shredOf(...).confirmed`) and final.
 * Only then does the cursor move past the range: a crash replays it, and replaying changes
 * nothing (the shred is recorded once, the transaction key is unique).
 */
import { getAddress, type Provider } from "ethers";
import type { Logger } from "../internal/logger.js";
import { backoff, sleep } from "../internal/shutdown.js";
import type { TxHooks, TxSubmitter } from "../receipts/tx.js";
import type { ChainTx, ShareStore, SyncStore } from "../store/store.js";
import type { Custody } from "./contract.js";

export interface ShredWatcherDeps {
  provider: Provider;
  custody: Custody;
  /** This custodian's account; undefined until its identity is known. */
  self: () => string | undefined;
  store: Pick<ShareStore, "shredShare" | "custodyScanned" | "setCustodyScanned"> & Pick<SyncStore, "syncState">;
  submitter: Pick<TxSubmitter, "send">;
  log: Logger;
  /** The deployment block: where the first scan starts. */
  startBlock: number;
  maxBlockRange: number;
  pollMs: number;
  now: () => number;
}

export interface ShredReport {
  orders: number; // ShredOrdered logs of this custodian's sets seen
  deleted: number; // share rows deleted
  confirmations: number; // confirmShred transactions handed to the submitter
}

export interface ShredWatcher {
  /** One pass up to the finalized block. */
  scan(): Promise<ShredReport>;
  run(signal: AbortSignal): Promise<void>;
}

const txKey = (datasetId: string, version: number, setId: number) => `shred:${datasetId}:${version}:${setId}`;

export function createShredWatcher(deps: ShredWatcherDeps): ShredWatcher {
  const { custody, store, log } = deps;
  const filter = custody.filters.ShredOrdered();
  const sets = new Map<number, string[]>(); // a set's custodians never change

  async function custodiansOf(setId: number): Promise<string[]> {
    let c = sets.get(setId);
    if (!c) {
      c = (await custody.custodianSet(setId)).custodians.map((a) => getAddress(a));
      sets.set(setId, c);
    }
    return c;
  }

  async function scan(): Promise<ShredReport> {
    const report: ShredReport = { orders: 0, deleted: 0, confirmations: 0 };
    const selfRaw = deps.self();
    if (!selfRaw) return report;
    const self = getAddress(selfRaw);
    const { finalized } = await store.syncState();
    let from = Math.max((await store.custodyScanned()) + 1, deps.startBlock);
    const custodyAddress = await custody.getAddress();
    while (from <= finalized) {
      const to = Math.min(finalized, from + deps.maxBlockRange - 1);
      const logs = await custody.queryFilter(filter, from, to);
      for (const l of logs) {
        const datasetId = l.args.datasetId.toString();
        const version = Number(l.args.version);
        const setId = Number(l.args.setId);
        if (!(await custodiansOf(setId)).includes(self)) continue;
        report.orders++;
        const { deleted, recorded } = await store.shredShare({ datasetId, version, setId, orderedBlock: l.blockNumber, shreddedAt: deps.now() });
        if (deleted) report.deleted++;
        if (recorded) log.info({ datasetId, version, setId, orderedBlock: l.blockNumber, heldShare: deleted }, "shred order final: share destroyed; confirming on chain");
        await deps.submitter.send({ key: txKey(datasetId, version, setId), to: custodyAddress, data: custody.interface.encodeFunctionData("confirmShred", [datasetId, version, setId]) });
        report.confirmations++;
      }
      await store.setCustodyScanned(to);
      from = to + 1;
    }
    return report;
  }

  async function run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await scan();
        failures = 0;
        await sleep(deps.pollMs, signal);
      } catch (err) {
        const delay = backoff(failures++, 500, 30_000);
        log.warn({ err, retryInMs: delay }, "shred watcher: scan failed; will retry");
        await sleep(delay, signal);
      }
    }
  }

  return { scan, run };
}

/**
 * How the submitter judges a `shred:` transaction: done when this custodian's bit is set in the
 * shred's `confirmed` bitmap (whichever transaction set it), final when it is set at the store's
 * finalized block.
 */
export function shredTxHooks(deps: { custody: Custody; self: () => string | undefined; store: Pick<SyncStore, "syncState"> }): TxHooks {
  async function confirmedAt(tx: ChainTx, blockTag: number | "latest"): Promise<boolean> {
    const [, d, v, s] = tx.key.split(":");
    const self = deps.self();
    if (!self) return false;
    const setId = Number(s);
    const custodians = (await deps.custody.custodianSet(setId, { blockTag })).custodians.map((a) => getAddress(a));
    const index = custodians.indexOf(getAddress(self));
    if (index < 0) return false;
    const shred = await deps.custody.shredOf(BigInt(d!), Number(v), setId, { blockTag });
    return ((Number(shred.confirmed) >> index) & 1) === 1;
  }
  return {
    done: (tx) => confirmedAt(tx, "latest"),
    async final(tx) {
      return confirmedAt(tx, (await deps.store.syncState()).finalized);
    },
  };
}
