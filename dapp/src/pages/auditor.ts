/**
 * Anyone: the history of a dataset, a person or an institution, rebuilt from the ledger's
 * events alone (sdk/audit/timeline.ts), each transaction linked to the block explorer; key
 * release receipts checked (KeyReleased on chain, and batch inclusion proofs when the custodian
 * serves them); a stored ciphertext checked against its registered hash.
 */
import { getAddress, isAddress } from "ethers";
import { html, nothing, type TemplateResult } from "lit-html";
import { filterTimeline, type TimelineScope } from "../../../sdk/audit/filter.js";
import { readTimeline, type TimelineEntry } from "../../../sdk/audit/timeline.js";
import { fetchCiphertext } from "../../../sdk/actions/fetch-ciphertext.js";
import { listReleaseReceipts, type ReleaseReceipt } from "../../../sdk/actions/list-release-receipts.js";
import { bytes, when } from "../../../sdk/format.js";
import { GrantInvalidReason, grantInvalidLabel as invalidWords, kindLabel as kindWords } from "../../../sdk/vocabulary.js";
import { listRequests } from "../../../sdk/actions/list-requests.js";
import { onSubmit } from "../ui/forms.js";
import { failure, formValues, notice, progress, txLink, type App, type Notice, type Page } from "../ui/parts.js";

type Scope = TimelineScope["kind"];

interface State {
  scope: Scope;
  value: string;
  entries?: TimelineEntry[];
  timelineNotice?: Notice;
  loading: boolean;
  receipt?: { requestId: string; releases: ReleaseReceipt[]; grant: string };
  receiptNotice?: Notice;
  blob?: { done: number; total?: number };
  blobNotice?: Notice;
}

const s: State = { scope: "dataset", value: "", loading: false };

async function trace(app: App, form: HTMLFormElement): Promise<void> {
  const v = formValues(form);
  s.scope = (v.scope as Scope) ?? "dataset";
  s.value = v.value ?? "";
  s.timelineNotice = undefined;
  s.loading = true;
  app.update();
  try {
    if ((s.scope === "subject" || s.scope === "requester") && !isAddress(s.value)) throw new Error("Enter an address (0x…).");
    if (s.scope === "dataset" && !/^\d+$/.test(s.value)) throw new Error("Enter a dataset number.");
    const scope: TimelineScope =
      s.scope === "dataset" ? { kind: "dataset", datasetId: BigInt(s.value) } : s.scope === "subject" ? { kind: "subject", subject: getAddress(s.value) } : s.scope === "requester" ? { kind: "requester", requester: getAddress(s.value) } : { kind: "all" };
    const all = await readTimeline({ provider: app.session.reader, ledger: app.config.ledger, fromBlock: app.config.deployBlock, names: app.config.names, withTimestamps: true });
    s.entries = filterTimeline(all, scope);
  } catch (err) {
    s.timelineNotice = failure(err);
  } finally {
    s.loading = false;
    app.update();
  }
}

async function verifyReceipt(app: App, form: HTMLFormElement): Promise<void> {
  const v = formValues(form);
  s.receipt = undefined;
  s.receiptNotice = undefined;
  app.update();
  try {
    if (!/^\d+$/.test(v.requestId ?? "")) throw new Error("Enter a request number.");
    const requestId = BigInt(v.requestId!);
    const reads = app.reads();
    const [{ receipts: releases, custodianError }, [request]] = await Promise.all([
      listReleaseReceipts(reads, { custodianUrl: app.config.custodianUrl, requestIds: [requestId] }),
      listRequests(reads, { requestId }),
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
    const { version, ciphertext: blob } = await fetchCiphertext(app.reads(), {
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

function timelineTable(app: App): TemplateResult {
  if (!s.entries) return html``;
  if (s.entries.length === 0) return html`<p class="meta">No events.</p>`;
  return html`<table class="timeline" data-testid="timeline">
    <caption class="visually-hidden">Events in chain order</caption>
    <thead><tr><th scope="col">Block</th><th scope="col">Time</th><th scope="col">What happened</th><th scope="col">Transaction</th></tr></thead>
    <tbody>
      ${s.entries.map(
        (e) => html`<tr data-event=${e.event}>
          <td>#${e.blockNumber}</td>
          <td>${e.timestamp !== undefined ? when(e.timestamp) : ""}</td>
          <td><strong>${e.event}</strong>: ${e.summary}</td>
          <td>${txLink(app.config, e.txHash, "tx")}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

export const auditorPage: Page = {
  enter(app) {
    const d = app.params.get("dataset");
    if (d) (s.scope = "dataset"), (s.value = d);
  },
  view(app) {
    if (!app.session.canRead) {
      return html`<h2>Audit</h2><p class="notice info">Connect a wallet (any account) to read the ledger. <button @click=${() => void app.session.connect()}>Connect wallet</button></p>`;
    }
    return html`<h2>Audit</h2>
      <p class="lead">Everything below is rebuilt from the public ledger's events; no Sealshare server is trusted for it.</p>
      <section class="card" aria-labelledby="tl-title">
        <h3 id="tl-title">Timeline</h3>
        <form @submit=${onSubmit((form) => trace(app, form))}>
          <div class="grid">
            <div class="field">
              <label for="t-scope">Trace</label>
              <select id="t-scope" name="scope">
                <option value="dataset" ?selected=${s.scope === "dataset"}>a dataset (number)</option>
                <option value="subject" ?selected=${s.scope === "subject"}>a person (address)</option>
                <option value="requester" ?selected=${s.scope === "requester"}>an institution (address)</option>
                <option value="all" ?selected=${s.scope === "all"}>everything</option>
              </select>
            </div>
            <div class="field"><label for="t-value">Dataset number or address</label><input id="t-value" name="value" .value=${s.value} autocomplete="off" spellcheck="false" /></div>
          </div>
          <button type="submit" ?disabled=${s.loading}>Show timeline</button>
        </form>
        ${notice(s.timelineNotice)} ${s.loading ? html`<p class="meta" role="status">Reading events…</p>` : nothing} ${timelineTable(app)}
      </section>
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
