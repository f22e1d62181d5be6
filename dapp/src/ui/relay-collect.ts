/**
 * The requester's side of a share relayed in one transaction, as a view: from the person's
 * signed consent, the links that ask the provider and the supervisors to approve by signature
 * (./relay-links.ts); the signed approvals they sent back (opened from their links, or pasted);
 * the "Relay share" button that records the consent, the request and every approval at once —
 * nobody but the requester sends a transaction — and the outcome with the grant. The state and
 * the actions are ../pages/requester-relay.ts's.
 */
import { namesOf } from "./names.js";
import { html, nothing, type TemplateResult } from "lit-html";
import type { SignedConsent } from "../lib/consent-share.js";
import type { RelayShareResult } from "../../../sdk/actions/relay-share.js";
import type { SignedApproval } from "../../../sdk/actions/sign-approval.js";
import { duration, when, who } from "../../../sdk/format.js";
import type { WaitingFor } from "../../../sdk/reads/grant-rules.js";
import { kindLabel } from "../../../sdk/vocabulary.js";
import { copyText, notice, type App, type Notice } from "./parts.js";

/** A share being put together: its consent and terms, what its policy needs, the links that ask for approvals. */
export interface ShareDraft {
  consent: SignedConsent & { signature: string };
  consentId: string;
  datasetId: bigint;
  kind: number;
  duration: number;
  /** What a grant of `kind` needs under the dataset's policy and its category's floor, read from the chain. */
  needs: WaitingFor;
  links: { provider: string; supervisor: string };
}

/** The relay form as the requester's page holds it. */
export interface RelayState {
  consentText: string;
  datasetText: string;
  kind: number;
  amount: number;
  unit: "days" | "hours";
  approvalText: string;
  draft?: ShareDraft;
  approvals: SignedApproval[];
  /** Consent ids relayed from this page: their approvals are spent. */
  relayed: Set<string>;
  busy?: string;
  notice?: Notice;
  /** The approvals box's own outcome (a link or paste that could not be read). */
  addNotice?: Notice;
}

/** What the page does when a button is pressed. */
export interface RelayActions {
  /** The page's device name: the default device the data key is wrapped to. */
  device: string;
  busy: TemplateResult | typeof nothing;
  makeAsk(): void;
  addPasted(): void;
  remove(a: SignedApproval): void;
  relay(device: string): void;
}

/** What the relay did, in words: the request, every approval by its signer, and the grant. */
export function relayOutcome(app: App, r: RelayShareResult, txHref: string | undefined): Notice {
  const by = r.approvals.map((a) => `${who(a.approver, namesOf(app))} as ${a.asSupervisor ? "supervisor" : "provider"}`).join(", ");
  return {
    kind: "ok",
    code: r.granted ? "share-granted" : "share-relayed",
    text: `Request #${r.requestId} is on the ledger with the person's consent and ${r.approvals.length} signed approval${r.approvals.length === 1 ? "" : "s"} (${by || "none"}), in one transaction.${
      r.granted ? ` Granted: ${kindLabel(r.granted.kind)} access until ${when(r.granted.expiresAt)}.` : " Not granted yet: more approvals are needed."
    }`,
    link: txHref ? { href: txHref, label: "See the transaction" } : undefined,
  };
}

function needsWords(d: ShareDraft): string {
  const n = d.needs;
  if (n.impossible) return `The dataset's category allows no ${kindLabel(d.kind)} access now: ask for another kind.`;
  const parts = [n.provider ? "the provider's approval" : "", n.supervisors ? `${n.supervisors} supervisor approval${n.supervisors > 1 ? "s" : ""}` : ""].filter(Boolean);
  return parts.length ? `This dataset's policy needs ${parts.join(" and ")} for ${kindLabel(d.kind)} access.` : "This dataset's policy needs no approval: relay the share now.";
}

function linkField(id: string, label: string, copyLabel: string, link: string): TemplateResult {
  return html`<div class="field">
      <label for=${id}>${label}</label>
      <input id=${id} readonly .value=${link} />
    </div>
    <button class="secondary" @click=${() => void copyText(link)} aria-label=${copyLabel}>Copy link</button>`;
}

function approvalsView(app: App, s: RelayState, h: RelayActions): TemplateResult {
  const d = s.draft;
  if (s.approvals.length === 0) return html`<p class="meta" data-testid="share-approvals-empty">No signed approval yet.</p>`;
  return html`<ul class="items" data-testid="share-approvals">
    ${s.approvals.map((a) => {
      const other = d && a.consentId.toLowerCase() !== d.consentId.toLowerCase();
      return html`<li data-approver=${a.approver}>
        Approved by <strong>${who(a.approver, namesOf(app))}</strong> as ${a.asSupervisor ? "supervisor" : "provider"}: ${kindLabel(a.kind)} access for ${duration(a.duration)}, dataset #${a.datasetId};
        to relay before ${when(a.deadline)}. ${other ? html`<span class="badge bad">for another consent: not relayed with this share</span>` : nothing}
        <button class="secondary" @click=${() => h.remove(a)} aria-label="Remove the approval by ${who(a.approver, namesOf(app))}">
          Remove
        </button>
      </li>`;
    })}
  </ul>`;
}

/**
 * A change to the consent or the terms: the share the links asked for is no longer the one the
 * form describes, so they go (the approvals already signed stay listed; relaying them with other
 * terms is refused before sending, naming what differs).
 */
const edited =
  (app: App, s: RelayState, set: (e: Event) => unknown) =>
  (e: Event): void => {
    set(e);
    if (!s.draft) return;
    s.draft = undefined;
    app.update();
  };

/**
 * "Relay a whole share in one transaction": the consent and the terms, the approval links to
 * send, the approvals collected, and the Relay share button.
 */
export function relayShareView(app: App, s: RelayState, h: RelayActions): TemplateResult {
  const d = s.draft;
  const relayDevice = `relay-device`;
  return html`<section class="card" aria-labelledby="relay-title" data-testid="relay-share">
    <h3 id="relay-title">Or: the whole share in one transaction (approvals by signature)</h3>
    <p class="meta">
      The provider and the supervisors approve by signing, not by sending a transaction; you relay their approvals with the person's consent and your request, and the
      ledger grants at once. Nobody but you pays gas.
    </p>
    <div class="field">
      <label for="relay-consent">The person's signed consent <span class="hint">the JSON or the link they gave you</span></label>
      <textarea id="relay-consent" .value=${s.consentText} @input=${edited(app, s, (e) => (s.consentText = (e.target as HTMLTextAreaElement).value))}></textarea>
    </div>
    <div class="grid">
      <div class="field">
        <label for="relay-dataset">Which dataset <span class="hint">its number; only for a whole-category consent</span></label>
        <input id="relay-dataset" inputmode="numeric" .value=${s.datasetText} @input=${edited(app, s, (e) => (s.datasetText = (e.target as HTMLInputElement).value))} />
      </div>
      <div class="field">
        <label for="relay-kind">Access asked</label>
        <select id="relay-kind" @change=${edited(app, s, (e) => (s.kind = Number((e.target as HTMLSelectElement).value) === 1 ? 1 : 2))}>
          <option value="2" ?selected=${s.kind === 2}>formal</option>
          <option value="1" ?selected=${s.kind === 1}>temporary</option>
        </select>
      </div>
      <div class="field">
        <label for="relay-duration">For how long</label>
        <input id="relay-duration" type="number" min="1" .value=${String(s.amount)} @input=${edited(app, s, (e) => (s.amount = Number((e.target as HTMLInputElement).value)))} />
      </div>
      <div class="field">
        <label for="relay-unit">Days or hours</label>
        <select id="relay-unit" @change=${edited(app, s, (e) => (s.unit = (e.target as HTMLSelectElement).value === "hours" ? "hours" : "days"))}>
          <option value="days" ?selected=${s.unit === "days"}>days</option>
          <option value="hours" ?selected=${s.unit === "hours"}>hours</option>
        </select>
      </div>
    </div>
    <div class="actions">
      <button ?disabled=${!!s.busy} @click=${() => h.makeAsk()}>Ask for signed approvals</button>
      ${h.busy}
    </div>
    ${d
      ? html`<div data-testid="share-ask-links">
          <p>${needsWords(d)} Send each approver its link; it opens their page with this share, ready to sign.</p>
          ${d.needs.provider ? linkField("ask-provider-link", "Link for the provider", "Copy the provider's link", d.links.provider) : nothing}
          ${d.needs.supervisors ? linkField("ask-supervisor-link", "Link for a supervisor", "Copy the supervisor's link", d.links.supervisor) : nothing}
        </div>`
      : nothing}
    <h4>Signed approvals</h4>
    ${approvalsView(app, s, h)}
    <div class="field">
      <label for="relay-approval">Add a signed approval <span class="hint">paste the link or the JSON an approver sent you</span></label>
      <textarea id="relay-approval" rows="2" .value=${s.approvalText} @input=${(e: Event) => (s.approvalText = (e.target as HTMLTextAreaElement).value)}></textarea>
    </div>
    <div class="actions"><button class="secondary" @click=${() => h.addPasted()}>Add approval</button></div>
    <div data-testid="relay-add-result">${notice(s.addNotice)}</div>
    <div class="grid">
      <div class="field"><label for=${relayDevice}>Wrap the key to device</label><input id=${relayDevice} .value=${h.device} /></div>
    </div>
    <div class="actions">
      <button
        ?disabled=${!!s.busy || (!d && !s.consentText.trim())}
        @click=${(e: Event) => {
          const device = ((e.currentTarget as HTMLElement).closest("section")?.querySelector<HTMLInputElement>(`#${relayDevice}`)?.value ?? "").trim() || h.device;
          h.relay(device);
        }}
      >
        Relay share (one transaction)
      </button>
    </div>
    <div data-testid="relay-result">${notice(s.notice)}</div>
  </section>`;
}
