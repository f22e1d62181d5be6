/**
 * What the provider worker reads from the ledger: access requests in bounded block ranges,
 * which datasets are on demand (the `sourceRef` is only in the DatasetRegistered event; the
 * contract does not store it), a dataset's current header, a request's status, and where a
 * version was published. Reads only; every revert comes back as a named SealshareError.
 */
import { ZeroHash } from "ethers";
import { eventSource, queryEvents, readCall, type SealshareContext } from "../actions/context.js";
import { readEvents, type LedgerLog } from "../reads/events.js";
import { SealshareError } from "../errors.js";

/** An AccessRequested event, decoded, with its position in the chain. */
export interface AccessRequestedLog {
  requestId: bigint;
  datasetId: bigint;
  requester: string;
  /** The version approvers approve: 0 for a dataset with no version yet. */
  version: number;
  blockNumber: number;
  logIndex: number;
}

export interface DatasetHeader {
  provider: string;
  subject: string;
  category: number;
  retired: boolean;
  latestVersion: number;
}

/** Where a version was published, and by whom. */
export interface VersionPublication {
  version: number;
  provider: string;
  merkleRoot: string;
  blockNumber: number;
  logIndex: number;
}

export class ProviderLedgerView {
  /** DatasetRegistered never changes: its sourceRef is cached per dataset. */
  readonly #sourceRefs = new Map<bigint, string>();

  constructor(readonly ctx: SealshareContext) {}

  get fromBlock(): number {
    return this.ctx.fromBlock ?? 0;
  }

  /** AccessRequested events in [from, to], in chain order, `maxRange` blocks per eth_getLogs. */
  async accessRequests(from: number, to: number, maxRange: number): Promise<AccessRequestedLog[]> {
    const logs = await readEvents({ ...(await eventSource(this.ctx)), fromBlock: 0 }, { event: "AccessRequested", fromBlock: from, toBlock: to }, { maxRange });
    return logs.map((l) => ({
      requestId: l.args.requestId,
      datasetId: l.args.datasetId,
      requester: l.args.requester,
      version: Number(l.args.version),
      blockNumber: l.blockNumber,
      logIndex: l.logIndex,
    }));
  }

  /** The bytes32 source reference the dataset was registered with (ZeroHash: not on demand). */
  async sourceRefOf(datasetId: bigint): Promise<string> {
    const cached = this.#sourceRefs.get(datasetId);
    if (cached !== undefined) return cached;
    const [registered] = await queryEvents(this.ctx, "DatasetRegistered", [datasetId]);
    if (!registered) throw new SealshareError("DATASET_NOT_FOUND", `no DatasetRegistered event for dataset #${datasetId} since block ${this.fromBlock}`);
    const ref = registered.args.sourceRef.toLowerCase();
    this.#sourceRefs.set(datasetId, ref);
    return ref;
  }

  async isOnDemand(datasetId: bigint): Promise<boolean> {
    return (await this.sourceRefOf(datasetId)) !== ZeroHash;
  }

  async dataset(datasetId: bigint): Promise<DatasetHeader> {
    const d = await readCall(() => this.ctx.ledger.dataset(datasetId));
    return { provider: d.provider, subject: d.subject, category: Number(d.category), retired: d.retired, latestVersion: Number(d.latestVersion) };
  }

  /** The request's RequestStatus (vocabulary.ts) now. */
  async requestStatus(requestId: bigint): Promise<number> {
    const r = await readCall(() => this.ctx.ledger.requestOf(requestId));
    return Number(r.status);
  }

  /** Where `version` of the dataset was published. */
  async publication(datasetId: bigint, version: number): Promise<VersionPublication | undefined> {
    const [log] = await queryEvents(this.ctx, "DatasetVersionPublished", [datasetId, version]);
    return log ? toPublication(log) : undefined;
  }

  /** The version of the dataset whose ciphertext has Merkle root `merkleRoot`, published from `fromBlock` on. */
  async findPublication(datasetId: bigint, merkleRoot: string, fromBlock: number): Promise<VersionPublication | undefined> {
    const logs = await queryEvents(this.ctx, "DatasetVersionPublished", [datasetId], { fromBlock });
    const match = logs.find((l) => l.args.merkleRoot.toLowerCase() === merkleRoot.toLowerCase());
    return match ? toPublication(match) : undefined;
  }
}

function toPublication(l: LedgerLog): VersionPublication {
  return { version: Number(l.args.version), provider: l.args.provider, merkleRoot: l.args.merkleRoot, blockNumber: l.blockNumber, logIndex: l.logIndex };
}
