/**
 * What a consent covers, and a dataset, in plain words — named by its provider and category,
 * the number only as a reference — as the person's page and the supervisor's queue say it.
 */
import type { ConsentListing } from "../../../sdk/actions/list-consents.js";
import { nameFor, who, type NameBook } from "../../../sdk/format.js";
import { categoryLabel } from "../../../sdk/vocabulary.js";

/** "deposit data from Bank (dataset #3)" (the provider by its name — "Bank (unverified)" when not the chain's — else its short address); "dataset #3" until the dataset is known here. */
export function datasetWords(datasetId: bigint, d: { category: number; provider: string } | undefined, names: NameBook, whose?: "your"): string {
  return d ? `${whose ? `${whose} ` : ""}${categoryLabel(d.category)} data from ${nameFor(d.provider, names) ?? who(d.provider, names)} (dataset #${datasetId})` : `${whose ? `${whose} ` : ""}dataset #${datasetId}`;
}

/** The dataset in words ({@link datasetWords}), or "all deposit data" / "all your deposit data" for a whole-category consent. */
export function consentScope(
  c: Pick<ConsentListing, "datasetId" | "category">,
  whose?: "your",
  datasets?: { get(id: bigint): { category: number; provider: string } | undefined; names: NameBook },
): string {
  return c.datasetId ? datasetWords(c.datasetId, datasets?.get(c.datasetId), datasets?.names ?? {}, whose) : `all ${whose ? `${whose} ` : ""}${categoryLabel(c.category)} data`;
}
