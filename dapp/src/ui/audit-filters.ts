/**
 * The auditor's filter form: dataset, subject and requester picked by name from what the
 * timeline holds (no hex to type), a kind of event in words (sdk/audit/event-kinds.ts), and a
 * date range in UTC — the one time zone every time on the page is shown in. It only gathers the
 * choice; the SDK's readAuditTimeline does the narrowing.
 */
import { html, type TemplateResult } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { getAddress, ZeroAddress } from "ethers";
import { EVENT_KINDS } from "../../../sdk/audit/event-kinds.js";
import type { TimelineFilters } from "../../../sdk/audit/filter.js";
import type { TimelineEntry } from "../../../sdk/audit/timeline.js";
import { who, type NameBook } from "../../../sdk/format.js";
import { CATEGORIES, nameOf } from "../../../sdk/vocabulary.js";

/** The form's raw values (what the fields show), kept so the form survives a re-render. */
export interface FilterChoice {
  dataset: string;
  subject: string;
  requester: string;
  event: string;
  from: string; // yyyy-mm-dd, UTC
  to: string;
}

export const NO_FILTER: FilterChoice = { dataset: "", subject: "", requester: "", event: "", from: "", to: "" };

const DAY = 86_400;

/** The SDK's filters for a choice; a date is a whole UTC day (the "to" day included). */
export function filtersOf(c: FilterChoice): TimelineFilters {
  const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / 1000;
  return {
    datasetId: c.dataset ? BigInt(c.dataset) : undefined,
    subject: c.subject || undefined,
    requester: c.requester || undefined,
    events: c.event ? [c.event] : undefined,
    from: c.from ? day(c.from) : undefined,
    to: c.to ? day(c.to) + DAY - 1 : undefined,
  };
}

interface Options {
  datasets: { id: string; label: string }[];
  subjects: string[];
  requesters: string[];
  events: { event: string; label: string }[];
}

/** What the pickers offer: the datasets, subjects, requesters and kinds of event the ledger has seen. */
function optionsOf(all: TimelineEntry[], names: NameBook): Options {
  const datasets: Options["datasets"] = [];
  const subjects = new Set<string>();
  const requesters = new Set<string>();
  const seen = new Set(all.map((e) => e.event));
  for (const e of all) {
    const a = e.args;
    if (e.event === "DatasetRegistered") {
      datasets.push({ id: String(a.datasetId), label: `#${a.datasetId} — ${nameOf(CATEGORIES, Number(a.category))} about ${who(String(a.subject), names)}` });
      subjects.add(getAddress(String(a.subject)));
    }
    if (e.event === "AccessRequested") requesters.add(getAddress(String(a.requester)));
    if (e.event === "ConsentGiven" && a.requester !== ZeroAddress) requesters.add(getAddress(String(a.requester)));
  }
  return { datasets, subjects: [...subjects], requesters: [...requesters], events: EVENT_KINDS.filter((k) => seen.has(k.event)) };
}

export function filterForm(o: { all: TimelineEntry[]; names: NameBook; choice: FilterChoice; busy: boolean; apply: (c: FilterChoice) => void }): TemplateResult {
  const opts = optionsOf(o.all, o.names);
  const c = o.choice;
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const v = (k: keyof FilterChoice) => String(f.get(k) ?? "");
    o.apply({ dataset: v("dataset"), subject: v("subject"), requester: v("requester"), event: v("event"), from: v("from"), to: v("to") });
  };
  const reset = () => o.apply({ ...NO_FILTER });
  const people = (list: string[], selected: string) => list.map((a) => html`<option value=${a} ?selected=${selected === a}>${who(a, o.names)}</option>`);
  return html`<form class="filters" data-testid="audit-filters" @submit=${submit}>
    <div class="grid">
      <div class="field">
        <label for="f-dataset">Dataset</label>
        <select id="f-dataset" name="dataset" .value=${live(c.dataset)}>
          <option value="">every dataset</option>
          ${opts.datasets.map((d) => html`<option value=${d.id} ?selected=${c.dataset === d.id}>${d.label}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="f-subject">Person (subject)</label>
        <select id="f-subject" name="subject" .value=${live(c.subject)}><option value="">everyone</option>${people(opts.subjects, c.subject)}</select>
      </div>
      <div class="field">
        <label for="f-requester">Institution (requester)</label>
        <select id="f-requester" name="requester" .value=${live(c.requester)}><option value="">every institution</option>${people(opts.requesters, c.requester)}</select>
      </div>
      <div class="field">
        <label for="f-event">Kind of event</label>
        <select id="f-event" name="event" .value=${live(c.event)}>
          <option value="">every kind</option>
          ${opts.events.map((k) => html`<option value=${k.event} ?selected=${c.event === k.event}>${k.label}</option>`)}
        </select>
      </div>
      <div class="field"><label for="f-from">From <span class="hint">(UTC day)</span></label><input id="f-from" name="from" type="date" .value=${live(c.from)} /></div>
      <div class="field"><label for="f-to">To <span class="hint">(UTC day, included)</span></label><input id="f-to" name="to" type="date" .value=${live(c.to)} /></div>
    </div>
    <button type="submit" ?disabled=${o.busy}>Apply filters</button>
    <button type="button" class="secondary" ?disabled=${o.busy} @click=${reset}>Clear filters</button>
  </form>`;
}
