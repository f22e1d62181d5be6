/**
 * What a consent covers, in plain words, as the person's page and the supervisor's queue both
 * say it.
 */
import type { ConsentListing } from "../../../sdk/actions/list-consents.js";
import { categoryLabel } from "../../../sdk/vocabulary.js";

/** "dataset #3", or "all deposit data" / "all your deposit data" for a whole-category consent. */
export function consentScope(c: Pick<ConsentListing, "datasetId" | "category">, whose?: "your"): string {
  return c.datasetId ? `dataset #${c.datasetId}` : `all ${whose ? `${whose} ` : ""}${categoryLabel(c.category)} data`;
}

