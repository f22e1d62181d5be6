/**
 * The floor in force per category: the supervisors' minimum (`setCategoryMinimum`), read from
 * the last `CategoryMinimumChanged` event of each category. A category never set has no floor
 * (NO_FLOOR). The floors bind every dataset of the category, existing ones too.
 *
 * @example
 * ```ts
 * const floors = await getCategoryFloors(ctx);
 * const health = floors.get(Category.Health) ?? NO_FLOOR;
 * ```
 */
import { NO_FLOOR, type CategoryFloor } from "../reads/grant-rules.js";
import { queryEvents, type SealshareContext } from "./context.js";

export { NO_FLOOR, type CategoryFloor };

export type GetCategoryFloorsResult = Map<number, CategoryFloor>;

export async function getCategoryFloors(ctx: SealshareContext): Promise<GetCategoryFloorsResult> {
  const floors = new Map<number, CategoryFloor>();
  for (const e of await queryEvents(ctx, "CategoryMinimumChanged")) {
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
}
