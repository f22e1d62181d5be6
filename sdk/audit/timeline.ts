/**
 * Rebuilds the history of a ledger from its events alone (no database): every log of the
 * deployment, decoded against the ledger's ABI, in chain order, with a one-line description an
 * auditor can read next to a block explorer.
 */
import { id, ZeroHash, type Provider } from "ethers";
import { readEvents, type LedgerLog } from "../reads/events.js";
import { codeName as nameOf, duration as span, when, who, type NameBook } from "../format.js";
import { CATEGORIES, GRANT_KINDS, PURPOSES, REASONS, SUSPENSION_REASONS, USAGE_CODES } from "../vocabulary.js";

export interface TimelineEntry {
  blockNumber: number;
  logIndex: number;
  txHash: string;
  event: string;
  args: Record<string, unknown>;
  summary: string;
  /** Block time (unix seconds), when read with `withTimestamps`. */
  timestamp?: number;
}

export interface TimelineQuery {
  provider: Provider;
  ledger: string;
  fromBlock: number;
  toBlock?: number;
  /** Largest block range per eth_getLogs call (the reader halves it when the node refuses). */
  step?: number;
  /**
   * Display names for known addresses, used in the summaries: the chain's verified names
   * (resolveMemberNames) over any others, which show as unverified (sdk/format.ts NameBook).
   */
  names?: NameBook;
  /** Also read each block's timestamp (one eth_getBlockByNumber per distinct block). */
  withTimestamps?: boolean;
}

export async function readTimeline(q: TimelineQuery): Promise<TimelineEntry[]> {
  const logs = await readEvents({ provider: q.provider, ledger: q.ledger, fromBlock: q.fromBlock }, { toBlock: q.toBlock }, q.step ? { maxRange: q.step } : {});
  const entries = logs.map((log) => entry(log, q.names ?? {}));
  if (q.withTimestamps) await addTimestamps(q.provider, entries);
  return entries;
}

/** Fills `timestamp` in place, a few blocks at a time. */
export async function addTimestamps(provider: Provider, entries: TimelineEntry[]): Promise<void> {
  const blocks = [...new Set(entries.filter((e) => e.timestamp === undefined).map((e) => e.blockNumber))];
  const times = new Map<number, number>();
  for (let i = 0; i < blocks.length; i += 8) {
    await Promise.all(
      blocks.slice(i, i + 8).map(async (n) => {
        const b = await provider.getBlock(n);
        if (b) times.set(n, b.timestamp);
      }),
    );
  }
  for (const e of entries) if (e.timestamp === undefined) e.timestamp = times.get(e.blockNumber);
}

function entry(log: LedgerLog, names: NameBook): TimelineEntry {
  return { blockNumber: log.blockNumber, logIndex: log.logIndex, txHash: log.txHash, event: log.event, args: log.args, summary: describe(log.event, log.args, names) };
}

const ROLE_NAMES: Record<string, string> = {
  [ZeroHash]: "admin",
  [id("SUPERVISOR_ROLE")]: "supervisor",
  [id("CUSTODIAN_ROLE")]: "custodian",
};

/** Plain words for each event; falls back to name(args) for the rest. */
export function describe(event: string, a: Record<string, unknown>, names: NameBook = {}): string {
  const lower = new Map(Object.keys(names).map((k) => [k.toLowerCase(), k]));
  // A named address reads "Bank (0x1234…abcd)" (flagged when the name is not the chain's); any other hex is shortened.
  const short = (x: unknown) => {
    if (typeof x !== "string" || !x.startsWith("0x")) return String(x);
    const named = lower.get(x.toLowerCase());
    return named ? who(named, names) : `${x.slice(0, 8)}…`;
  };
  switch (event) {
    case "RoleGranted":
      return `${short(a.sender)} granted the ${ROLE_NAMES[String(a.role)] ?? short(a.role)} role to ${short(a.account)}`;
    case "RoleRevoked":
      return `${short(a.sender)} revoked the ${ROLE_NAMES[String(a.role)] ?? short(a.role)} role of ${short(a.account)}`;
    case "MemberRegistered":
      return `supervisor ${short(a.supervisor)} registered member ${short(a.member)}`;
    case "MemberSuspended":
      return `supervisor ${short(a.supervisor)} suspended member ${short(a.member)} (reason ${nameOf(SUSPENSION_REASONS, Number(a.reasonCode))})`;
    case "MemberReinstated":
      return `supervisor ${short(a.supervisor)} reinstated member ${short(a.member)}`;
    case "EncryptionKeyRevoked":
      return `${short(a.owner)} revoked encryption key #${a.keyId} of device ${short(a.deviceId)}`;
    case "DatasetTransferred":
      return `dataset #${a.datasetId}: stewardship moved from ${short(a.from)} to ${short(a.to)}`;
    case "DatasetRetired":
      return `provider ${short(a.provider)} retired dataset #${a.datasetId}`;
    case "DatasetPolicyChanged":
      return `dataset #${a.datasetId}: policy changed`;
    case "ConsentSignatureCancelled":
      return `${short(a.canceller)} cancelled signed consent ${short(a.consentId)} before it was recorded`;
    case "Paused":
      return `admin ${short(a.account)} paused the ledger`;
    case "Unpaused":
      return `admin ${short(a.account)} lifted the pause`;
    case "EncryptionKeyPublished":
      return `${short(a.owner)} published encryption key #${a.keyId} for device ${short(a.deviceId)}`;
    case "DatasetRegistered":
      return `provider ${short(a.provider)} registered dataset #${a.datasetId} (${nameOf(CATEGORIES, Number(a.category))}) about ${short(a.subject)}`;
    case "DatasetVersionPublished":
      return `dataset #${a.datasetId} v${a.version}: ${a.size} bytes, Merkle root ${short(a.merkleRoot)}`;
    case "ConsentGiven":
      return `subject ${short(a.subject)} consented: ${a.requester === "0x0000000000000000000000000000000000000000" ? "any member" : short(a.requester)}, ${Number(a.datasetId) ? `dataset #${a.datasetId}` : nameOf(CATEGORIES, Number(a.category))}, ${nameOf(PURPOSES, Number(a.purpose))}, until ${when(Number(a.expiresAt))}${a.relayer !== a.subject ? ` (signed; relayed by ${short(a.relayer)})` : ""}`;
    case "ConsentRevoked":
      return `subject ${short(a.subject)} revoked consent ${short(a.consentId)}`;
    case "AccessRequested":
      return `${short(a.requester)} requested dataset #${a.datasetId} for ${nameOf(PURPOSES, Number(a.purpose))}, ${nameOf(GRANT_KINDS, Number(a.kind))}, ${span(Number(a.duration))} (request #${a.requestId})`;
    case "AccessApproved":
      return `${a.asSupervisor ? "supervisor" : "provider"} ${short(a.approver)} approved request #${a.requestId}`;
    case "AccessRejected":
      return `${short(a.by)} rejected request #${a.requestId} (reason ${nameOf(REASONS, Number(a.reasonCode))})`;
    case "AccessGranted":
      return `GRANTED request #${a.requestId}: ${nameOf(GRANT_KINDS, Number(a.kind))} until ${when(Number(a.expiresAt))}`;
    case "GrantRevoked":
      return `${short(a.by)} revoked the grant of request #${a.requestId} (reason ${nameOf(REASONS, Number(a.reasonCode))})`;
    case "KeyReleased":
      return `custodian released the key of request #${a.requestId} (${nameOf(GRANT_KINDS, Number(a.kind))}), envelope ${short(a.envelopeHash)}`;
    case "UsageRecorded":
      return `${short(a.requester)} recorded usage ${nameOf(USAGE_CODES, Number(a.usageCode))} of request #${a.requestId}`;
    case "ReceiptBatchSealed":
      return `custodian sealed receipt batch ${short(a.batchId)} of ${a.count} releases`;
    default:
      return `${event}(${Object.entries(a)
        .map(([k, v]) => `${k}=${short(typeof v === "bigint" ? v.toString() : v)}`)
        .join(", ")})`;
  }
}
