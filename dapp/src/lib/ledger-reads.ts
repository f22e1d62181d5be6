/**
 * What the pages show, read from the ledger's events and views: datasets, consents, requests
 * with their live state, approvals, key releases and members. Everything is rebuilt from the
 * chain on each refresh (no backend): fine for a deployment's worth of events; an indexer (the
 * custodian's store, or a subgraph) would take over at scale.
 */
import { getAddress, type Provider } from "ethers";
import type { Sealshare } from "../../../sdk/contracts.js";
import { grantRules, NO_FLOOR, type CategoryFloor, type GrantRules } from "./grant-rules.js";

export interface Policy {
  requireProvider: boolean;
  supervisorQuorum: number;
  maxTemporary: number;
  maxFormal: number;
}

export interface DatasetInfo {
  datasetId: bigint;
  provider: string;
  subject: string;
  category: number;
  retired: boolean;
  latestVersion: number;
  policy: Policy;
  /** What a grant needs now: the policy and the category floor together (grant-rules.ts). */
  rules: GrantRules;
  txHash: string;
}

export interface VersionInfo {
  datasetId: bigint;
  version: number;
  ciphertextSha256: string;
  merkleRoot: string;
  keyCommitment: string;
  size: number;
  formatId: string;
  storageURI: string;
  txHash: string;
}

export interface ConsentInfo {
  consentId: string;
  subject: string;
  requester: string;
  datasetId: bigint;
  category: number;
  purpose: number;
  maxKind: number;
  expiresAt: number;
  relayer: string;
  revoked: boolean;
  txHash: string;
  blockNumber: number;
}

export interface GrantState {
  valid: boolean;
  reason: number;
  kind: number;
  expiresAt: number;
}

export interface RequestInfo {
  requestId: bigint;
  datasetId: bigint;
  requester: string;
  consentId: string;
  purpose: number;
  kind: number; // wanted
  duration: number;
  keyId: number;
  txHash: string;
  blockNumber: number;
  status: number; // RequestStatus
  providerApproved: boolean;
  supervisorApprovals: number;
  grant: GrantState;
  /** Supervisors and providers who approved (from AccessApproved). */
  approvers: string[];
  /** Who rejected the request or revoked its grant, and why (AccessRejected / GrantRevoked). */
  decision?: Decision;
}

export interface Decision {
  what: "rejected" | "revoked";
  by: string;
  reasonCode: number;
  txHash: string;
}

export interface ReleaseInfo {
  requestId: bigint;
  datasetId: bigint;
  requester: string;
  kind: number;
  envelopeHash: string;
  txHash: string;
  blockNumber: number;
  at: number; // block time
}

export interface MemberInfo {
  member: string;
  status: number; // 0 none, 1 active, 2 suspended
  metadataURI: string;
  txHash: string;
  /** While suspended: the last suspension's reason and transaction (MemberSuspended). */
  suspension?: { reasonCode: number; by: string; txHash: string };
}

const policyOf = (p: { requireProvider: boolean; supervisorQuorum: bigint; maxTemporary: bigint; maxFormal: bigint }): Policy => ({
  requireProvider: p.requireProvider,
  supervisorQuorum: Number(p.supervisorQuorum),
  maxTemporary: Number(p.maxTemporary),
  maxFormal: Number(p.maxFormal),
});

export class LedgerReads {
  readonly #times = new Map<number, number>();
  #floors?: { at: number; floors: Promise<Map<number, CategoryFloor>> };

  constructor(
    readonly ledger: Sealshare,
    readonly provider: Provider,
    readonly fromBlock: number,
  ) {}

  async blockTime(blockNumber: number): Promise<number> {
    let t = this.#times.get(blockNumber);
    if (t === undefined) {
      t = (await this.provider.getBlock(blockNumber))!.timestamp;
      this.#times.set(blockNumber, t);
    }
    return t;
  }

  /** The chain's idea of now (latest block time): expiries are judged by it, not the wall clock. */
  async chainNow(): Promise<number> {
    return (await this.provider.getBlock("latest"))!.timestamp;
  }

  /**
   * The floor in force per category: the last `CategoryMinimumChanged` of each. Read at most once
   * a second (one refresh of a page reads many datasets; the next refresh sees a new floor).
   */
  floors(): Promise<Map<number, CategoryFloor>> {
    if (this.#floors && Date.now() - this.#floors.at < 1_000) return this.#floors.floors;
    const floors = this.ledger.queryFilter(this.ledger.filters.CategoryMinimumChanged(), this.fromBlock).then((events) => {
      const floors = new Map<number, CategoryFloor>();
      for (const e of events) {
        const m = e.args.newMinimum;
        floors.set(Number(e.args.category), {
          requireProvider: m.requireProvider,
          supervisorQuorum: Number(m.supervisorQuorum),
          temporary: Number(m.temporary),
          temporaryQuorum: Number(m.temporaryQuorum),
          maxTemporary: Number(m.maxTemporary),
        });
      }
      return floors;
    });
    floors.catch(() => (this.#floors = undefined)); // a failed read is not kept
    this.#floors = { at: Date.now(), floors };
    return floors;
  }

  async dataset(datasetId: bigint, txHash = ""): Promise<DatasetInfo> {
    const [d, floors] = await Promise.all([this.ledger.dataset(datasetId), this.floors()]);
    const policy = policyOf(d.policy);
    return {
      datasetId,
      provider: d.provider,
      subject: d.subject,
      category: Number(d.category),
      retired: d.retired,
      latestVersion: Number(d.latestVersion),
      policy,
      rules: grantRules(policy, floors.get(Number(d.category)) ?? NO_FLOOR),
      txHash,
    };
  }

  /** Datasets about `subject`, or stewarded now by `provider` (registered by or transferred to it). */
  async datasets(q: { subject?: string; provider?: string }): Promise<DatasetInfo[]> {
    const f = this.ledger.filters.DatasetRegistered(undefined, q.provider && !q.subject ? q.provider : undefined, q.subject);
    const events = await this.ledger.queryFilter(f, this.fromBlock);
    const ids = new Map(events.map((e) => [e.args.datasetId, e.transactionHash]));
    if (q.provider) {
      const moved = await this.ledger.queryFilter(this.ledger.filters.DatasetTransferred(undefined, undefined, q.provider), this.fromBlock);
      for (const e of moved) if (!ids.has(e.args.datasetId)) ids.set(e.args.datasetId, e.transactionHash);
    }
    const all = await Promise.all([...ids].map(([id, tx]) => this.dataset(id, tx)));
    return all.filter((d) => !q.provider || getAddress(d.provider) === getAddress(q.provider));
  }

  async version(datasetId: bigint, version: number): Promise<VersionInfo | undefined> {
    const [e] = await this.ledger.queryFilter(this.ledger.filters.DatasetVersionPublished(datasetId, version), this.fromBlock);
    if (!e) return undefined;
    return {
      datasetId,
      version,
      ciphertextSha256: e.args.ciphertextSha256,
      merkleRoot: e.args.merkleRoot,
      keyCommitment: e.args.keyCommitment,
      size: Number(e.args.size),
      formatId: e.args.formatId,
      storageURI: e.args.storageURI,
      txHash: e.transactionHash,
    };
  }

  async consents(q: { subject?: string; requester?: string; consentId?: string }): Promise<ConsentInfo[]> {
    const events = await this.ledger.queryFilter(this.ledger.filters.ConsentGiven(q.consentId, q.subject, q.requester), this.fromBlock);
    return Promise.all(
      events.map(async (e) => {
        const stored = await this.ledger.consentOf(e.args.consentId);
        return {
          consentId: e.args.consentId,
          subject: e.args.subject,
          requester: e.args.requester,
          datasetId: e.args.datasetId,
          category: Number(e.args.category),
          purpose: Number(e.args.purpose),
          maxKind: Number(e.args.maxKind),
          expiresAt: Number(e.args.expiresAt),
          relayer: e.args.relayer,
          revoked: stored.revoked,
          txHash: e.transactionHash,
          blockNumber: e.blockNumber,
        };
      }),
    );
  }

  async grant(requestId: bigint): Promise<GrantState> {
    const g = await this.ledger.isGrantValid(requestId);
    return { valid: g.valid, reason: Number(g.reason), kind: Number(g.kind), expiresAt: Number(g.expiresAt) };
  }

  /** Requests, newest first: by `requester`, and/or on `datasetIds`. */
  async requests(q: { requester?: string; datasetIds?: bigint[] } = {}): Promise<RequestInfo[]> {
    const events = await this.ledger.queryFilter(this.ledger.filters.AccessRequested(undefined, undefined, q.requester), this.fromBlock);
    const wanted = q.datasetIds ? new Set(q.datasetIds.map(String)) : undefined;
    const [approvals, rejections, revocations] = await Promise.all([
      this.ledger.queryFilter(this.ledger.filters.AccessApproved(), this.fromBlock),
      this.ledger.queryFilter(this.ledger.filters.AccessRejected(), this.fromBlock),
      this.ledger.queryFilter(this.ledger.filters.GrantRevoked(), this.fromBlock),
    ]);
    const decisions = new Map<bigint, Decision>();
    for (const [what, list] of [["rejected", rejections], ["revoked", revocations]] as const) {
      for (const e of list) decisions.set(e.args.requestId, { what, by: getAddress(e.args.by), reasonCode: Number(e.args.reasonCode), txHash: e.transactionHash });
    }
    const mine = events.filter((e) => !wanted || wanted.has(e.args.datasetId.toString()));
    const out = await Promise.all(
      mine.map(async (e) => {
        const [r, grant] = await Promise.all([this.ledger.requestOf(e.args.requestId), this.grant(e.args.requestId)]);
        return {
          requestId: e.args.requestId,
          datasetId: e.args.datasetId,
          requester: e.args.requester,
          consentId: e.args.consentId,
          purpose: Number(e.args.purpose),
          kind: Number(e.args.kind),
          duration: Number(e.args.duration),
          keyId: Number(e.args.keyId),
          txHash: e.transactionHash,
          blockNumber: e.blockNumber,
          status: Number(r.status),
          providerApproved: r.providerApproved,
          supervisorApprovals: Number(r.supervisorApprovals),
          grant,
          approvers: approvals.filter((a) => a.args.requestId === e.args.requestId).map((a) => getAddress(a.args.approver)),
          decision: decisions.get(e.args.requestId),
        };
      }),
    );
    return out.sort((a, b) => Number(b.requestId - a.requestId));
  }

  /** Key releases recorded by the custodian, oldest first. */
  async releases(q: { datasetIds?: bigint[]; requester?: string; requestId?: bigint } = {}): Promise<ReleaseInfo[]> {
    const events = await this.ledger.queryFilter(this.ledger.filters.KeyReleased(q.requestId, undefined, q.requester), this.fromBlock);
    const wanted = q.datasetIds ? new Set(q.datasetIds.map(String)) : undefined;
    return Promise.all(
      events
        .filter((e) => !wanted || wanted.has(e.args.datasetId.toString()))
        .map(async (e) => ({
          requestId: e.args.requestId,
          datasetId: e.args.datasetId,
          requester: e.args.requester,
          kind: Number(e.args.kind),
          envelopeHash: e.args.envelopeHash,
          txHash: e.transactionHash,
          blockNumber: e.blockNumber,
          at: await this.blockTime(e.blockNumber),
        })),
    );
  }

  async members(): Promise<MemberInfo[]> {
    const [events, suspensions] = await Promise.all([
      this.ledger.queryFilter(this.ledger.filters.MemberRegistered(), this.fromBlock),
      this.ledger.queryFilter(this.ledger.filters.MemberSuspended(), this.fromBlock),
    ]);
    return Promise.all(
      events.map(async (e) => {
        const status = Number((await this.ledger.memberOf(e.args.member)).status);
        const last = suspensions.filter((x) => x.args.member === e.args.member).pop();
        return {
          member: e.args.member,
          status,
          metadataURI: e.args.metadataURI,
          txHash: e.transactionHash,
          suspension: status === 2 && last ? { reasonCode: Number(last.args.reasonCode), by: getAddress(last.args.supervisor), txHash: last.transactionHash } : undefined,
        };
      }),
    );
  }
}
