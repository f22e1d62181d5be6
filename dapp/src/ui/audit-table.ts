/**
 * The auditor's timeline, one page at a time: each event's time (ISO 8601 UTC, the format of
 * every time in Sealshare), its kind and what happened in words (the SDK's sentences, the same
 * the CLI prints), and its transaction.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { eventLabel } from "../../../sdk/audit/event-kinds.js";
import type { TimelineEntry } from "../../../sdk/audit/timeline.js";
import { when } from "../../../sdk/format.js";
import type { DappConfig } from "../lib/config.js";
import { txLink } from "./parts.js";

export const PAGE_SIZE = 20;

export function pageCount(n: number): number {
  return Math.max(1, Math.ceil(n / PAGE_SIZE));
}

export function timelinePage(o: { config: DappConfig; entries: TimelineEntry[]; page: number; go: (page: number) => void }): TemplateResult {
  const { entries, page } = o;
  if (entries.length === 0) return html`<p class="meta" data-testid="no-events">No events match these filters.</p>`;
  const pages = pageCount(entries.length);
  const first = page * PAGE_SIZE;
  const shown = entries.slice(first, first + PAGE_SIZE);
  return html`<table class="timeline" data-testid="timeline">
      <caption class="visually-hidden">Events in chain order</caption>
      <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Event</th><th scope="col">What happened</th><th scope="col">Block and transaction</th></tr></thead>
      <tbody>
        ${shown.map(
          (e) => html`<tr data-event=${e.event}>
            <td>${e.timestamp !== undefined ? when(e.timestamp) : "—"}</td>
            <td>${eventLabel(e.event)}</td>
            <td class="summary">${e.summary}</td>
            <td>#${e.blockNumber} · ${txLink(o.config, e.txHash, "tx")}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <nav class="pager" aria-label="Timeline pages">
      <span data-testid="page-status">Events ${first + 1}–${first + shown.length} of ${entries.length} · page ${page + 1} of ${pages}</span>
      ${pages > 1
        ? html`<button type="button" class="secondary" ?disabled=${page === 0} @click=${() => o.go(page - 1)}>Previous page</button>
            <button type="button" class="secondary" ?disabled=${page >= pages - 1} @click=${() => o.go(page + 1)}>Next page</button>`
        : nothing}
    </nav>`;
}
