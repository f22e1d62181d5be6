/**
 * The history of the ledger, rebuilt from its events alone (sdk/audit/timeline.ts), each event
 * with its sentence in words and its block time, narrowed by dataset, subject, requester, kind of
 * event and date range (sdk/audit/filter.ts). Read-only: a context connected to any provider
 * (no account) will do. Members are named by their verified names (resolveMemberNames); names
 * the caller passes (a config's) fill in the rest and show as unverified. The dapp's auditor page and `sealshare audit` show what this returns;
 * sdk/audit/export.ts turns it into CSV or JSON.
 *
 * @example
 * ```ts
 * const ctx = { ledger: connectLedger(deployment.ledger, new JsonRpcProvider(rpcUrl)), fromBlock: deployment.deployBlock };
 * const { entries } = await readAuditTimeline(ctx, { datasetId: 3n, events: ["AccessGranted", "KeyReleased"] });
 * for (const e of entries) console.log(when(e.timestamp!), e.summary);
 * ```
 */
import { getAddress, isAddress } from "ethers";
import { narrowTimeline, type TimelineFilters } from "../audit/filter.js";
import { readTimeline, type TimelineEntry } from "../audit/timeline.js";
import { SealshareError } from "../errors.js";
import type { NameBook } from "../format.js";
import { providerOf, type SealshareContext } from "./context.js";
import { namesWithMembers } from "./resolve-member-names.js";

export interface ReadAuditTimelineParams extends TimelineFilters {
  /**
   * Names of other known addresses (checksummed address → name, e.g. a config's), used in the
   * sentences flagged as unverified; a member's verified name from the chain takes precedence.
   */
  names?: NameBook;
  /** Stop at this block (default: the latest). */
  toBlock?: number;
  /** An already-read timeline to narrow instead of reading the chain again. */
  timeline?: TimelineEntry[];
}

export interface AuditTimeline {
  /** The events the filters keep, in chain order. */
  entries: TimelineEntry[];
  /** Every event read (what was narrowed), for narrowing again or for verifyLedger. */
  all: TimelineEntry[];
}

export async function readAuditTimeline(ctx: SealshareContext, p: ReadAuditTimelineParams = {}): Promise<AuditTimeline> {
  const filters: TimelineFilters = { ...p, subject: address(p.subject, "subject"), requester: address(p.requester, "requester") };
  if (p.from !== undefined && p.to !== undefined && p.from > p.to) {
    throw new SealshareError("INVALID_OPTION", `the date range ends (${p.to}) before it starts (${p.from})`, { hint: "give a start date on or before the end date" });
  }
  const all =
    p.timeline ??
    (await readTimeline({
      provider: providerOf(ctx),
      ledger: await ctx.ledger.getAddress(),
      fromBlock: ctx.fromBlock ?? 0,
      toBlock: p.toBlock,
      step: ctx.reader?.maxRange,
      names: await namesWithMembers(ctx, p.names),
      withTimestamps: true,
    }));
  return { entries: narrowTimeline(all, filters), all };
}

function address(a: string | undefined, what: string): string | undefined {
  if (a === undefined || a === "") return undefined;
  if (!isAddress(a)) throw new SealshareError("INVALID_ADDRESS", `the ${what} is not an address: ${JSON.stringify(a)}`, { hint: "give a 0x address of 40 hex digits" });
  return getAddress(a);
}
