/**
 * What a grant of a dataset needs now: its own policy and its category's floor together, as the
 * ledger applies them at every grant (contracts/modules/Access.sol). The floor is the
 * supervisors' per-category minimum (`setCategoryMinimum`, event `CategoryMinimumChanged`); it
 * may rise after a dataset was registered, and then binds that dataset's requests too — so the
 * readers show the approvals the ledger will ask for, not only those the dataset's policy names.
 *
 *   provider approval      policy.requireProvider OR floor.requireProvider (both kinds)
 *   formal grant           max(policy.supervisorQuorum, floor.supervisorQuorum) supervisors
 *   temporary grant        the floor's rule: AfterQuorum (the default) — the floor's quorum;
 *                          Early — floor.temporaryQuorum; Forbidden — never. At most the least of
 *                          policy.maxTemporary, floor.maxTemporary (when set) and one day.
 */
import type { Policy } from "../actions/register-dataset.js";

import { TemporaryRule } from "../vocabulary.js";

export { TemporaryRule };

/** contracts/common/Types.sol `CategoryMinimum`. */
export interface CategoryFloor {
  requireProvider: boolean;
  supervisorQuorum: number;
  temporary: number;
  temporaryQuorum: number;
  /** Seconds; 0 = only the global ceiling. */
  maxTemporary: number;
}

export const NO_FLOOR: CategoryFloor = { requireProvider: false, supervisorQuorum: 0, temporary: TemporaryRule.AfterQuorum, temporaryQuorum: 0, maxTemporary: 0 };

/** `MAX_TEMPORARY_SECONDS` of the ledger. */
export const MAX_TEMPORARY_SECONDS = 86_400;

export interface GrantRules {
  requireProvider: boolean;
  /** Supervisor approvals a formal grant needs. */
  supervisorQuorum: number;
  /** Supervisor approvals a temporary grant needs; undefined when none can be granted. */
  temporaryQuorum: number | undefined;
  /** The longest temporary grant, seconds (0: none). */
  maxTemporary: number;
  maxFormal: number;
  /** True when the category floor asks for more than the dataset's own policy. */
  raisedByFloor: boolean;
}

export function grantRules(policy: Policy, floor: CategoryFloor = NO_FLOOR): GrantRules {
  const requireProvider = policy.requireProvider || floor.requireProvider;
  const supervisorQuorum = Math.max(policy.supervisorQuorum, floor.supervisorQuorum);
  let maxTemporary = Math.min(policy.maxTemporary, MAX_TEMPORARY_SECONDS);
  if (floor.maxTemporary > 0) maxTemporary = Math.min(maxTemporary, floor.maxTemporary);
  let temporaryQuorum: number | undefined =
    floor.temporary === TemporaryRule.Forbidden ? undefined : floor.temporary === TemporaryRule.Early ? floor.temporaryQuorum : floor.supervisorQuorum;
  if (maxTemporary === 0) temporaryQuorum = undefined;
  if (temporaryQuorum === undefined) maxTemporary = 0;
  const raisedByFloor =
    requireProvider !== policy.requireProvider || supervisorQuorum !== policy.supervisorQuorum || maxTemporary !== policy.maxTemporary || (temporaryQuorum ?? 0) > 0;
  return { requireProvider, supervisorQuorum, temporaryQuorum, maxTemporary, maxFormal: policy.maxFormal, raisedByFloor };
}

/** "temporary up to 1 hour after 2 supervisor approvals", "temporary: never", … */
export function temporaryWords(r: GrantRules, duration: (s: number) => string): string {
  if (r.temporaryQuorum === undefined || r.maxTemporary === 0) return "temporary: never";
  const after = r.temporaryQuorum > 0 ? ` (only after ${r.temporaryQuorum} supervisor approval${r.temporaryQuorum > 1 ? "s" : ""})` : "";
  return `temporary up to ${duration(r.maxTemporary)}${after}`;
}

/** What a pending request still waits for before it can be granted (the floor included). */
export interface WaitingFor {
  /** The provider's approval is needed and not given yet. */
  provider: boolean;
  /** Supervisor approvals still missing for the kind asked. */
  supervisors: number;
  /** The kind asked can never be granted under the rules now (temporary: Forbidden, or 0 s). */
  impossible: boolean;
  /** Nothing left: the request waits only for someone to advance or grant it. */
  nothing: boolean;
}

/**
 * What a request for `kind` (GrantKind: 1 temporary, 2 formal) still waits for, given the rules
 * in force and the approvals it has.
 */
export function waitingFor(rules: GrantRules, kind: number, approvals: { providerApproved: boolean; supervisorApprovals: number }): WaitingFor {
  const quorum = kind === 1 ? rules.temporaryQuorum : rules.supervisorQuorum;
  const impossible = quorum === undefined;
  const provider = rules.requireProvider && !approvals.providerApproved;
  const supervisors = impossible ? 0 : Math.max(0, quorum - approvals.supervisorApprovals);
  return { provider, supervisors, impossible, nothing: !impossible && !provider && supervisors === 0 };
}
