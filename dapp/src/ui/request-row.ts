/**
 * One access request as every page shows it: the request in plain words, its state (with what
 * it still waits for, or who rejected or revoked it and why), its transaction, and — where the
 * page's user may decide — Approve / Reject / Revoke with a reason. The provider's and the
 * supervisor's queues, the requester's list and the person's list all use {@link requestRow}.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { GetDatasetResult as DatasetInfo } from "../../../sdk/actions/get-dataset.js";
import type { RequestListing as RequestInfo } from "../../../sdk/actions/list-requests.js";
import { duration, when, who } from "../../../sdk/format.js";
import { grantInvalidLabel as invalidWords, kindLabel as kindWords, purposeLabel as purposeWords, reasonLabel as reasonWords, RequestStatus, statusLabel } from "../../../sdk/vocabulary.js";
import { txLink, type App } from "./parts.js";
import { reasonPicker, withReason } from "./reason-picker.js";
import { datasetWords } from "./consent-words.js";
import { namesOf } from "./names.js";

/** "Insurer (0x…) asked for deposit data from Bank (dataset #1) for underwriting — formal access for 7 days." */
export function requestSentence(app: App, r: RequestInfo, d?: DatasetInfo, me?: string): string {
  const names = namesOf(app);
  const dataset = datasetWords(r.datasetId, d, names);
  const sentence = `${who(r.requester, names, me)} asked for ${dataset} for ${purposeWords(r.purpose)} — ${kindWords(r.kind)} access for ${duration(r.duration)}.`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** The request's state in words: granted until when, what it waits for, or why it ended. */
export function requestState(app: App, r: RequestInfo, d?: DatasetInfo): TemplateResult {
  const g = r.grant;
  if (g.valid) {
    return html`<span class="badge ok" data-testid="request-status">${kindWords(g.kind)} access granted</span> <span class="meta">until ${when(g.expiresAt)}</span>`;
  }
  if (r.status === RequestStatus.Pending && r.waitingFor) {
    // What the SDK says it still waits for: the dataset's policy with its category floor.
    const w = r.waitingFor;
    const waits: string[] = [];
    if (w.provider) waits.push("the provider's approval");
    if (w.supervisors > 0) waits.push(`${w.supervisors} supervisor approval${w.supervisors > 1 ? "s" : ""}`);
    if (w.impossible) waits.push("a change of the category's rules (this kind of grant is not allowed now)");
    return html`<span class="badge wait" data-testid="request-status">waiting</span> <span class="meta">for ${waits.join(" and ") || "the ledger"}</span>`;
  }
  // Rejected, or revoked by the provider or a supervisor: say who, and why.
  const decided = r.decision;
  if (decided && (r.status === RequestStatus.Rejected || r.status === RequestStatus.Revoked)) {
    return html`<span class="badge bad" data-testid="request-status">${decided.what} by ${who(decided.by, namesOf(app))}</span>
      <span class="meta" data-testid="request-reason">reason: ${reasonWords(decided.reasonCode)} · ${txLink(app.config, decided.txHash, `${decided.what} in`)} ·</span>`;
  }
  const word = r.status === RequestStatus.Temporary || r.status === RequestStatus.Formal ? invalidWords(g.reason) : statusLabel(r.status);
  return html`<span class="badge bad" data-testid="request-status">${word}</span>`;
}

export function requestMeta(app: App, r: RequestInfo): TemplateResult {
  return html`<span class="meta">Request #${r.requestId} · ${txLink(app.config, r.txHash)}</span>`;
}

// The reason list (required, nothing preset) has its own home; pages import it from here too.
export { reasonIn, reasonPicker, withReason } from "./reason-picker.js";

/** What the page's user may do with a request; each present callback shows its button. */
export interface RequestDecisions {
  approve?: () => void;
  reject?: (reasonCode: number) => void;
  revoke?: (reasonCode: number) => void;
  /** While another action runs. */
  disabled: boolean;
}

export interface RequestRowOptions {
  /** The viewer's address: their own requests read "You asked…". */
  me?: string;
  /** Bold sentence (a queue that asks for a decision). */
  lead?: boolean;
  /** Under the state: the consent and the policy, for example. */
  details?: TemplateResult;
  decisions?: RequestDecisions;
  /** After the decisions: the requester's fetch controls, for example. */
  extra?: TemplateResult;
}

export function requestRow(app: App, r: RequestInfo, d: DatasetInfo | undefined, o: RequestRowOptions = {}): TemplateResult {
  const sentence = requestSentence(app, r, d, o.me);
  return html`<li data-request=${r.requestId.toString()}>
    <div>${o.lead ? html`<strong>${sentence}</strong>` : sentence}</div>
    <div>${requestState(app, r, d)} ${requestMeta(app, r)}</div>
    ${o.details ?? nothing} ${o.decisions ? decisionsView(r, o.decisions) : nothing} ${o.extra ?? nothing}
  </li>`;
}

function decisionsView(r: RequestInfo, x: RequestDecisions): TemplateResult | typeof nothing {
  if (!x.approve && !x.reject && !x.revoke) return nothing;
  const n = r.requestId;
  return html`<div class="actions">
    ${x.approve ? html`<button ?disabled=${x.disabled} @click=${() => x.approve!()} aria-label="Approve request ${n}">Approve</button>` : nothing}
    ${x.reject || x.revoke ? reasonPicker(`reason-${n}`, `request ${n}`) : nothing}
    ${x.reject ? html`<button class="danger" ?disabled=${x.disabled} @click=${(e: Event) => withReason(e, x.reject!)} aria-label="Reject request ${n}">Reject</button>` : nothing}
    ${x.revoke
      ? html`<button class="danger" ?disabled=${x.disabled} @click=${(e: Event) => withReason(e, x.revoke!)} aria-label="Revoke the grant of request ${n}">Revoke grant</button>`
      : nothing}
  </div>`;
}
