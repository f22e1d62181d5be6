/**
 * Anyone, with no wallet (none is asked for): the ledger's history rebuilt from its events alone
 * (the SDK's readAuditTimeline), each event in words with its time in UTC and its transaction;
 * narrowed by dataset, person, institution, kind of event and dates; paged; exported as CSV or
 * JSON (sdk/audit/export.ts, the files `sealshare audit export` writes); "Verify everything"
 * (the SDK's verifyLedger) replays every grant and release against the rules and lists each
 * violation. Also: key release receipts checked (KeyReleased on chain, and batch inclusion
 * proofs when the custodian serves them), and a stored ciphertext checked against its
 * registered hash. Reads go through the deployment's public JSON-RPC endpoint.
 */
import { JsonRpcProvider, type AbstractProvider } from "ethers";
import { html, nothing, type TemplateResult } from "lit-html";
import { timelineToCsv, timelineToJson } from "../../../sdk/audit/export.js";
import type { TimelineEntry } from "../../../sdk/audit/timeline.js";
import { verifyLedger, type VerifyReport } from "../../../sdk/audit/verify-ledger.js";
import { fetchCiphertext } from "../../../sdk/actions/fetch-ciphertext.js";
import { listReleaseReceipts, type ReleaseReceipt } from "../../../sdk/actions/list-release-receipts.js";
import { readAuditTimeline } from "../../../sdk/actions/read-audit-timeline.js";
import type { SealshareContext } from "../../../sdk/actions/context.js";
import { connectLedger } from "../../../sdk/contracts.js";
import { bytes, when } from "../../../sdk/format.js";
import { GrantInvalidReason, grantInvalidLabel as invalidWords, kindLabel as kindWords } from "../../../sdk/vocabulary.js";
import { listRequests } from "../../../sdk/actions/list-requests.js";
import { saveAs } from "../lib/save-file.js";
import { filterForm, NO_FILTER, type FilterChoice, filtersOf } from "../ui/audit-filters.js";
import { verifyReport } from "../ui/audit-report.js";
import { pageCount, timelinePage } from "../ui/audit-table.js";
import { onSubmit } from "../ui/forms.js";
import { failure, formValues, notice, progress, txLink, type App, type Notice, type Page } from "../ui/parts.js";
import { namesOf } from "../ui/names.js";

interface State {
  /** Every event of the ledger, as last read. */
  all?: TimelineEntry[];
  /** The events the filters keep. */
  entries?: TimelineEntry[];
  choice: FilterChoice;
  page: number;
  loading: boolean;
  timelineNotice?: Notice;
  verifying: boolean;
  report?: VerifyReport;
  verifyNotice?: Notice;
  receipt?: { requestId: string; releases: ReleaseReceipt[]; grant: string };
  receiptNotice?: Notice;
  blob?: { done: number; total?: number };
  blobNotice?: Notice;
}

const s: State = { choice: { ...NO_FILTER }, page: 0, loading: false, verifying: false };

let publicReader: { url: string; provider: JsonRpcProvider } | undefined;

/** The deployment's public JSON-RPC endpoint (the page never asks for a wallet); a connected wallet only when none is configured. */
function reader(app: App): AbstractProvider {
  const url = app.config.rpcUrl;
  if (!url) return app.session.reader; // throws "connect your wallet…" without one
  if (publicReader?.url !== url) publicReader = { url, provider: new JsonRpcProvider(url, app.config.chainId, { staticNetwork: true, pollingInterval: app.config.pollMs }) };
  return publicReader.provider;
}

function reads(app: App): SealshareContext {
  return { ledger: connectLedger(app.config.ledger, reader(app)), fromBlock: app.config.deployBlock };
}

/** Reads the whole timeline again and re-applies the filters. */
async function load(app: App): Promise<void> {
  s.loading = true;
  s.timelineNotice = undefined;
  app.update();
  try {
    const t = await readAuditTimeline(reads(app), { names: app.config.names, ...filtersOf(s.choice) });
    s.all = t.all;
    s.entries = t.entries;
    s.page = Math.min(s.page, pageCount(t.entries.length) - 1);
  } catch (err) {
    s.timelineNotice = failure(err);
  } finally {
    s.loading = false;
    app.update();
  }
}

/** Narrows the timeline already read (the SDK's filters; no chain reads). */
async function applyFilters(app: App, choice: FilterChoice): Promise<void> {
  s.choice = choice;
  s.page = 0;
  s.timelineNotice = undefined;
  try {
    if (choice.from && choice.to && choice.from > choice.to) throw new Error("The date range ends before it starts: pick a “From” day on or before the “To” day.");
    s.entries = (await readAuditTimeline(reads(app), { ...filtersOf(choice), timeline: s.all })).entries;
  } catch (err) {
    s.timelineNotice = failure(err);
  }
  app.update();
}

function download(kind: "csv" | "json"): void {
  const entries = s.entries ?? [];
  const text = kind === "csv" ? timelineToCsv(entries) : JSON.stringify(timelineToJson(entries), null, 2) + "\n";
  saveAs(new Blob([text], { type: kind === "csv" ? "text/csv" : "application/json" }), `sealshare-timeline.${kind}`);
}

async function verifyEverything(app: App): Promise<void> {
  s.verifying = true;
  s.report = undefined;
  s.verifyNotice = undefined;
  app.update();
  try {
    const ctx = reads(app);
    const { all } = await readAuditTimeline(ctx, { names: app.config.names });
    s.report = await verifyLedger({ ledger: ctx.ledger, provider: reader(app), fromBlock: app.config.deployBlock, timeline: all });
  } catch (err) {
    s.verifyNotice = failure(err);
  } finally {
    s.verifying = false;
    app.update();
  }
}

function timelineSection(app: App): TemplateResult {
  const busy = s.loading || s.verifying;
  return html`<section class="card" aria-labelledby="tl-title" aria-busy=${s.loading ? "true" : "false"}>
    <h3 id="tl-title">Timeline</h3>
    ${s.all ? filterForm({ all: s.all, names: namesOf(app), choice: s.choice, busy, apply: (c) => void applyFilters(app, c) }) : nothing}
    ${notice(s.timelineNotice)}
    ${s.loading ? html`<p class="meta" role="status" data-testid="timeline-loading">Reading the ledger's events…</p>` : nothing}
    ${s.entries && !s.loading ? timelinePage({ config: app.config, entries: s.entries, page: s.page, go: (p) => ((s.page = p), app.update()) }) : nothing}
    ${s.entries && !s.loading
      ? html`<p>
          <button type="button" class="secondary" data-testid="export-csv" ?disabled=${!s.entries.length} @click=${() => download("csv")}>Download CSV</button>
          <button type="button" class="secondary" data-testid="export-json" ?disabled=${!s.entries.length} @click=${() => download("json")}>Download JSON</button>
          <button type="button" class="secondary" ?disabled=${busy} @click=${() => void load(app)}>Read again</button>
          <span class="hint">The downloads hold the ${s.entries.length} filtered event(s), as <code>sealshare audit export</code> writes them.</span>
        </p>`
      : nothing}
  </section>`;
}

function verifySection(app: App): TemplateResult {
  return html`<section class="card" aria-labelledby="vf-title">
    <h3 id="vf-title">Verify everything</h3>
    <p class="meta">Replays every grant and key release of the ledger against its rules (consents, approvals, quorums, expiries, revocations) and checks every stored version and sealed receipt batch.</p>
    <button type="button" data-testid="verify" ?disabled=${s.verifying} @click=${() => void verifyEverything(app)}>Verify everything</button>
    ${s.verifying ? html`<p class="meta" role="status" data-testid="verify-loading">Verifying the whole ledger…</p>` : nothing}
    ${notice(s.verifyNotice)} ${s.report ? verifyReport(app.config, s.report) : nothing}
  </section>`;
}

async function verifyReceipt(app: App, form: HTMLFormElement): Promise<void> {
  const v = formValues(form);
  s.receipt = undefined;
  s.receiptNotice = undefined;
  app.update();
  try {
    if (!/^\d+$/.test(v.requestId ?? "")) throw new Error("Enter a request number.");
    const requestId = BigInt(v.requestId!);
    const ctx = reads(app);
    const [{ receipts: releases, custodianError }, [request]] = await Promise.all([
      listReleaseReceipts(ctx, { custodianUrl: app.config.custodianUrl, requestIds: [requestId] }),
      listRequests(ctx, { requestId }),
    ]);
    const grant = request?.grant ?? { valid: false, reason: GrantInvalidReason.indexOf("NotGranted"), kind: 0, expiresAt: 0 };
    s.receipt = { requestId: requestId.toString(), releases, grant: grant.valid ? `valid (${kindWords(grant.kind)}) until ${when(grant.expiresAt)}` : invalidWords(grant.reason) };
    const verified = releases.filter((r) => r.state === "verified").length;
    const invalid = releases.filter((r) => r.state === "invalid").length;
    s.receiptNotice = invalid
      ? { kind: "error", code: "receipt-invalid", text: `${invalid} receipt(s) of request #${requestId} do NOT verify against the sealed batch on chain.` }
      : verified
        ? { kind: "ok", code: "receipt-found", text: `${verified} key release${verified > 1 ? "s" : ""} of request #${requestId} recorded on chain${releases.some((r) => r.how === "batch") ? " (batch proofs checked by the ledger)" : ""}.` }
        : releases.length
          ? { kind: "info", code: "receipt-pending", text: `The custodian reports ${releases.length} release(s) of request #${requestId}, not sealed on chain yet.` }
          : { kind: "warn", code: "receipt-missing", text: `No key release of request #${requestId} is recorded on chain.`, hint: custodianError ? `Batched receipts could not be read from the custodian: ${custodianError.message}` : undefined };
  } catch (err) {
    s.receiptNotice = failure(err);
  }
  app.update();
}

async function checkBlob(app: App, form: HTMLFormElement): Promise<void> {
  const v = formValues(form);
  s.blobNotice = undefined;
  try {
    if (!/^\d+$/.test(v.dataset ?? "")) throw new Error("Enter a dataset number.");
    const datasetId = BigInt(v.dataset!);
    s.blob = { done: 0 };
    app.update();
    const { version, ciphertext: blob } = await fetchCiphertext(reads(app), {
      datasetId,
      version: Number(v.version) || undefined,
      blobs: { blobUrl: app.config.blobUrl },
      onProgress: (done, total) => {
        s.blob = { done, total };
        app.update();
      },
    });
    s.blobNotice = { kind: "ok", code: "blob-verified", text: `The stored ciphertext of dataset #${datasetId} v${version} (${bytes(blob.size)}) matches the Merkle root registered on chain.` };
  } catch (err) {
    s.blobNotice = failure(err);
  }
  s.blob = undefined;
  app.update();
}

export const auditorPage: Page = {
  enter(app) {
    // Called again when a wallet elsewhere in the app changes; the page does not depend on it.
    const d = app.params.get("dataset");
    if (d && /^\d+$/.test(d)) s.choice = { ...NO_FILTER, dataset: d };
    if (!s.all && !s.loading) void load(app);
  },
  view(app) {
    if (!app.config.rpcUrl && !app.session.canRead) {
      return html`<h2>Audit</h2><p class="notice warn" data-testid="no-rpc">This deployment's configuration names no public JSON-RPC endpoint (<code>rpcUrl</code>), so the ledger cannot be read here. Ask its operator to add one.</p>`;
    }
    return html`<h2>Audit</h2>
      <p class="lead">Everything below is rebuilt from the public ledger's events; no Sealshare server is trusted for it, and no wallet is needed.</p>
      ${timelineSection(app)} ${verifySection(app)}
      <section class="card" aria-labelledby="rc-title">
        <h3 id="rc-title">Verify a key-release receipt</h3>
        <form @submit=${onSubmit((form) => verifyReceipt(app, form))}>
          <div class="field"><label for="rc-request">Request number</label><input id="rc-request" name="requestId" inputmode="numeric" /></div>
          <button type="submit">Verify receipt</button>
        </form>
        <div data-testid="receipt-result">
          ${notice(s.receiptNotice)}
          ${s.receipt
            ? html`<p>Grant now: ${s.receipt.grant}.</p>
                <ul class="items">
                  ${s.receipt.releases.map(
                    (r) => html`<li>
                      ${kindWords(r.kind)} key released on ${when(r.at)} · envelope <code>${r.envelopeHash.slice(0, 18)}…</code> ·
                      ${r.how === "event" ? "KeyReleased event" : r.state === "verified" ? html`in sealed batch <code>${r.batchId?.slice(0, 10)}…</code>, proof verified` : r.state === "pending" ? "batch not sealed yet" : html`<strong>proof does not verify</strong>`}
                      ${r.txHash ? html` · ${txLink(app.config, r.txHash)}` : nothing}
                    </li>`,
                  )}
                </ul>`
            : nothing}
        </div>
      </section>
      <section class="card" aria-labelledby="cb-title">
        <h3 id="cb-title">Check a stored ciphertext</h3>
        <form @submit=${onSubmit((form) => checkBlob(app, form))}>
          <div class="grid">
            <div class="field"><label for="cb-dataset">Dataset number</label><input id="cb-dataset" name="dataset" inputmode="numeric" /></div>
            <div class="field"><label for="cb-version">Version <span class="hint">empty = latest</span></label><input id="cb-version" name="version" inputmode="numeric" /></div>
          </div>
          <button type="submit">Check ciphertext</button>
        </form>
        ${s.blob ? progress("Downloading and hashing", s.blob.done, s.blob.total, "cb-progress") : nothing}
        <div data-testid="blob-result">${notice(s.blobNotice)}</div>
      </section>`;
  },
};
