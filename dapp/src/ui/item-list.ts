/**
 * A list of things on a page — datasets, requests, consents, releases, members — as every page
 * shows one: a sentence when there is nothing, else `<ul class="items">` with one row per item,
 * marked for tests with `data-testid`.
 */
import { html, type TemplateResult } from "lit-html";
import { ifDefined } from "lit-html/directives/if-defined.js";

export function itemList<T>(items: readonly T[], o: { testId: string; empty: string; emptyTestId?: string; row: (item: T) => TemplateResult }): TemplateResult {
  if (items.length === 0) return html`<p class="meta" data-testid=${ifDefined(o.emptyTestId)}>${o.empty}</p>`;
  return html`<ul class="items" data-testid=${o.testId}>
    ${items.map(o.row)}
  </ul>`;
}
