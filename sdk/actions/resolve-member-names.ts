/**
 * The verified display names of members, read from the chain: each `MemberRegistered` event's
 * metadata URI (written by a supervisor, kept by the ledger) parsed by
 * sdk/members/display-name.ts. A member is registered once (the ledger refuses a second
 * registration), so its first event's URI is its record. Nothing is fetched over HTTP and no
 * config is consulted: these names are what the chain says, and {@link NameBook} marks them
 * verified. Suspended members keep their name (a timeline names who was suspended).
 *
 * Read once per context and then only the blocks since (the cache is keyed by the context
 * object): a page that follows the chain sees a member registered a minute ago, without reading
 * every registration again. (A registration in a block later reorganised away keeps its name in
 * a long-lived context's cache; a new context reads afresh.)
 *
 * @example
 * ```ts
 * const names = await resolveMemberNames(ctx);
 * console.log(who(bank, names)); // "Acme Bank (0x1234…abcd)"
 * console.log(who(ana, await namesWithMembers(ctx, config.names))); // "Ana (0x5678…ef01, unverified)"
 * ```
 */
import { getAddress } from "ethers";
import type { DisplayName, NameBook } from "../format.js";
import { displayNameOf } from "../members/display-name.js";
import { providerOf, queryEvents, type SealshareContext } from "./context.js";

/** Checksummed member address → its verified name (members whose record carries none are absent). */
export type MemberNames = Record<string, DisplayName & { verified: true }>;

interface Cached {
  names: MemberNames;
  /** Every block up to this one has been read. */
  upTo: number;
  /** The read in flight, shared by concurrent callers. */
  pending?: Promise<MemberNames>;
}

const cache = new WeakMap<SealshareContext, Cached>();

/**
 * Every member's verified name, as of the latest block. Cached per context: a later call reads
 * only the blocks since the previous one. Errors: the event reader's (RPC unreachable).
 */
export async function resolveMemberNames(ctx: SealshareContext): Promise<MemberNames> {
  let c = cache.get(ctx);
  if (!c) cache.set(ctx, (c = { names: {}, upTo: -1 }));
  const entry = c;
  if (entry.pending) return entry.pending;
  entry.pending = (async () => {
    try {
      const head = await providerOf(ctx).getBlockNumber();
      if (head <= entry.upTo) return entry.names;
      const logs = await queryEvents(ctx, "MemberRegistered", [], { fromBlock: entry.upTo + 1, toBlock: head });
      const names = { ...entry.names };
      for (const e of logs) {
        const member = getAddress(String(e.args.member));
        if (member in names) continue; // registered once; a first record is the record
        const name = displayNameOf(String(e.args.metadataURI));
        if (name !== undefined) names[member] = { name, verified: true };
      }
      entry.names = names;
      entry.upTo = head;
      return names;
    } finally {
      entry.pending = undefined;
    }
  })();
  return entry.pending;
}

/**
 * The names to show: `others` (a config's, a story's — shown unverified) with every member's
 * verified name from the chain over them, so a file can never rename a member.
 */
export async function namesWithMembers(ctx: SealshareContext, others: NameBook = {}): Promise<NameBook> {
  return { ...others, ...(await resolveMemberNames(ctx)) };
}
