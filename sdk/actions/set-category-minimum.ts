/**
 * A supervisor sets the floor of a data category: what every grant of a dataset in it needs at
 * least, whatever the dataset's own policy says (provider approval, supervisor quorum, the rule
 * for temporary grants and their longest duration). It binds existing datasets too.
 *
 * @example
 * ```ts
 * await setCategoryMinimum(supervisorCtx, { category: "deposit", requireProvider: true, supervisorQuorum: 2 });
 * ```
 */
import { TemporaryRule, type CategoryFloor } from "../reads/grant-rules.js";
import { eventIn, sendTx, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import { toCategory, toSeconds } from "./vocab.js";

export interface SetCategoryMinimumParams {
  category: string | number;
  requireProvider?: boolean;
  /** Supervisors a formal grant needs at least. Default 0. */
  supervisorQuorum?: number;
  /** What a temporary grant needs. Default AfterQuorum. */
  temporary?: keyof typeof TemporaryRule;
  /** Supervisors a temporary grant needs under Early. Default 0. */
  temporaryQuorum?: number;
  /** Longest temporary grant (seconds or "1h"); 0 = the global ceiling only. */
  maxTemporary?: number | string;
}

export interface SetCategoryMinimumResult extends TxResult {
  category: number;
  /** The floor now in force (from the CategoryMinimumChanged event). */
  floor: CategoryFloor;
}

/** Errors: `AccessControlUnauthorizedAccount` (not a supervisor), `DatasetsInvalidCategory`, `DatasetsCategoryQuorumTooHigh`, `DatasetsCategoryEarlyQuorumAboveQuorum`, `DatasetsCategoryEarlyQuorumWithoutEarly`, `DatasetsCategoryTemporaryAboveCeiling`, `DatasetsCategoryTemporaryCapWhenForbidden` (one per inconsistent floor, with its values). */
export async function setCategoryMinimum(ctx: SealshareContext, p: SetCategoryMinimumParams): Promise<SetCategoryMinimumResult> {
  const category = toCategory(p.category);
  const minimum = {
    requireProvider: p.requireProvider ?? false,
    supervisorQuorum: p.supervisorQuorum ?? 0,
    temporary: TemporaryRule[p.temporary ?? "AfterQuorum"],
    temporaryQuorum: p.temporaryQuorum ?? 0,
    maxTemporary: p.maxTemporary === undefined ? 0 : toSeconds(p.maxTemporary),
  };
  const receipt = await sendTx(() => writer(ctx).setCategoryMinimum(category, minimum));
  const m = eventIn(ctx, receipt, "CategoryMinimumChanged").newMinimum as Record<string, bigint | boolean>;
  return {
    ...txResult(receipt),
    category,
    floor: {
      requireProvider: Boolean(m.requireProvider),
      supervisorQuorum: Number(m.supervisorQuorum),
      temporary: Number(m.temporary),
      temporaryQuorum: Number(m.temporaryQuorum),
      maxTemporary: Number(m.maxTemporary),
    },
  };
}
