/**
 * Threshold custody's events in the audit timeline: what the custody contract beside the ledger
 * (contracts/interfaces/ICustody.sol) emitted — sets registered and retired, shares deposited
 * (and moved to another set), shred votes, orders and custodians' confirmations, category minimum
 * thresholds and the shred quorum — read with the SDK's one bounded log reader
 * (sdk/reads/events.ts `getLogsChunked`), decoded against the custody contract's ABI and worded
 * like the ledger's events (./timeline.ts), so the two merge into one history in chain order.
 *
 * A deployment without a custody contract has none of these: the timeline is the ledger's alone.
 */
import type { NameBook } from "../format.js";
import type { Interface, Provider } from "ethers";
import { ICustody__factory } from "../contracts.js";
import { getLogsChunked } from "../reads/events.js";
import { CATEGORIES, nameOf } from "../vocabulary.js";
import { when } from "../format.js";
import type { TimelineEntry } from "./timeline.js";

const custodyInterface = ICustody__factory.createInterface() as unknown as Interface;

/** The custody contract's events, in the order a version's custody happens, with names in words. */
export const CUSTODY_EVENT_KINDS: readonly { event: string; label: string }[] = [
  { event: "CustodianSetRegistered", label: "Custodian set registered" },
  { event: "CustodianSetRetired", label: "Custodian set retired" },
  { event: "CustodyCategoryMinThresholdChanged", label: "Category minimum threshold changed" },
  { event: "CustodyShredQuorumChanged", label: "Shred quorum changed" },
  { event: "SharesDeposited", label: "Key shares deposited" },
  { event: "ShredVoted", label: "Shred voted" },
  { event: "ShredOrdered", label: "Shred ordered" },
  { event: "ShredConfirmed", label: "Shred confirmed" },
];

/** Custody events that name a dataset (`datasetId`): they belong to that dataset's history. */
export const CUSTODY_DATASET_EVENTS: readonly string[] = ["SharesDeposited", "ShredVoted", "ShredOrdered", "ShredConfirmed"];

export interface CustodyTimelineQuery {
  provider: Provider;
  /** The custody contract's address (a deployment's `custody`). */
  custody: string;
  fromBlock: number;
  toBlock?: number;
  /** Largest block range per eth_getLogs call. */
  step?: number;
  /** Display names for known addresses, used in the sentences (the ledger timeline's NameBook). */
  names?: NameBook;
}

/** Every event of the custody contract in [fromBlock, toBlock], decoded and worded, in chain order. */
export async function readCustodyTimeline(q: CustodyTimelineQuery): Promise<TimelineEntry[]> {
  const to = q.toBlock ?? (await q.provider.getBlockNumber());
  const logs = await getLogsChunked(q.provider, { address: q.custody }, q.fromBlock, to, q.step ? { maxRange: q.step } : {});
  const out: TimelineEntry[] = [];
  for (const l of logs) {
    let parsed;
    try {
      parsed = custodyInterface.parseLog({ topics: [...l.topics], data: l.data });
    } catch {
      continue;
    }
    if (!parsed) continue;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => (args[input.name] = parsed.args[i]));
    // Arrays (custodians, keyIds) as plain arrays, not ethers Results.
    for (const k of Object.keys(args)) if (Array.isArray(args[k])) args[k] = [...(args[k] as unknown[])];
    out.push({ blockNumber: l.blockNumber, logIndex: l.index, txHash: l.transactionHash, event: parsed.name, args, summary: describeCustody(parsed.name, args, q.names ?? {}) });
  }
  return out.sort(byChainOrder);
}

/** Chain order: block, then log index (ledger and custody logs of one block interleave by index). */
export function byChainOrder(a: { blockNumber: number; logIndex: number }, b: { blockNumber: number; logIndex: number }): number {
  return a.blockNumber - b.blockNumber || a.logIndex - b.logIndex;
}

/** The ledger's timeline and the custody contract's, as one history in chain order. */
export function mergeTimelines(ledger: readonly TimelineEntry[], custody: readonly TimelineEntry[]): TimelineEntry[] {
  return [...ledger, ...custody].sort(byChainOrder);
}

/** Plain words for each custody event. */
export function describeCustody(event: string, a: Record<string, unknown>, names: NameBook = {}): string {
  const lower = Object.fromEntries(Object.entries(names).map(([k, v]) => [k.toLowerCase(), typeof v === "string" ? v : v.name]));
  const short = (x: unknown) => (typeof x === "string" && x.startsWith("0x") ? (lower[x.toLowerCase()] ?? `${x.slice(0, 8)}…`) : String(x));
  const version = `dataset #${a.datasetId} v${a.version}`;
  switch (event) {
    case "CustodianSetRegistered": {
      const custodians = (a.custodians as unknown[]) ?? [];
      return `custodian set #${a.setId} registered: ${a.threshold} of ${custodians.length} (${custodians.map(short).join(", ")})`;
    }
    case "CustodianSetRetired":
      return `admin ${short(a.admin)} retired custodian set #${a.setId} (no new deposits)`;
    case "CustodyCategoryMinThresholdChanged":
      return `supervisor ${short(a.supervisor)} set the minimum custody threshold of ${nameOf(CATEGORIES, Number(a.category))} to ${a.newThreshold} (was ${a.oldThreshold})`;
    case "CustodyShredQuorumChanged":
      return `the shred quorum is now ${a.newQuorum} supervisor(s) (was ${a.oldQuorum})`;
    case "SharesDeposited":
      return Number(a.replacedSetId)
        ? `${version}: key shares moved to custodian set #${a.setId} (set #${a.replacedSetId} ordered to shred), shares root ${short(a.sharesRoot)}`
        : `${version}: key shares deposited with custodian set #${a.setId}, shares root ${short(a.sharesRoot)}`;
    case "ShredVoted":
      return `supervisor ${short(a.supervisor)} voted to shred the key shares of ${version} (${a.votes} vote(s))`;
    case "ShredOrdered":
      return `${short(a.orderedBy)} ordered custodian set #${a.setId} to shred its key shares of ${version} at ${when(Number(a.orderedAt))}`;
    case "ShredConfirmed":
      return `custodian ${short(a.custodian)} (share ${a.index} of set #${a.setId}) confirmed it shredded its share of ${version}`;
    default:
      return `${event}(${Object.entries(a)
        .map(([k, v]) => `${k}=${short(typeof v === "bigint" ? v.toString() : v)}`)
        .join(", ")})`;
  }
}
