/**
 * A providing institution: encrypt a file in the browser under a fresh data key, upload the
 * ciphertext, register the dataset (or a new version: key rotation) with its hashes and key
 * commitment, deposit the key with the custodian; then approve, reject or revoke requests for
 * its datasets (a reason is always chosen, never preset), hand a dataset to another member
 * (transfer) or end it (retire, after a second click that says what it does).
 *
 * After a publication the form is emptied (file, person, target): a second click cannot publish
 * the same file again by accident — the person must choose it again.
 */
import { getAddress, isAddress } from "ethers";
import { html, nothing, type TemplateResult } from "lit-html";
import { publishEncryptedVersion } from "../../../sdk/actions/publish-encrypted-version.js";
import { registerEncryptedDataset } from "../../../sdk/actions/register-encrypted-dataset.js";
import { depositKey } from "../../../sdk/actions/deposit-key.js";
import { retireDataset } from "../../../sdk/actions/retire-dataset.js";
import { transferDataset } from "../../../sdk/actions/transfer-dataset.js";
import { formatIdOf, formatOfFileName, type DataFormat } from "../../../sdk/convert/records.js";
import { encryptStream, generateDataKey } from "../../../sdk/stream/web/index.js";
import { blobHttpUrl, txUrl } from "../lib/config.js";
import { putBlob } from "../lib/blob-upload.js";
import { custodianFor } from "../lib/custodian.js";
import { temporaryWords } from "../../../sdk/reads/grant-rules.js";
import { getRoles, type GetRolesResult } from "../../../sdk/actions/get-roles.js";
import { listDatasets, type DatasetListing as DatasetInfo } from "../../../sdk/actions/list-datasets.js";
import { listRequests, type RequestListing as RequestInfo } from "../../../sdk/actions/list-requests.js";
import { bytes, duration, who } from "../../../sdk/format.js";
import { CATEGORIES, categoryLabel as categoryWords, MemberStatus } from "../../../sdk/vocabulary.js";
import { failure, formValues, needsWallet, notice, progress, txLink, type App, type Notice, type Page } from "../ui/parts.js";
import { namesOf } from "../ui/names.js";
import { requestRow } from "../ui/request-row.js";
import { itemList } from "../ui/item-list.js";
import { onSubmit, vocabularyField } from "../ui/forms.js";
import { accountLoader, act, busyText, chainFollowingPage, loadingView } from "./common.js";
import { decideRequest, shareAskSection, type Decision } from "./decide.js";

interface State {
  /** The connected account's roles, read from the chain: only an active member publishes or decides. */
  roles?: GetRolesResult;
  datasets: DatasetInfo[];
  requests: RequestInfo[];
  phase?: { label: string; done: number; total?: number };
  publishNotice?: Notice;
  publishing: boolean;
  /** "new" (a new dataset) or the id of the dataset to publish a new version of. */
  target: string;
  busy?: string;
  notice?: Notice;
  listNotice?: Notice;
  /** Transfer and retire: their own busy flag and outcome, shown above the datasets. */
  stewardship: { busy?: string; notice?: Notice };
  /** The dataset whose retirement waits for its confirmation click. */
  confirmRetire?: bigint;
}

const s: State = { datasets: [], requests: [], publishing: false, target: "new", stewardship: {} };

const load = accountLoader({
  read: async (reads, me) => {
    const [roles, datasets] = await Promise.all([getRoles(reads, { account: me }), listDatasets(reads, { provider: me })]);
    return { roles, datasets, requests: datasets.length ? await listRequests(reads, { datasetIds: datasets.map((d) => d.datasetId) }) : [] };
  },
  show: (d) => ([s.roles, s.datasets, s.requests] = [d.roles, d.datasets, d.requests]),
  failed: (n) => (s.listNotice = n),
});

async function publish(app: App, form: HTMLFormElement): Promise<void> {
  const v = formValues(form);
  const file = (form.elements.namedItem("file") as HTMLInputElement).files?.[0];
  const setPhase = (label: string, done = 0, total?: number) => {
    s.phase = { label, done, total };
    app.update();
  };
  s.publishing = true;
  s.publishNotice = undefined;
  let dek: Uint8Array | undefined;
  try {
    if (!file) throw new Error("Choose the file to publish.");
    const target = v.target ?? "new";
    if (target === "new" && !isAddress(v.subject ?? "")) throw new Error("Enter the address of the person the data is about.");
    const format = (v.format || formatOfFileName(file.name)) as DataFormat;

    dek = generateDataKey();
    setPhase("Encrypting in your browser", 0, file.size);
    const { ciphertext: stream, result } = encryptStream(file, dek, { onProgress: (p) => setPhase("Encrypting in your browser", p.plaintextBytes, file.size) });
    const ciphertext = await new Response(stream).blob();
    const summary = await result;

    setPhase("Uploading the ciphertext", 0, ciphertext.size);
    const stored = await putBlob(blobHttpUrl(app.config, summary.merkleRoot), ciphertext, (d, t) => setPhase("Uploading the ciphertext", d, t));
    if (stored.digest?.toLowerCase() !== summary.merkleRoot) throw new Error("the blob store stored different bytes than were uploaded");

    setPhase("Registering on the ledger (confirm in your wallet)");
    const ctx = await app.session.ctx();
    // The SDK commits the key (v2) to the slot the ledger assigns, and resends for the next slot if one was taken meanwhile.
    const encrypted = {
      dek,
      merkleRoot: summary.merkleRoot,
      size: summary.size,
      formatId: formatIdOf(format),
      storageURI: stored.uri,
    };
    const { datasetId, version, txHash } =
      target === "new"
        ? await registerEncryptedDataset(ctx, {
            subject: getAddress(v.subject!),
            category: Number(v.category),
            policy: {
              requireProvider: v.requireProvider === "on",
              supervisorQuorum: Number(v.quorum) || 0,
              maxTemporary: Math.round((Number(v.maxTemporaryMinutes) || 0) * 60),
              maxFormal: Math.round((Number(v.maxFormalDays) || 30) * 86_400),
            },
            encrypted,
          })
        : await publishEncryptedVersion(ctx, { datasetId: BigInt(target), encrypted });

    // The SDK's deposit (sdk/actions/deposit-key.ts): the key is checked against the commitment on
    // chain, and wrapped only to the encryption key the custodian's account published on chain —
    // never to a key the custodian's HTTP answer names.
    setPhase("Depositing the key with the custodian (sign in your wallet)");
    await depositKey(ctx, { custodian: custodianFor(app.config), datasetId, version, dek });
    s.publishNotice = {
      kind: "ok",
      code: "published",
      text: `Dataset #${datasetId} version ${version} is registered (${bytes(summary.plaintextSize)} → ${bytes(summary.size)} encrypted) and its key is with the custodian. The key never left this page unwrapped.`,
      link: txUrl(app.config, txHash) ? { href: txUrl(app.config, txHash)!, label: "See the transaction" } : undefined,
    };
    // Emptied, so the same file cannot be published twice by a second click.
    form.reset();
    s.target = "new";
    void load(app);
  } catch (err) {
    s.publishNotice = failure(err);
  } finally {
    dek?.fill(0);
    s.phase = undefined;
    s.publishing = false;
    app.update();
  }
}

const decide = (app: App, r: RequestInfo, what: Decision, reasonCode?: number) => decideRequest(app, s, r, what, { as: "provider", reasonCode, reload: load });

function publishSection(app: App): TemplateResult {
  const open = s.datasets.filter((d) => !d.retired);
  const target = open.some((d) => d.datasetId.toString() === s.target) ? s.target : "new";
  const isNew = target === "new";
  return html`<section class="card" aria-labelledby="pub-title">
    <h3 id="pub-title">Publish encrypted data</h3>
    <form @submit=${onSubmit((form) => publish(app, form))}>
      <div class="grid">
        <div class="field"><label for="p-file">File <span class="hint">NDJSON, JSON, CSV or any file; encrypted before it leaves this page</span></label><input id="p-file" name="file" type="file" required /></div>
        <div class="field">
          <label for="p-target">Publish as</label>
          <select id="p-target" name="target" @change=${(e: Event) => ((s.target = (e.target as HTMLSelectElement).value), app.update())}>
            <option value="new" ?selected=${isNew}>a new dataset</option>
            ${open.map(
              (d) => html`<option value=${d.datasetId.toString()} ?selected=${target === d.datasetId.toString()}>new version of dataset #${d.datasetId} (rotates its key)</option>`,
            )}
          </select>
        </div>
        ${isNew
          ? html`<div class="field"><label for="p-subject">The person it is about <span class="hint">their address</span></label><input id="p-subject" name="subject" placeholder="0x…" autocomplete="off" spellcheck="false" /></div>
              ${vocabularyField({ id: "p-category", name: "category", label: "Category", entries: CATEGORIES })}`
          : nothing}
        <div class="field">
          <label for="p-format">Format</label>
          <select id="p-format" name="format">
            <option value="">from the file name</option>
            <option value="ndjson">NDJSON</option>
            <option value="json">JSON</option>
            <option value="csv">CSV</option>
            <option value="raw">other (no conversion)</option>
          </select>
        </div>
      </div>
      ${isNew ? policyFields() : html`<p class="meta" data-testid="version-note">A new version keeps the dataset's person, category and access policy. Requests made from now on get it, under a new key: the old key opens nothing new.</p>`}
      <div class="actions"><button type="submit" ?disabled=${s.publishing}>Encrypt, upload and register</button></div>
    </form>
    ${s.phase ? (s.phase.total !== undefined ? progress(s.phase.label, s.phase.done, s.phase.total, "pub-progress") : html`<p class="meta" role="status">${s.phase.label}…</p>`) : nothing}
    <div data-testid="publish-result">${notice(s.publishNotice)}</div>
  </section>`;
}

function policyFields(): TemplateResult {
  return html`<fieldset>
    <legend>Access policy</legend>
    <div class="grid">
      <div class="check"><input type="checkbox" id="p-reqprov" name="requireProvider" checked /><label for="p-reqprov">Every request needs my approval</label></div>
      <div class="field"><label for="p-quorum">Supervisor approvals needed</label><input id="p-quorum" name="quorum" type="number" min="0" max="32" value="1" /></div>
      <div class="field"><label for="p-maxtemp">Longest temporary access (minutes, 0 = none)</label><input id="p-maxtemp" name="maxTemporaryMinutes" type="number" min="0" value="60" /></div>
      <div class="field"><label for="p-maxformal">Longest formal access (days)</label><input id="p-maxformal" name="maxFormalDays" type="number" min="1" value="30" /></div>
    </div>
  </fieldset>`;
}

function datasetsSection(app: App, manage: boolean): TemplateResult {
  return html`<section class="card" aria-labelledby="ds-title">
    <h3 id="ds-title">Your datasets</h3>
    ${manage ? html`<div data-testid="stewardship-result">${notice(s.stewardship.notice)} ${busyText(s.stewardship.busy)}</div>` : nothing}
    ${itemList(s.datasets, {
      testId: "my-datasets",
      empty: "None yet.",
      row: (d) => html`<li data-dataset=${d.datasetId.toString()}>
        Dataset #${d.datasetId}: ${categoryWords(d.category)} data about ${who(d.subject, namesOf(app))}, ${d.latestVersion} version${d.latestVersion === 1 ? "" : "s"}.
        ${d.retired ? html`<span class="badge bad" data-testid="dataset-retired">retired</span>` : nothing}
        <div class="meta">
          Policy${d.rules.raisedByFloor ? ` (with the ${categoryWords(d.category)} category's floor)` : ""}: ${d.rules.requireProvider ? "your approval" : "no provider approval"},
          ${d.rules.supervisorQuorum} supervisor approval(s), ${temporaryWords(d.rules, duration)}, formal up to ${duration(d.rules.maxFormal)} · ${txLink(app.config, d.txHash)}
        </div>
        ${manage && !d.retired ? stewardshipControls(app, d) : nothing}
      </li>`,
    })}
  </section>`;
}

/**
 * Transfer (to another member's address; the ledger refuses one that is not an active member)
 * and retire — a retirement ends the dataset for good, so the first click only says what it
 * will do and the second, on "Yes, retire", sends it.
 */
function stewardshipControls(app: App, d: DatasetInfo): TemplateResult {
  const id = d.datasetId;
  const busy = !!s.stewardship.busy;
  if (s.confirmRetire === id) {
    return html`<div class="notice warn" role="alert" data-testid="confirm-retire">
      <p>Retiring dataset #${id} ends it: no new requests or versions, and every live grant on it stops at once. It cannot be undone.</p>
      <div class="actions">
        <button class="danger" ?disabled=${busy} @click=${() => void retire(app, id)}>Yes, retire dataset #${id}</button>
        <button ?disabled=${busy} @click=${() => ((s.confirmRetire = undefined), app.update())}>Keep dataset #${id}</button>
      </div>
    </div>`;
  }
  return html`<form class="actions" @submit=${onSubmit((form) => transfer(app, id, form))}>
    <label for=${`transfer-${id}`}>New provider<span class="visually-hidden"> for dataset #${id}</span> <span class="hint">a member's address</span></label>
    <input id=${`transfer-${id}`} name="to" placeholder="0x…" autocomplete="off" spellcheck="false" required />
    <button type="submit" ?disabled=${busy} aria-label=${`Transfer dataset #${id}`}>Transfer</button>
    <button type="button" class="danger" ?disabled=${busy} aria-label=${`Retire dataset #${id}`} @click=${() => ((s.confirmRetire = id), app.update())}>Retire…</button>
  </form>`;
}

async function transfer(app: App, datasetId: bigint, form: HTMLFormElement): Promise<void> {
  const to = (formValues(form).to ?? "").trim();
  await act(app, s.stewardship, `Transferring dataset #${datasetId}`, async () => {
    if (!isAddress(to)) return { kind: "error", text: "Enter the address of the member that takes the dataset over (0x…)." };
    const r = await transferDataset(await app.session.ctx(), { datasetId, to: getAddress(to) });
    form.reset();
    void load(app); // it leaves this list: its requests are the new provider's to decide
    return {
      kind: "ok",
      code: "dataset-transferred",
      text: `Dataset #${datasetId} is now ${who(r.to, namesOf(app))}'s: it approves its requests and publishes its versions from now on.`,
      link: txUrl(app.config, r.txHash) ? { href: txUrl(app.config, r.txHash)!, label: "See the transaction" } : undefined,
    };
  });
}

async function retire(app: App, datasetId: bigint): Promise<void> {
  await act(app, s.stewardship, `Retiring dataset #${datasetId}`, async () => {
    const r = await retireDataset(await app.session.ctx(), { datasetId });
    s.confirmRetire = undefined;
    void load(app);
    return {
      kind: "ok",
      code: "dataset-retired",
      text: `Dataset #${datasetId} is retired: no new requests or versions, and its live grants have stopped.`,
      link: txUrl(app.config, r.txHash) ? { href: txUrl(app.config, r.txHash)!, label: "See the transaction" } : undefined,
    };
  });
}

function requestsSection(app: App): TemplateResult {
  return html`<section class="card" aria-labelledby="pr-title">
    <h3 id="pr-title">Requests for your datasets</h3>
    <div data-testid="decision-result">${notice(s.notice)} ${busyText(s.busy)}</div>
    ${notice(s.listNotice)}
    ${itemList(s.requests, {
      testId: "provider-requests",
      empty: "No requests yet.",
      row: (r) => {
        const d = s.datasets.find((x) => x.datasetId === r.datasetId);
        const canDecide = !!r.waitingFor?.provider; // the SDK's reading of the policy with its category floor
        return requestRow(app, r, d, {
          decisions: canDecide
            ? { approve: () => void decide(app, r, "approve"), reject: (reason) => void decide(app, r, "reject", reason), disabled: !!s.busy }
            : r.grant.valid
              ? { revoke: (reason) => void decide(app, r, "revoke", reason), disabled: !!s.busy }
              : undefined,
        });
      },
    })}
  </section>`;
}

/** Before anything is encrypted: this account may not publish, and why. */
function notMember(app: App, status: number): TemplateResult {
  const name = who(app.session.account!, namesOf(app));
  return html`<div class="notice warn" role="status" data-testid="not-member">
    ${status === MemberStatus.Suspended
      ? html`<p>${name} is a suspended member: it cannot publish data or decide on requests until a supervisor reinstates it.</p>`
      : html`<p>${name} is not a member institution of this ledger, so it cannot publish data: the ledger would refuse the registration.</p>
          <p>A supervisor registers member institutions (on the supervisor's page, or <code>sealshare members register</code>). Nothing has been encrypted or uploaded.</p>`}
  </div>`;
}

export const providerPage: Page = chainFollowingPage({
  load,
  view(app) {
    const gate = needsWallet(app, "publish data and decide on requests");
    return html`<h2>Provide data</h2>
      <p class="lead">For member institutions holding a person's records: publish them encrypted, and approve who may read them.</p>
      ${gate ??
      (!load.loaded(app)
        ? html`${notice(s.listNotice)} ${loadingView("your membership and datasets")}`
        : s.roles?.memberStatus === MemberStatus.Active
          ? html`${shareAskSection(app, "provider")} ${requestsSection(app)} ${publishSection(app)} ${datasetsSection(app, true)}`
          : html`${notMember(app, s.roles?.memberStatus ?? MemberStatus.None)} ${s.datasets.length ? datasetsSection(app, false) : nothing}`)}`;
  },
});
