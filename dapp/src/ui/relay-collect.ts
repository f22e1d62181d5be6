/**
 * The requester's side of a share relayed in one transaction (the SDK's relayShare): from the
 * person's signed consent, make the links that ask the provider and the supervisors to approve
 * by signature (./relay-links.ts); collect the signed approvals they send back (opened from
 * their links, or pasted); then record the consent, the request and every approval at once —
 * nobody but the requester sends a transaction — and show the grant.
 *
 * What the dataset's policy needs is read from the chain; the SDK checks each approval against
 * the share before sending (`APPROVAL_MISMATCH`, `APPROVAL_EXPIRED`), and the ledger checks
 * every signature and role again.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { consentIdOf } from "../../../sdk/actions/consent-terms.js";
import { getDataset } from "../../../sdk/actions/get-dataset.js";
import { relayShare, type RelayShareResult } from "../../../sdk/actions/relay-share.js";
import type { SignedApproval } from "../../../sdk/actions/sign-approval.js";
import { duration, when, who } from "../../../sdk/format.js";
import { kindLabel } from "../../../sdk/vocabulary.js";
import { txUrl } from "../lib/config.js";
import { parseSignedConsent, type SignedConsent } from "../lib/consent-share.js";
import { act, busyText } from "../pages/common.js";
import { copyText, failure, notice, type App, type Notice } from "./parts.js";
import { parseApproval, shareAsk, shareAskLink } from "./relay-links.js";

interface ShareDraft {
  consent: SignedConsent & { signature: string };
  consentId: string;
  datasetId: bigint;
  kind: number;
  duration: number;
  /** What the dataset's policy needs, read from the chain. */
  needs: { provider: boolean; supervisors: number };
  links: { provider: string; supervisor: string };
}

interface RelayState {
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
  result?: RelayShareResult;
  busy?: string;
  notice?: Notice;
  /** The approvals box's own outcome (a link or paste that could not be read). */
  addNotice?: Notice;
}

const s: RelayState = { consentText: "", datasetText: "", kind: 2, amount: 7, unit: "days", approvalText: "", approvals: [], relayed: new Set() };

/** Adds a signed approval once (by signature), unless its consent was already relayed here. */
function addApproval(a: SignedApproval): "added" | "known" | "spent" {
  if (s.relayed.has(a.consentId.toLowerCase())) return "spent";
  if (s.approvals.some((x) => x.signature === a.signature)) return "known";
  s.approvals.push(a);
  return "added";
}

/**
 * Called when the requester's page is entered: a consent link fills in the share's consent (as
 * it fills the request form), an approval link adds its approval to the share.
 */
export function enterRelay(app: App): void {
  const consent = app.params.get("consent");
  if (consent) s.consentText = `${location.href.split("#")[0]}#/requester?consent=${consent}`;
  const approval = app.params.get("approval");
  if (!approval) return;
  try {
    const a = parseApproval(approval);
    const added = addApproval(a);
    s.addNotice =
      added === "spent"
        ? { kind: "warn", text: `The approval by ${who(a.approver, app.config.names)} is for a share already relayed from this page.` }
        : { kind: "ok", code: "approval-added", text: `Added the approval by ${who(a.approver, app.config.names)} (as ${a.asSupervisor ? "supervisor" : "provider"}).` };
  } catch (err) {
    s.addNotice = failure(err);
  }
}

const seconds = () => Math.round(Math.max(1, s.amount || 1) * (s.unit === "hours" ? 3600 : 86_400));

/** Reads the consent, the dataset's needs from the chain, and makes the links that ask for approvals. */
async function makeAsk(app: App): Promise<void> {
  await act(app, s, "Preparing the share", async () => {
    const c = parseSignedConsent(s.consentText);
    if ((c.chainId && c.chainId !== String(app.config.chainId)) || (c.ledger && c.ledger.toLowerCase() !== app.config.ledger.toLowerCase())) {
      return { kind: "error", text: "This consent was signed for another Sealshare deployment or chain.", code: "wrong-deployment" };
    }
    if (!c.signature) return { kind: "error", text: "This consent carries no signature: the person must sign it (their page's “Sign consent”).", code: "unsigned-consent" };
    const datasetId = c.terms.datasetId !== 0n ? c.terms.datasetId : /^\d+$/.test(s.datasetText.trim()) ? BigInt(s.datasetText.trim()) : 0n;
    if (datasetId === 0n) return { kind: "error", text: "The consent covers a whole category: say which dataset number the share is for." };
    const reads = app.reads();
    const [consentId, d] = await Promise.all([consentIdOf(reads, c.terms), getDataset(reads, { datasetId })]);
    const ask = shareAsk({ terms: c.terms, chainId: String(app.config.chainId), ledger: app.config.ledger, consentId, requester: app.session.account!, datasetId, kind: s.kind, duration: seconds() });
    s.draft = {
      consent: { ...c, signature: c.signature },
      consentId,
      datasetId,
      kind: s.kind,
      duration: seconds(),
      needs: { provider: d.rules.requireProvider, supervisors: d.rules.supervisorQuorum },
      links: { provider: shareAskLink(location.href, "provider", ask), supervisor: shareAskLink(location.href, "supervisor", ask) },
    };
    s.result = undefined;
    return undefined;
  });
}

function addPasted(app: App): void {
  try {
    const a = parseApproval(s.approvalText);
    const added = addApproval(a);
    s.addNotice = added === "spent" ? { kind: "warn", text: "This approval is for a share already relayed from this page." } : undefined;
    s.approvalText = "";
  } catch (err) {
    s.addNotice = failure(err);
  }
  app.update();
}

/** The whole share in one transaction: consent, request and every collected approval for it. */
async function relay(app: App, device: string, reload: () => void): Promise<void> {
  const d = s.draft;
  if (!d) return;
  await act(app, s, "Relaying the share (one transaction)", async () => {
    const approvals = s.approvals.filter((a) => a.consentId.toLowerCase() === d.consentId.toLowerCase());
    const r = await relayShare(await app.session.ctx(), {
      datasetId: d.datasetId,
      purpose: Number(d.consent.terms.purpose),
      kind: d.kind,
      duration: d.duration,
      device,
      consent: d.consent.terms,
      consentSignature: d.consent.signature,
      approvals,
    });
    s.relayed.add(d.consentId.toLowerCase());
    s.approvals = s.approvals.filter((a) => a.consentId.toLowerCase() !== d.consentId.toLowerCase());
    s.result = r;
    s.draft = undefined;
    // The consent is recorded now: it cannot be relayed again.
    s.consentText = "";
    s.addNotice = undefined;
    reload();
    const href = txUrl(app.config, r.txHash);
    const by = r.approvals.map((a) => `${who(a.approver, app.config.names)} as ${a.asSupervisor ? "supervisor" : "provider"}`).join(", ");
    return {
      kind: "ok",
      code: r.granted ? "share-granted" : "share-relayed",
      text: `Request #${r.requestId} is on the ledger with the person's consent and ${r.approvals.length} signed approval${r.approvals.length === 1 ? "" : "s"} (${by || "none"}), in one transaction.${
        r.granted ? ` Granted: ${kindLabel(r.granted.kind)} access until ${when(r.granted.expiresAt)}.` : " Not granted yet: more approvals are needed."
      }`,
      link: href ? { href, label: "See the transaction" } : undefined,
    };
  });
}

function needsWords(n: ShareDraft["needs"]): string {
  const parts = [n.provider ? "the provider's approval" : "", n.supervisors ? `${n.supervisors} supervisor approval${n.supervisors > 1 ? "s" : ""}` : ""].filter(Boolean);
  return parts.length ? `This dataset's policy needs ${parts.join(" and ")} for a formal grant.` : "This dataset's policy needs no approval: relay the share now.";
}

function linkField(id: string, label: string, copyLabel: string, link: string): TemplateResult {
  return html`<div class="field">
      <label for=${id}>${label}</label>
      <input id=${id} readonly .value=${link} />
    </div>
    <button class="secondary" @click=${() => void copyText(link)} aria-label=${copyLabel}>Copy link</button>`;
}

function approvalsView(app: App, d: ShareDraft | undefined): TemplateResult {
  if (s.approvals.length === 0) return html`<p class="meta" data-testid="share-approvals-empty">No signed approval yet.</p>`;
  return html`<ul class="items" data-testid="share-approvals">
    ${s.approvals.map((a) => {
      const other = d && a.consentId.toLowerCase() !== d.consentId.toLowerCase();
      return html`<li data-approver=${a.approver}>
        Approved by <strong>${who(a.approver, app.config.names)}</strong> as ${a.asSupervisor ? "supervisor" : "provider"}: ${kindLabel(a.kind)} access for ${duration(a.duration)}, dataset #${a.datasetId};
        to relay before ${when(a.deadline)}. ${other ? html`<span class="badge bad">for another consent: not relayed with this share</span>` : nothing}
        <button class="secondary" @click=${() => ((s.approvals = s.approvals.filter((x) => x !== a)), app.update())} aria-label="Remove the approval by ${who(a.approver, app.config.names)}">
          Remove
        </button>
      </li>`;
    })}
  </ul>`;
}

/**
 * "Relay a whole share in one transaction": the consent and the terms, the approval links to
 * send, the approvals collected, and the Relay share button. `device` is the page's device
 * name (the default for the one the key is wrapped to); `reload` refreshes the page's lists.
 */
export function relaySection(app: App, o: { device: string; reload: () => void }): TemplateResult {
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
      <textarea id="relay-consent" .value=${s.consentText} @input=${(e: Event) => (s.consentText = (e.target as HTMLTextAreaElement).value)}></textarea>
    </div>
    <div class="grid">
      <div class="field">
        <label for="relay-dataset">Which dataset <span class="hint">its number; only for a whole-category consent</span></label>
        <input id="relay-dataset" inputmode="numeric" .value=${s.datasetText} @input=${(e: Event) => (s.datasetText = (e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="relay-kind">Access asked</label>
        <select id="relay-kind" @change=${(e: Event) => (s.kind = Number((e.target as HTMLSelectElement).value) === 1 ? 1 : 2)}>
          <option value="2" ?selected=${s.kind === 2}>formal</option>
          <option value="1" ?selected=${s.kind === 1}>temporary</option>
        </select>
      </div>
      <div class="field">
        <label for="relay-duration">For how long</label>
        <input id="relay-duration" type="number" min="1" .value=${String(s.amount)} @input=${(e: Event) => (s.amount = Number((e.target as HTMLInputElement).value))} />
      </div>
      <div class="field">
        <label for="relay-unit">Days or hours</label>
        <select id="relay-unit" @change=${(e: Event) => (s.unit = (e.target as HTMLSelectElement).value === "hours" ? "hours" : "days")}>
          <option value="days" ?selected=${s.unit === "days"}>days</option>
          <option value="hours" ?selected=${s.unit === "hours"}>hours</option>
        </select>
      </div>
    </div>
    <div class="actions">
      <button ?disabled=${!!s.busy} @click=${() => void makeAsk(app)}>Ask for signed approvals</button>
      ${busyText(s.busy)}
    </div>
    ${d
      ? html`<div data-testid="share-ask-links">
          <p>${needsWords(d.needs)} Send each approver its link; it opens their page with this share, ready to sign.</p>
          ${d.needs.provider ? linkField("ask-provider-link", "Link for the provider", "Copy the provider's link", d.links.provider) : nothing}
          ${d.needs.supervisors ? linkField("ask-supervisor-link", "Link for a supervisor", "Copy the supervisor's link", d.links.supervisor) : nothing}
        </div>`
      : nothing}
    <h4>Signed approvals</h4>
    ${approvalsView(app, d)}
    <div class="field">
      <label for="relay-approval">Add a signed approval <span class="hint">paste the link or the JSON an approver sent you</span></label>
      <textarea id="relay-approval" rows="2" .value=${s.approvalText} @input=${(e: Event) => (s.approvalText = (e.target as HTMLTextAreaElement).value)}></textarea>
    </div>
    <div class="actions"><button class="secondary" @click=${() => addPasted(app)}>Add approval</button></div>
    <div data-testid="relay-add-result">${notice(s.addNotice)}</div>
    <div class="grid">
      <div class="field"><label for=${relayDevice}>Wrap the key to device</label><input id=${relayDevice} .value=${o.device} /></div>
    </div>
    <div class="actions">
      <button
        ?disabled=${!!s.busy || !d}
        @click=${(e: Event) => {
          const device = ((e.currentTarget as HTMLElement).closest("section")?.querySelector<HTMLInputElement>(`#${relayDevice}`)?.value ?? "").trim() || o.device;
          void relay(app, device, o.reload);
        }}
      >
        Relay share (one transaction)
      </button>
    </div>
    <div data-testid="relay-result">${notice(s.notice)}</div>
  </section>`;
}
