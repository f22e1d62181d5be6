/**
 * The auditor's checks of threshold custody (issue 14), from the custody contract's events
 * (./custody-events.ts) merged into the timeline, plus evidence a requester kept:
 *
 * (e) **Shred confirmations** — for every `ShredOrdered`, each custodian of the ordered set (its
 *     `CustodianSetRegistered` list, in share order) must have emitted `ShredConfirmed` within
 *     `shredDeadline` seconds of chain time after `orderedAt`:
 *     | custodian's confirmation                   | outcome                                     |
 *     |--------------------------------------------|---------------------------------------------|
 *     | at or before orderedAt + deadline          | fine                                        |
 *     | after the deadline                         | SHRED_NOT_CONFIRMED (confirmed late, when)  |
 *     | none, and the deadline has passed (`now`)  | SHRED_NOT_CONFIRMED (naming its address)    |
 *     | none, deadline not reached yet             | a note (pending, until when)                |
 * (f) **Bad shares** — each piece of evidence (./share-evidence.ts) is checked against the chain
 *     only; it proves BAD_SHARE against custodian X when ALL of:
 *     the envelope carries a share; its request was made for its dataset (AccessRequested); set
 *     `setId` holds shares of that version (SharesDeposited: the root the share must verify
 *     against — the root of THAT set, even after a change of set); X is the custodian at `index`
 *     of that set; the envelope's signature recovers to X in the custodian domain (chain id,
 *     ledger); the disclosed key opens the wrapped share; and the share does NOT verify against
 *     the root for (chain, custody contract, dataset, version, set, index) with its signed proof.
 *     Anything else refuses the evidence (listed with why, not a violation): in particular a
 *     share that verifies, and an envelope someone other than X signed.
 *
 * "Now" is chain time (the latest block's timestamp), as the contracts see it.
 */
import { getAddress, getBytes } from "ethers";
import { custodianDomain } from "../eip712.js";
import { verifyShareInSlot } from "../threshold/commitment.js";
import type { ShareEvidence } from "./share-evidence.js";

/** The evidence tools (eciesjs, zod): loaded only when there is evidence, so a page that only audits the chain does not download them. */
type EvidenceTools = Pick<typeof import("./share-evidence.js"), "envelopeSigner" | "openDisclosedShare">;
import type { TimelineEntry } from "./timeline.js";
import { when, duration } from "../format.js";

/** Default time custodians have to confirm a shred: one day of chain time. */
export const DEFAULT_SHRED_DEADLINE_SECONDS = 86_400;

export interface CustodyViolation {
  check: "custody";
  code: "SHRED_NOT_CONFIRMED" | "BAD_SHARE";
  message: string;
  /** The custodian at fault. */
  custodian: string;
  txHash?: string;
  blockNumber?: number;
  requestId?: string;
  datasetId?: string;
}

/** Evidence that proves nothing, and why. */
export interface RefusedEvidence {
  where: string;
  reason: string;
}

export interface CustodyCheckResult {
  shredOrders: number;
  confirmationsMissing: number;
  evidenceChecked: number;
  violations: CustodyViolation[];
  refused: RefusedEvidence[];
  notes: string[];
}

export interface CustodyCheckOptions {
  /** Ledger and custody events, in chain order, with block timestamps. */
  timeline: readonly TimelineEntry[];
  /** Chain time (unix seconds) the deadlines are judged at. */
  now: number;
  /** Seconds each custodian has to confirm an ordered shred (default one day). */
  shredDeadline?: number;
  /** Evidence of bad shares, each with where it came from (a file name). */
  evidence?: readonly { where: string; evidence: ShareEvidence }[];
  /** The chain id and custody contract the shares were dealt for; the ledger names the custodian domain. */
  chainId: bigint;
  ledger: string;
  custody?: string;
}

interface SetFacts {
  custodians: string[];
  txHash: string;
}

const key = (datasetId: unknown, version: unknown, setId: unknown) => `${BigInt(datasetId as bigint)}:${Number(version)}:${Number(setId)}`;

export async function checkCustody(o: CustodyCheckOptions): Promise<CustodyCheckResult> {
  const r: CustodyCheckResult = { shredOrders: 0, confirmationsMissing: 0, evidenceChecked: 0, violations: [], refused: [], notes: [] };
  const sets = new Map<number, SetFacts>();
  const roots = new Map<string, string>();
  const orders: TimelineEntry[] = [];
  const confirmations = new Map<string, Map<string, TimelineEntry>>();
  const requests = new Map<string, bigint>();
  for (const e of o.timeline) {
    const a = e.args;
    switch (e.event) {
      case "CustodianSetRegistered":
        sets.set(Number(a.setId), { custodians: (a.custodians as string[]).map((c) => getAddress(c)), txHash: e.txHash });
        break;
      case "SharesDeposited":
        roots.set(key(a.datasetId, a.version, a.setId), String(a.sharesRoot));
        break;
      case "ShredOrdered":
        orders.push(e);
        break;
      case "ShredConfirmed": {
        const k = key(a.datasetId, a.version, a.setId);
        const byCustodian = confirmations.get(k) ?? new Map<string, TimelineEntry>();
        const c = getAddress(String(a.custodian));
        if (!byCustodian.has(c)) byCustodian.set(c, e);
        confirmations.set(k, byCustodian);
        break;
      }
      case "AccessRequested":
        requests.set(String(a.requestId), BigInt(a.datasetId as bigint));
        break;
    }
  }
  checkShreds(o, sets, orders, confirmations, r);
  const tools: EvidenceTools | undefined = o.evidence?.length ? await import("./share-evidence.js") : undefined;
  for (const item of o.evidence ?? []) checkEvidence(o, item, sets, roots, requests, r, tools!);
  return r;
}

function checkShreds(o: CustodyCheckOptions, sets: Map<number, SetFacts>, orders: TimelineEntry[], confirmations: Map<string, Map<string, TimelineEntry>>, r: CustodyCheckResult): void {
  const deadline = o.shredDeadline ?? DEFAULT_SHRED_DEADLINE_SECONDS;
  for (const order of orders) {
    r.shredOrders++;
    const a = order.args;
    const label = `the shred of dataset #${a.datasetId} v${a.version} by set #${a.setId}`;
    const set = sets.get(Number(a.setId));
    if (!set) {
      r.notes.push(`${label}: set #${a.setId} was not registered in the range read (custodians not checked)`);
      continue;
    }
    const orderedAt = Number(a.orderedAt);
    const due = orderedAt + deadline;
    const done = confirmations.get(key(a.datasetId, a.version, a.setId)) ?? new Map<string, TimelineEntry>();
    set.custodians.forEach((custodian, index) => {
      const c = done.get(custodian);
      const where = { txHash: order.txHash, blockNumber: order.blockNumber, datasetId: String(a.datasetId) };
      if (c && c.timestamp !== undefined && c.timestamp > due) {
        r.confirmationsMissing++;
        r.violations.push({
          check: "custody",
          code: "SHRED_NOT_CONFIRMED",
          custodian,
          message: `${label}: custodian ${custodian} (share ${index}) confirmed only at ${when(c.timestamp)}, after the ${duration(deadline)} deadline (${when(due)})`,
          ...where,
          txHash: c.txHash,
          blockNumber: c.blockNumber,
        });
      } else if (!c && o.now > due) {
        r.confirmationsMissing++;
        r.violations.push({
          check: "custody",
          code: "SHRED_NOT_CONFIRMED",
          custodian,
          message: `${label}: custodian ${custodian} (share ${index}) has not confirmed it destroyed its share, ${duration(deadline)} after the order (ordered ${when(orderedAt)})`,
          ...where,
        });
      } else if (!c) {
        r.notes.push(`${label}: custodian ${custodian} (share ${index}) has not confirmed yet (deadline ${when(due)})`);
      }
    });
  }
}

function checkEvidence(
  o: CustodyCheckOptions,
  item: { where: string; evidence: ShareEvidence },
  sets: Map<number, SetFacts>,
  roots: Map<string, string>,
  requests: Map<string, bigint>,
  r: CustodyCheckResult,
  { envelopeSigner, openDisclosedShare }: EvidenceTools,
): void {
  r.evidenceChecked++;
  const refuse = (reason: string): void => {
    r.refused.push({ where: item.where, reason });
  };
  const env = item.evidence.envelope;
  const share = env.share;
  if (!share) return refuse("the envelope carries a whole key, not a share");
  if (!o.custody) return refuse("the deployment names no custody contract");
  const label = `request #${env.requestId}, dataset #${env.datasetId} v${env.version}, share ${share.index} of set #${share.setId}`;
  const requested = requests.get(env.requestId);
  if (requested === undefined) return refuse(`${label}: no such request on chain`);
  if (requested !== BigInt(env.datasetId)) return refuse(`${label}: request #${env.requestId} was for dataset #${requested}`);
  const root = roots.get(key(env.datasetId, env.version, share.setId));
  if (!root) return refuse(`${label}: set #${share.setId} never held shares of that version`);
  const set = sets.get(share.setId);
  const custodian = set?.custodians[share.index];
  if (!custodian) return refuse(`${label}: set #${share.setId} has no custodian at index ${share.index}`);
  const signer = envelopeSigner(custodianDomain(o.chainId, o.ledger), env);
  if (signer !== custodian) return refuse(`${label}: the envelope was signed by ${signer ?? "nobody (malformed signature)"}, not by ${custodian}, the custodian at that index`);
  const opened = openDisclosedShare(getBytes(env.wrappedKey), getBytes(item.evidence.shareKey));
  if (!opened) return refuse(`${label}: the disclosed key does not open the wrapped share`);
  const slot = { chainId: o.chainId, custody: o.custody, datasetId: BigInt(env.datasetId), version: env.version, setId: share.setId };
  const verifies = verifyShareInSlot(root, slot, share.index, opened, share.proof);
  opened.fill(0);
  if (verifies) return refuse(`${label}: the share verifies against the shares root: it is not a bad share`);
  r.violations.push({
    check: "custody",
    code: "BAD_SHARE",
    custodian,
    message: `${label}: custodian ${custodian} signed a share that is not the one the provider committed to on chain (${item.where})`,
    requestId: env.requestId,
    datasetId: env.datasetId,
  });
}
