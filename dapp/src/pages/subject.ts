/**
 * The person the data is about: who is asking for my data and why; give consent gaslessly by
 * signing (EIP-712, readable in the wallet) and hand the signed consent to the requester, or
 * relay it myself; revoke with one click; see who received a key to my data and when.
 */
import { ZeroAddress, getAddress, isAddress } from "ethers";
import { html, nothing, type TemplateResult } from "lit-html";
import { relayConsent } from "../../../sdk/actions/relay-consent.js";
import { revokeConsent } from "../../../sdk/actions/revoke-consent.js";
import { signConsent } from "../../../sdk/actions/sign-consent.js";
import { txUrl } from "../lib/config.js";
import { consentLink, receiptDetails, parseAsk, parseSignedConsent, toConsentFile, toJson, type ConsentAsk, type SignedConsentFile } from "../lib/consent-share.js";
import type { ConsentListing as ConsentInfo } from "../../../sdk/actions/list-consents.js";
import { listConsents } from "../../../sdk/actions/list-consents.js";
import { listDatasets, type DatasetListing as DatasetInfo } from "../../../sdk/actions/list-datasets.js";
import { listReleases } from "../../../sdk/actions/list-releases.js";
import { listRequests, type RequestListing as RequestInfo } from "../../../sdk/actions/list-requests.js";
import { listReleaseReceipts, type ReleaseReceipt } from "../../../sdk/actions/list-release-receipts.js";
import { duration, when, who } from "../../../sdk/format.js";
import { CATEGORIES, categoryLabel as categoryWords, kindLabel as kindWords, purposeLabel as purposeWords, PURPOSES, RequestStatus } from "../../../sdk/vocabulary.js";
import { copyText, failure, formValues, needsWallet, notice, txLink, type App, type Notice, type Page } from "../ui/parts.js";
import { nameText, namesOf } from "../ui/names.js";
import { sendLinkView } from "../ui/send-link.js";
import { requestRow } from "../ui/request-row.js";
import { consentScope, datasetWords } from "../ui/consent-words.js";
import { onSubmit, vocabularyField } from "../ui/forms.js";
import { itemList } from "../ui/item-list.js";
import { accountLoader, act, busyText, chainFollowingPage, loadingView } from "./common.js";
import { honesty, REVOCATION_TEXT } from "./honesty.js";

interface State {
  datasets: DatasetInfo[];
  consents: ConsentInfo[];
  requests: RequestInfo[];
  releases: ReleaseReceipt[];
  ask?: ConsentAsk;
  signed?: SignedConsentFile;
  signedRecorded?: boolean;
  busy?: string;
  notice?: Notice;
  listNotice?: Notice;
}

const s: State = { datasets: [], consents: [], requests: [], releases: [] };

const load = accountLoader({
  read: async (reads, me, app) => {
    const datasets = await listDatasets(reads, { subject: me });
    const ids = datasets.map((d) => d.datasetId);
    const [consents, requests, events] = await Promise.all([
      listConsents(reads, { subject: me }),
      ids.length ? listRequests(reads, { datasetIds: ids }) : Promise.resolve([]),
      ids.length ? listReleases(reads, { datasetIds: ids }) : Promise.resolve([]),
    ]);
    // Requests that were ever granted may have had a key released (status temporary, formal or revoked).
    const granted = requests.filter((r) => r.status === RequestStatus.Temporary || r.status === RequestStatus.Formal || r.status === RequestStatus.Revoked).map((r) => r.requestId);
    const { receipts: releases } = await listReleaseReceipts(reads, { custodianUrl: app.config.custodianUrl, requestIds: granted, events });
    return { datasets, consents, requests, releases };
  },
  show: (d) => {
    [s.datasets, s.consents, s.requests, s.releases] = [d.datasets, d.consents, d.requests, d.releases];
    // Recorded once the ledger has its ConsentGiven (relayed by the requester, or by the person).
    if (s.signed) s.signedRecorded = d.consents.some((c) => c.consentId === s.signed?.consentId);
  },
  failed: (n) => (s.listNotice = n),
});

async function sign(app: App, form: HTMLFormElement): Promise<void> {
  const v = formValues(form);
  await act(app, s, "Signing your consent", async () => {
    const me = app.session.account!;
    const anyMember = v.anyMember === "on";
    if (!anyMember && !isAddress(v.requester ?? "")) return { kind: "error", text: "Enter the requester's address (0x…), or tick “any member”." };
    const requester = anyMember ? ZeroAddress : getAddress(v.requester!);
    const datasetId = BigInt(v.dataset || "0");
    const dataset = s.datasets.find((d) => d.datasetId === datasetId);
    const category = dataset ? dataset.category : Number(v.category);
    const purpose = Number(v.purpose);
    const days = Math.max(1, Math.min(3650, Number(v.days) || 30));
    const ctx = await app.session.ctx();
    const signed = await signConsent(ctx, {
      requester: anyMember ? undefined : requester,
      datasetId: datasetId || undefined,
      category,
      purpose,
      maxKind: Number(v.maxKind) === 1 ? 1 : 2,
      validFor: days * 86_400,
      // The SDK builds the receipt; its canonical hash is the terms' receiptHash.
      receipt: receiptDetails({ requester, requesterName: nameText(app, requester) ?? s.ask?.requesterName, policyUrl: new URL("#/subject", location.href).href }),
      deadlineIn: 86_400, // the requester has a day to relay it
    });
    s.signed = toConsentFile({ ...signed, chainId: String(app.config.chainId), ledger: app.config.ledger, receipt: signed.receipt });
    s.signedRecorded = false;
    return {
      kind: "ok",
      text: `Signed. You paid nothing. Send it to ${who(requester, namesOf(app))} with the button below: they relay it to the ledger with their request.`,
    };
  });
}

async function relayMyself(app: App): Promise<void> {
  const c = s.signed;
  if (!c?.signature) return;
  await act(app, s, "Recording your consent on the ledger", async () => {
    const r = await relayConsent(await app.session.ctx(), { terms: parseSignedConsent(toJson(c)).terms, signature: c.signature! });
    s.signedRecorded = true;
    void load(app);
    return { kind: "ok", text: "Your consent is on the ledger (you paid the gas).", link: linkTo(app, r.txHash) };
  });
}

async function revoke(app: App, consentId: string, pending: boolean): Promise<void> {
  await act(app, s, pending ? "Cancelling your signed consent" : "Revoking your consent", async () => {
    const r = await revokeConsent(await app.session.ctx(), { consentId });
    if (pending) s.signed = undefined;
    void load(app);
    return {
      kind: "ok",
      text:
        r.outcome === "cancelled"
          ? "Cancelled: this signed consent can no longer be used."
          : `Revoked. Nothing more is delivered under this consent. ${REVOCATION_TEXT.cannot} ${REVOCATION_TEXT.rotate}`,
      link: linkTo(app, r.txHash),
      code: "consent-revoked",
    };
  });
}

function linkTo(app: App, hash: string): Notice["link"] {
  const href = txUrl(app.config, hash);
  return href ? { href, label: "See the transaction" } : undefined;
}

function askView(app: App, ask: ConsentAsk): TemplateResult {
  // The link's name for the requester is whatever its sender wrote: shown flagged, under the chain's.
  const requester = who(ask.requester, { ...(ask.requesterName ? { [getAddress(ask.requester)]: ask.requesterName } : {}), ...namesOf(app) }, undefined, { full: true });
  const id = ask.datasetId !== "0" ? BigInt(ask.datasetId) : 0n;
  const what = id ? datasetWords(id, s.datasets.find((d) => d.datasetId === id), namesOf(app), "your") : `all your ${categoryWords(ask.category)} data`;
  return html`<section class="card" aria-labelledby="ask-title" data-testid="consent-ask">
    <h3 id="ask-title">A request for your consent</h3>
    <p>
      <strong data-testid="ask-requester">${requester}</strong> asks to use <strong>${what}</strong> for
      <strong>${purposeWords(ask.purpose)}</strong>, for <strong>${duration(ask.days * 86_400)}</strong>, up to ${kindWords(ask.maxKind)} access.
    </p>
    <p class="meta">The form below is filled in with these terms. Nothing happens until you sign, and you can revoke at any time.</p>
  </section>`;
}

function consentForm(app: App): TemplateResult {
  const a = s.ask;
  const signing = s.busy !== undefined;
  return html`<section class="card" aria-labelledby="give-title">
    <h3 id="give-title">Give consent</h3>
    <form @submit=${onSubmit((form) => sign(app, form))}>
      <div class="grid">
        <div class="field">
          <label for="c-requester">Requester's address <span class="hint">the institution you allow to ask</span></label>
          <input id="c-requester" name="requester" autocomplete="off" spellcheck="false" placeholder="0x…" value=${a?.requester ?? ""} />
        </div>
        <div class="check"><input type="checkbox" id="c-any" name="anyMember" /><label for="c-any">Any registered member instead</label></div>
        <div class="field">
          <label for="c-dataset">Which data</label>
          <select id="c-dataset" name="dataset">
            ${s.datasets.map(
              (d, i) => html`<option value=${d.datasetId.toString()} ?selected=${a ? a.datasetId === d.datasetId.toString() : i === 0}>${datasetWords(d.datasetId, d, namesOf(app), "your")}</option>`,
            )}
            <option value="0" ?selected=${a?.datasetId === "0"}>All my data of the category below</option>
          </select>
        </div>
        ${vocabularyField({ id: "c-category", name: "category", label: html`Category <span class="hint">used for “all my data”</span>`, entries: CATEGORIES, selected: a?.category })}
        ${vocabularyField({ id: "c-purpose", name: "purpose", label: "Purpose", entries: PURPOSES, selected: a?.purpose })}
        <div class="field">
          <label for="c-days">For how many days</label>
          <input id="c-days" name="days" type="number" min="1" max="3650" value=${a?.days ?? 30} />
        </div>
        <div class="field">
          <label for="c-kind">Strongest access allowed</label>
          <select id="c-kind" name="maxKind">
            <option value="2" ?selected=${a?.maxKind !== 1}>formal (after every approval)</option>
            <option value="1" ?selected=${a?.maxKind === 1}>temporary only (short)</option>
          </select>
        </div>
      </div>
      <div class="actions">
        <button type="submit" ?disabled=${signing}>Sign consent (no gas)</button>
        ${busyText(s.busy)}
      </div>
      <p class="meta">Your wallet shows exactly what you sign: requester, data, purpose, expiry. Signing costs nothing; the requester relays it.</p>
    </form>
    ${notice(s.notice)} ${s.signed ? signedView(app, s.signed) : nothing}
  </section>`;
}

/**
 * The signed consent, handed over in one click: a link that opens the requester's page with it
 * filled in (the signature inside stays bound to this chain, ledger, requester and deadline),
 * sent by e-mail or the device's share sheet. The JSON is there for the command line only.
 */
function signedView(app: App, c: SignedConsentFile): TemplateResult {
  const json = toJson(c);
  const link = consentLink(location.href, c);
  const to = c.terms.requester === ZeroAddress ? "the requester" : who(String(c.terms.requester), namesOf(app));
  return html`<div data-testid="signed-consent">
    ${sendLinkView({
      to,
      subject: `My signed consent for ${to}`,
      text: "Open this link to use my consent (it records nothing until you request access with it):",
      link,
      testId: "send-consent",
      ids: { link: "signed-link", json: "signed-json" },
      json: { value: json, label: "Signed consent — give this to the requester", summary: "As JSON (for the command line)" },
    })}
    <div class="actions">
      ${s.signedRecorded
        ? html`<span class="badge ok">recorded on the ledger</span>`
        : html`<button class="secondary" ?disabled=${!!s.busy} @click=${() => void relayMyself(app)}>Relay it myself (transaction, you pay gas)</button>
            <button class="danger" ?disabled=${!!s.busy} @click=${() => void revoke(app, c.consentId, true)}>
              Cancel this signature
            </button>`}
    </div>
  </div>`;
}

function consentsView(app: App): TemplateResult {
  return itemList([...s.consents].reverse(), {
    testId: "my-consents",
    empty: "You have not given any consent on this ledger yet.",
    row: (c) => {
      const scope = consentScope(c, "your", { get: (id) => s.datasets.find((d) => d.datasetId === id), names: namesOf(app) });
      return html`<li>
        <div>
          ${who(c.requester, namesOf(app))} may use ${scope} for ${purposeWords(c.purpose)}, up to ${kindWords(c.maxKind)} access, until ${when(c.expiresAt)}.
          ${c.status === "revoked" ? html`<span class="badge bad">revoked</span>` : html`<span class="badge ok">active</span>`}
        </div>
        <div class="meta">${c.relayer !== c.subject ? `Relayed by ${who(c.relayer, namesOf(app))} (you paid no gas)` : "Recorded by you"} · ${txLink(app.config, c.givenTx)}</div>
        ${c.status === "revoked"
          ? nothing
          : html`<div class="actions">
              <button class="danger" ?disabled=${!!s.busy} @click=${() => void revoke(app, c.consentId, false)} aria-label="Revoke consent for ${who(c.requester, namesOf(app))}, ${scope}">
                Revoke
              </button>
            </div>`}
      </li>`;
    },
  });
}

function requestsView(app: App): TemplateResult {
  return itemList(s.requests, {
    testId: "requests-for-my-data",
    empty: "Nobody has asked for your data yet.",
    row: (r) => requestRow(app, r, s.datasets.find((x) => x.datasetId === r.datasetId)),
  });
}

function releasesView(app: App): TemplateResult {
  return itemList([...s.releases].reverse(), {
    testId: "key-releases",
    empty: "No key to your data has been released to anyone.",
    row: (r) => {
      const req = s.requests.find((x) => x.requestId === r.requestId);
      const proof =
        r.how === "event"
          ? html`recorded on chain · ${txLink(app.config, r.txHash)}`
          : r.state === "verified"
            ? html`receipt verified in sealed batch <code>${r.batchId?.slice(0, 10)}…</code> · ${txLink(app.config, r.txHash)}`
            : r.state === "pending"
              ? html`receipt not sealed on chain yet (the custodian reports it)`
              : html`<strong>the custodian's receipt does NOT verify on chain</strong>`;
      return html`<li>
        <strong>${req ? who(req.requester, namesOf(app)) : "A requester"}</strong> received the key to
        ${req ? datasetWords(req.datasetId, s.datasets.find((d) => d.datasetId === req.datasetId), namesOf(app), "your") : "your data"} (${kindWords(r.kind)} access) on ${when(r.at)}.
        <div class="meta">Request #${r.requestId} · ${proof}</div>
      </li>`;
    },
  });
}

/** What happened to my data first — consents, requests, key releases — then the form to give a new consent. */
function dashboard(app: App): TemplateResult {
  // Until the first read is in, say so: an empty list would read as "nobody received your data".
  const ready = load.loaded(app);
  const section = (id: string, title: string, body: () => TemplateResult) =>
    html`<section class="card" aria-labelledby=${id}><h3 id=${id}>${title}</h3>${ready ? body() : loadingView("what happened to your data")}</section>`;
  return html`${section("consents-title", "Consents you gave", () => consentsView(app))} ${section("requests-title", "Requests for your data", () => requestsView(app))}
    ${section("releases-title", "Who received a key to your data, and when", () => releasesView(app))}`;
}

export const subjectPage: Page = chainFollowingPage({
  load,
  enter(app) {
    const ask = app.params.get("ask");
    s.ask = ask ? parseAsk(ask) : undefined;
  },
  view(app) {
    const gate = needsWallet(app, "see and manage who may use your data");
    return html`<h2>My data</h2>
      <p class="lead">Who asks for your financial data, who may use it, and who received it. You decide; every step is on the public ledger.</p>
      ${s.ask ? askView(app, s.ask) : nothing}
      ${gate ?? html`${notice(s.listNotice)} ${dashboard(app)} ${consentForm(app)}`}
      ${honesty()}`;
  },
});
