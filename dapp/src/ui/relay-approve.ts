/**
 * The provider's and the supervisor's side of a share relayed in one transaction, as a view: a
 * share the requester asks them to approve (opened from its link, `…/#/provider?share=…`),
 * shown at the head of their approval queue with "Sign approval" — an EIP-712 signature in the
 * wallet, no transaction — and, once signed, the approval handed back to the requester in one
 * click (a link that opens the requester's page with it added, by e-mail, the share sheet or the
 * clipboard), as the person's page hands over a signed consent. The state and the signing are
 * ../pages/decide.ts's (`shareAskSection`).
 *
 * Such a share is not on the ledger yet (the requester's relay records the consent, the request
 * and the approvals together), so it has no "Approve" transaction: a request already on the
 * ledger is approved with the queue's Approve button. What is shown about the dataset is read
 * from the chain, never from the link: the link only says what the requester asks.
 */
import { namesOf } from "./names.js";
import { html, nothing, type TemplateResult } from "lit-html";
import type { GetDatasetResult } from "../../../sdk/actions/get-dataset.js";
import type { SignedApproval } from "../../../sdk/actions/sign-approval.js";
import { duration, when, who } from "../../../sdk/format.js";
import { waitingFor } from "../../../sdk/reads/grant-rules.js";
import { kindLabel, purposeLabel } from "../../../sdk/vocabulary.js";
import { datasetWords } from "./consent-words.js";
import { notice, type App, type Notice } from "./parts.js";
import { sendLinkView } from "./send-link.js";
import type { ParsedShareAsk } from "./relay-links.js";

/** A share ask as an approver's page holds it. */
export interface ShareAskState {
  /** The `share` parameter this state is for. */
  encoded: string;
  ask?: ParsedShareAsk;
  /** The dataset as the ledger has it (provider, subject, category, rules). */
  dataset?: GetDatasetResult;
  problem?: Notice;
  busy?: string;
  notice?: Notice;
  /** The signed approval, and the link to the requester's page that hands it over. */
  signed?: { approval: SignedApproval; link: string };
  /** How long the requester has to relay the signature, seconds (its deadline; the consent's own deadline applies too). */
  validFor: number;
}

/** The relay windows offered; a day by default, as the person's page gives the requester for a signed consent. */
const VALID_FOR = [
  { seconds: 3600, label: "1 hour" },
  { seconds: 86_400, label: "1 day" },
  { seconds: 7 * 86_400, label: "7 days" },
] as const;
export const DEFAULT_VALID_FOR = 86_400;

/** What a grant of the kind asked needs, under the dataset's policy and its category's floor (read from the chain). */
const needsOf = (st: ShareAskState) => (st.dataset && st.ask ? waitingFor(st.dataset.rules, st.ask.kind, { providerApproved: false, supervisorApprovals: 0 }) : undefined);

/** Why this account's signature would not count, from what the chain says (the SDK or the ledger would refuse it too). */
function roleProblem(app: App, as: "provider" | "supervisor", st: ShareAskState): string | undefined {
  const me = app.session.account;
  const d = st.dataset;
  const needs = needsOf(st);
  if (!me || !d || !needs) return undefined;
  if (as === "provider" && d.provider.toLowerCase() !== me.toLowerCase()) {
    return `You are not this dataset's provider (${who(d.provider, namesOf(app))} is): only its provider approves as provider.`;
  }
  if (d.subject.toLowerCase() !== st.ask!.terms.subject.toLowerCase()) return "The consent is not from the person this dataset is about: the ledger would refuse the share.";
  if (needs.impossible) return `The dataset's category allows no ${kindLabel(st.ask!.kind)} access now: the share cannot be granted.`;
  if (as === "provider" && !needs.provider) return "This dataset's policy needs no provider approval: the share can be relayed without yours.";
  if (as === "supervisor" && needs.supervisors === 0) return "This dataset's policy needs no supervisor approval: the share can be relayed without yours.";
  return undefined;
}

/** "Insurer (0x…) asks you to approve, by signature, deposit data from Bank (dataset #1) for underwriting — formal access for 7 days." */
function askSentence(app: App, a: ParsedShareAsk, d: GetDatasetResult | undefined): string {
  return `${who(a.requester, namesOf(app))} asks you to approve, by signature, ${datasetWords(BigInt(a.datasetId), d, namesOf(app))} for ${purposeLabel(a.purpose)} — ${kindLabel(a.kind)} access for ${duration(a.duration)}.`;
}

/** The share the page was opened for, as the first row of the approval queue, with "Sign approval" (`onSign`). */
export function shareAskCard(app: App, st: ShareAskState, o: { as: "provider" | "supervisor"; onSign: () => void }): TemplateResult {
  const as = o.as;
  if (!st.ask) {
    return html`<section class="card" aria-labelledby="share-ask-title" data-testid="share-ask">
      <h3 id="share-ask-title">A share to approve by signature</h3>
      ${st.problem ? notice(st.problem) : html`<p class="meta" role="status">Reading the share…</p>`}
    </section>`;
  }
  const a = st.ask;
  const t = a.terms;
  const wrongPlace = a.consent.chainId !== String(app.config.chainId) || a.consent.ledger.toLowerCase() !== app.config.ledger.toLowerCase();
  const problem = wrongPlace ? "This share is for another Sealshare deployment or chain: signing here would approve nothing." : roleProblem(app, as, st);
  const needs = needsOf(st);
  return html`<section class="card" aria-labelledby="share-ask-title" data-testid="share-ask">
    <h3 id="share-ask-title">Approval queue: a share to approve by signature</h3>
    <ul class="items">
      <li data-share-ask=${a.consent.consentId}>
        <div><strong>${askSentence(app, a, st.dataset)}</strong></div>
        <dl class="meta">
          <dt>Consent</dt>
          <dd>
            The requester holds a consent of ${who(t.subject, namesOf(app))} for ${who(t.requester, namesOf(app))}, for ${purposeLabel(Number(t.purpose))}, up to
            ${kindLabel(Number(t.maxKind))} access, until ${when(t.expiresAt)}. It records it on the ledger with your approval, in one transaction: the ledger checks the
            person's signature then, and your approval counts for nothing without it.
          </dd>
          <dt>Dataset</dt>
          ${st.dataset
            ? html`<dd>
                  about ${who(st.dataset.subject, namesOf(app))}${st.dataset.subject.toLowerCase() !== t.subject.toLowerCase() ? html` — <strong>not the person who consented</strong>` : nothing};
                  ${needs!.provider ? "provider approval required" : "no provider approval needed"}; ${needs!.supervisors} supervisor approval(s) for ${kindLabel(a.kind)} access.
                </dd>`
            : html`<dd role="status">Reading the dataset from the ledger…</dd>`}
        </dl>
        ${notice(st.problem)} ${problem ? html`<p class="notice warn" role="status" data-testid="share-ask-problem">${problem}</p>` : nothing}
        <div class="actions">
          <label for="share-valid-for">The requester may relay it within</label>
          <select id="share-valid-for" ?disabled=${!!st.signed} @change=${(e: Event) => (st.validFor = Number((e.target as HTMLSelectElement).value))}>
            ${VALID_FOR.map((v) => html`<option value=${v.seconds} ?selected=${st.validFor === v.seconds}>${v.label}</option>`)}
          </select>
          <button ?disabled=${!!st.busy || !st.dataset || !!problem || !!st.signed} @click=${() => o.onSign()} aria-label="Sign approval (no transaction)">
            Sign approval (no transaction)
          </button>
        </div>
        <div class="actions">
          <span class="meta">A signature in your wallet: no gas, nothing on the ledger until the requester relays it. A request already on the ledger is approved with Approve, below.</span>
        </div>
        <div data-testid="share-ask-result">${notice(st.notice)}</div>
        ${st.signed ? signedApprovalView(app, st.signed.approval, st.signed.link) : nothing}
      </li>
    </ul>
  </section>`;
}

/** The signed approval, handed back in one click: a link to the requester's page with it added. */
function signedApprovalView(app: App, a: SignedApproval, link: string): TemplateResult {
  return html`<div data-testid="signed-approval">
    ${sendLinkView({
      to: who(a.requester, namesOf(app)),
      subject: `My signed approval of your share (dataset #${a.datasetId})`,
      text: "Open this link to add my approval to your share, then relay it (it records nothing by itself):",
      link,
      testId: "send-approval",
      ids: { link: `approval-link-${a.approver}`, json: `approval-json-${a.approver}` },
      json: {
        value: JSON.stringify(a, null, 2),
        label: "Signed approval — give this to the requester",
        summary: html`As JSON (for the command line: <code>sealshare access relay --approval</code>)`,
      },
    })}
  </div>`;
}
