/**
 * What a requester should hear before sending an access request whose terms the ledger will
 * not grant as asked. The ledger does not refuse a long duration: it grants
 * `min(now + duration, consent expiry, now + the rules' maximum for the kind)` (Access.sol
 * `_advance`), so a requester who asks for 60 days under a 30-day policy silently gets 30. These
 * warnings say so first, with the figure the grant will be capped to, or that the request will
 * be refused or never granted. A pure `requestWarnings()` decides (driven directly by tests);
 * `readRequestWarnings()` reads its facts from the chain.
 *
 * Cases, in the order they are checked:
 *
 * | facts                                                        | warning                   |
 * |--------------------------------------------------------------|---------------------------|
 * | the consent's expiry is not in the future                    | `CONSENT_EXPIRED`: the ledger will refuse the request (ConsentsExpired); nothing else is said |
 * | temporary asked, the rules allow no temporary grant          | `TEMPORARY_NEVER_GRANTED`: recorded, never granted; the duration is not judged |
 * | duration above the rules' maximum for the kind               | `DURATION_ABOVE_POLICY`: capped to that maximum |
 * | the (capped) duration outlasts the consent                   | `DURATION_ABOVE_CONSENT`: the grant ends with the consent at the latest |
 * | none of these                                                | no warning                |
 *
 * @example
 * ```ts
 * for (const w of await readRequestWarnings(insurerCtx, { datasetId: 1n, kind: "formal", duration: "60d", consent: terms })) {
 *   console.warn(w.message);
 * }
 * ```
 */
import type { ConsentTerms } from "../eip712.js";
import { duration as inWords, when } from "../format.js";
import type { GrantRules } from "../reads/grant-rules.js";
import { GrantKind } from "../vocabulary.js";
import { expiryNow, type SealshareContext } from "./context.js";
import { getDataset } from "./get-dataset.js";
import { toGrantKind, toSeconds } from "./vocab.js";

export type RequestWarningCode = "CONSENT_EXPIRED" | "TEMPORARY_NEVER_GRANTED" | "DURATION_ABOVE_POLICY" | "DURATION_ABOVE_CONSENT";

export interface RequestWarning {
  code: RequestWarningCode;
  /** A sentence for the requester: what will happen, and what to do about it. */
  message: string;
  /** For the capping warnings: the longest grant (seconds from now) the request can get. */
  cappedTo?: number;
}

export interface RequestFacts {
  /** GrantKind asked: 1 temporary, 2 formal. */
  kind: number;
  /** Seconds asked. */
  duration: number;
  /** The rules a grant of the dataset needs now (getDataset's `rules`: the policy with its category's floor). */
  rules: Pick<GrantRules, "maxTemporary" | "maxFormal">;
  /** Unix seconds the consent ends. */
  consentExpiresAt: number;
  /** Unix seconds: now, as the ledger will judge it. */
  now: number;
}

export function requestWarnings(f: RequestFacts): RequestWarning[] {
  if (f.consentExpiresAt <= f.now) {
    return [
      {
        code: "CONSENT_EXPIRED",
        message: `the consent expired at ${when(f.consentExpiresAt)}: the ledger will refuse this request (ConsentsExpired); ask the subject for a new consent`,
      },
    ];
  }
  const temporary = f.kind === GrantKind.Temporary;
  const cap = temporary ? f.rules.maxTemporary : f.rules.maxFormal;
  if (temporary && cap === 0) {
    return [
      {
        code: "TEMPORARY_NEVER_GRANTED",
        message: "this dataset's rules (its policy or its category's floor) allow no temporary grant: the request would be recorded but never granted; ask for a formal grant (--kind formal)",
      },
    ];
  }
  const out: RequestWarning[] = [];
  const kind = temporary ? "temporary" : "formal";
  if (f.duration > cap) {
    out.push({
      code: "DURATION_ABOVE_POLICY",
      message: `you ask for ${inWords(f.duration)}, but this dataset allows a ${kind} grant of at most ${inWords(cap)}: the grant will be capped to ${inWords(cap)}`,
      cappedTo: cap,
    });
  }
  const left = f.consentExpiresAt - f.now;
  const asked = Math.min(f.duration, cap);
  if (asked > left) {
    out.push({
      code: "DURATION_ABOVE_CONSENT",
      message: `the consent ends at ${when(f.consentExpiresAt)} (in ${inWords(left)}), before the ${inWords(asked)} you would get: the grant will end with the consent, at the latest; ask the subject for a longer consent if you need more`,
      cappedTo: left,
    });
  }
  return out;
}

export interface ReadRequestWarningsParams {
  datasetId: bigint;
  kind: string | number;
  duration: string | number;
  /** The consent's terms (only `expiresAt` is read). */
  consent: Pick<ConsentTerms, "expiresAt">;
}

/**
 * The warnings for a request about to be sent, with the dataset's rules and the time read from
 * the chain. Errors: those of `getDataset` (`DatasetsUnknown`) — the same the request itself
 * would raise.
 */
export async function readRequestWarnings(ctx: SealshareContext, p: ReadRequestWarningsParams): Promise<RequestWarning[]> {
  const [ds, now] = await Promise.all([getDataset(ctx, { datasetId: p.datasetId }), expiryNow(ctx)]);
  return requestWarnings({ kind: toGrantKind(p.kind), duration: toSeconds(p.duration), rules: ds.rules, consentExpiresAt: Number(p.consent.expiresAt), now });
}
