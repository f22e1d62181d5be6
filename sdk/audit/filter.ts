/**
 * Narrows a timeline (read from events alone, see ./timeline.ts) to what concerns one dataset,
 * one subject or one requester, following the ids events share:
 *
 * - **dataset**: its registration, versions, policy, transfer and retirement; every request for
 *   it and what happened to each (approvals, rejections, grants, releases, revocations, usage);
 *   the consents that cover it (named, or for its category and subject) or that its requests used.
 * - **subject**: everything above for every dataset about the subject, and every consent the
 *   subject gave, revoked or cancelled.
 * - **requester**: its membership and device keys, its requests and everything that happened to
 *   them, and the consents naming it or used by its requests.
 *
 * Two passes: first collect the ids in scope (a category consent may precede the dataset it
 * covers), then keep the events carrying them.
 */
import type { TimelineEntry } from "./timeline.js";
import { CUSTODY_DATASET_EVENTS } from "./custody-events.js";

export type TimelineScope =
  | { kind: "all" }
  | { kind: "dataset"; datasetId: bigint }
  | { kind: "subject"; subject: string }
  | { kind: "requester"; requester: string };

const lc = (v: unknown) => String(v).toLowerCase();
const big = (v: unknown) => (v === undefined || v === null ? undefined : BigInt(v as bigint));

// Threshold custody's deposits and shreds carry the dataset id too (./custody-events.ts).
const BY_DATASET = new Set(["DatasetRegistered", "DatasetVersionPublished", "DatasetPolicyChanged", "DatasetTransferred", "DatasetRetired", ...CUSTODY_DATASET_EVENTS]);
const BY_REQUEST = new Set(["AccessRequested", "AccessApproved", "AccessRejected", "AccessGranted", "GrantRevoked", "UsageRecorded", "KeyReleased"]);
const BY_CONSENT = new Set(["ConsentGiven", "ConsentRevoked", "ConsentSignatureCancelled"]);

export function filterTimeline(entries: TimelineEntry[], scope: TimelineScope): TimelineEntry[] {
  if (scope.kind === "all") return entries;
  const datasets = new Set<bigint>();
  const requests = new Set<bigint>();
  const consents = new Set<string>();
  const datasetFacts = new Map<bigint, { subject: string; category: number }>();
  for (const e of entries) {
    if (e.event === "DatasetRegistered") datasetFacts.set(big(e.args.datasetId)!, { subject: lc(e.args.subject), category: Number(e.args.category) });
  }

  // Pass 1: ids in scope.
  if (scope.kind === "dataset") datasets.add(scope.datasetId);
  if (scope.kind === "subject") {
    for (const [id, f] of datasetFacts) if (f.subject === lc(scope.subject)) datasets.add(id);
  }
  const who = scope.kind === "requester" ? lc(scope.requester) : undefined;
  const subjectOf = scope.kind === "subject" ? lc(scope.subject) : undefined;
  for (const e of entries) {
    if (e.event === "AccessRequested") {
      const mine = who ? lc(e.args.requester) === who : datasets.has(big(e.args.datasetId)!);
      if (mine) {
        requests.add(big(e.args.requestId)!);
        consents.add(lc(e.args.consentId));
      }
    } else if (e.event === "ConsentGiven") {
      const a = e.args;
      const ds = big(a.datasetId)!;
      let mine: boolean;
      if (who) mine = lc(a.requester) === who;
      else if (subjectOf) mine = lc(a.subject) === subjectOf;
      else {
        mine =
          datasets.has(ds) ||
          (ds === 0n && [...datasets].some((d) => datasetFacts.get(d)?.subject === lc(a.subject) && datasetFacts.get(d)?.category === Number(a.category)));
      }
      if (mine) consents.add(lc(a.consentId));
    } else if (e.event === "ConsentSignatureCancelled" && subjectOf && lc(e.args.canceller) === subjectOf) {
      consents.add(lc(e.args.consentId));
    }
  }
  const categories = new Set([...datasets].map((d) => datasetFacts.get(d)?.category).filter((c) => c !== undefined));

  // Pass 2: events carrying those ids.
  return entries.filter((e) => {
    const a = e.args;
    if (BY_REQUEST.has(e.event)) return requests.has(big(a.requestId)!) || (!who && a.datasetId !== undefined && datasets.has(big(a.datasetId)!));
    if (BY_DATASET.has(e.event)) return datasets.has(big(a.datasetId)!);
    if (BY_CONSENT.has(e.event)) return consents.has(lc(a.consentId));
    if (e.event === "CategoryMinimumChanged") return !who && categories.has(Number(a.category));
    if (who && ["MemberRegistered", "MemberSuspended", "MemberReinstated"].includes(e.event)) return lc(a.member) === who;
    if (who && ["EncryptionKeyPublished", "EncryptionKeyRevoked"].includes(e.event)) return lc(a.owner) === who;
    return false;
  });
}

/**
 * What an auditor narrows a timeline to; every field given must hold (they combine with AND).
 * Dataset, subject and requester follow the ids events share, as {@link filterTimeline} does.
 */
export interface TimelineFilters {
  datasetId?: bigint;
  subject?: string;
  requester?: string;
  /** Event names (`AccessGranted`, …; see ./event-kinds.ts); empty or absent = every kind. */
  events?: readonly string[];
  /** Block time at or after this (unix seconds). Needs a timeline read with timestamps. */
  from?: number;
  /** Block time at or before this (unix seconds). Needs a timeline read with timestamps. */
  to?: number;
}

/** The entries every given filter keeps, in chain order. An entry without a timestamp fails a date bound. */
export function narrowTimeline(entries: TimelineEntry[], f: TimelineFilters): TimelineEntry[] {
  const scopes: TimelineScope[] = [];
  if (f.datasetId !== undefined) scopes.push({ kind: "dataset", datasetId: f.datasetId });
  if (f.subject) scopes.push({ kind: "subject", subject: f.subject });
  if (f.requester) scopes.push({ kind: "requester", requester: f.requester });
  // Each scope is followed over the whole timeline (its ids may come from events another scope drops), then intersected.
  const kept = scopes.map((scope) => new Set(filterTimeline(entries, scope)));
  const kinds = f.events?.length ? new Set(f.events) : undefined;
  return entries.filter(
    (e) =>
      kept.every((set) => set.has(e)) &&
      (!kinds || kinds.has(e.event)) &&
      (f.from === undefined || (e.timestamp !== undefined && e.timestamp >= f.from)) &&
      (f.to === undefined || (e.timestamp !== undefined && e.timestamp <= f.to)),
  );
}
