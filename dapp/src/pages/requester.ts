/**
 * A requesting institution: derive this device's encryption key from a wallet signature and
 * register it; ask a person for consent (a link); paste the signed consent and request access;
 * follow approvals live; fetch the key envelope, check everything against the chain, decrypt in
 * the browser and download the records in the format wanted.
 */
import { hexlify } from "ethers";
import { html, nothing, type TemplateResult } from "lit-html";
import { toDeviceId } from "../../../sdk/actions/context.js";
import type { FetchAndDecryptBlobResult } from "../../../sdk/actions/fetch-and-decrypt-blob.js";
import { getDeviceKey } from "../../../sdk/actions/get-device-key.js";
import { getMember } from "../../../sdk/actions/get-member.js";
import { recordUsage as recordUsageAction } from "../../../sdk/actions/record-usage.js";
import { requestAccess } from "../../../sdk/actions/request-access.js";
import { convertBlob, type RecordFormat } from "../../../sdk/convert/records.js";
import type { EncryptionKeyPair as DeviceKeyPair } from "../../../sdk/crypto/ecies.js";
/**
 * Device-key work (derive from a wallet signature, publish with a proof of possession) is needed
 * once per device, not on every visit: loaded on first use, which keeps the page's first download
 * within its budget (test/dapp/build.test.ts).
 */
const deriveEncryptionKey: typeof import("../../../sdk/crypto/wallet-key.js").deriveEncryptionKey = async (...a) =>
  (await import("../../../sdk/crypto/wallet-key.js")).deriveEncryptionKey(...a);
const publishEncryptionKey: typeof import("../../../sdk/actions/publish-encryption-key.js").publishEncryptionKey = async (...a) =>
  (await import("../../../sdk/actions/publish-encryption-key.js")).publishEncryptionKey(...a);
import { SealshareError } from "../../../sdk/errors.js";
import { custodianFor, custodiansFor, watchEnvelopeFetches, type CustodianAnswerStatus } from "../lib/custodian.js";
import { askLink, parseSignedConsent, signedElsewhere } from "../lib/consent-share.js";
import { deviceNameOf, getDeviceKey as storedDeviceKey, isRemembered, putDeviceKey, rememberDeviceName } from "../lib/key-store.js";
import type { GetDatasetResult as DatasetInfo } from "../../../sdk/actions/get-dataset.js";
import { listRequests, type RequestListing as RequestInfo } from "../../../sdk/actions/list-requests.js";
import { signInToCustodian, type CustodianSession } from "../lib/custodian-session.js";
import { follow, type LiveHandle, type LiveMode } from "../lib/live.js";
import { saveAs } from "../lib/save-file.js";
import { bytes, who } from "../../../sdk/format.js";
import { MemberStatus, purposeLabel as purposeWords, PURPOSES } from "../../../sdk/vocabulary.js";
import { copyText, failure, formValues, needsWallet, notice, progress, type App, type Notice, type Page } from "../ui/parts.js";
import { namesOf } from "../ui/names.js";
import { requestRow } from "../ui/request-row.js";
import { onSubmit, vocabularyField } from "../ui/forms.js";
import { itemList } from "../ui/item-list.js";
import { accountLoader, act, busyText, datasetsOf, loadingView } from "./common.js";

interface FetchState {
  phase?: "envelope" | "download" | "decrypt" | "convert";
  done: number;
  total?: number;
  notice?: Notice;
  format: RecordFormat | "original";
  busy?: boolean;
  /** Each custodian's answer to this fetch, in the config's order (threshold custody: several). */
  custodians?: { url: string; status: CustodianAnswerStatus }[];
}

interface State {
  /** The account's MemberStatus on chain: only an active member may request. */
  member?: number;
  deviceLabel: string;
  key?: DeviceKeyPair;
  keyOnChain?: { keyId: number; sameKey: boolean };
  remember: boolean;
  keyNotice?: Notice;
  askUrl?: string;
  consentText: string;
  /** The request form's own busy flag and outcome. */
  req: { busy?: string; notice?: Notice };
  requests: RequestInfo[];
  datasets: Map<string, DatasetInfo>;
  fetches: Map<string, FetchState>;
  live: LiveMode;
  /** Custodian session for server-sent events; memory only. */
  session?: CustodianSession;
  liveNotice?: Notice;
  listNotice?: Notice;
  busy?: string;
  notice?: Notice;
}

const s: State = { deviceLabel: "browser", remember: false, consentText: "", req: {}, requests: [], datasets: new Map(), fetches: new Map(), live: "connecting" };
let live: LiveHandle | undefined;

function startLive(app: App): void {
  live?.stop();
  const token = s.session && s.session.expiresAt > Date.now() / 1000 && s.session.address === app.session.account ? s.session.token : undefined;
  live = follow({
    eventsUrl: token ? custodianFor(app.config).eventsUrl(token) : undefined,
    pollMs: app.config.pollMs,
    refresh: () => loadRequests(app),
    onMode: (m) => ((s.live = m), app.update()),
    head: () => app.session.reader.getBlockNumber(),
  });
}

async function signIn(app: App): Promise<void> {
  const box: { busy?: string; notice?: Notice } = {};
  await act(app, box, "Signing in to the custodian", async () => {
    s.session = await signInToCustodian(app.config, await app.session.ctx());
    startLive(app);
    return undefined;
  });
  s.liveNotice = box.notice;
  app.update();
}

const ids = (app: App) => ({ chainId: app.config.chainId, ledger: app.config.ledger, account: app.session.account! });

async function loadKeyStatus(app: App): Promise<void> {
  const { chainId, ledger, account } = ids(app);
  const deviceId = toDeviceId(s.deviceLabel);
  s.key = storedDeviceKey(chainId, ledger, account, deviceId);
  s.remember = isRemembered(chainId, ledger, account, deviceId);
  const onChain = await getDeviceKey(app.reads(), { owner: account, device: deviceId });
  s.keyOnChain = onChain ? { keyId: onChain.keyId, sameKey: !!s.key && onChain.publicKey === hexlify(s.key.publicKey) } : { keyId: 0, sameKey: false };
}

const loadRequests = accountLoader({
  read: async (reads, me) => {
    const [member, requests] = await Promise.all([getMember(reads, { member: me }), listRequests(reads, { requester: me })]);
    return { member: member.status, requests, datasets: await datasetsOf(reads, requests) };
  },
  show: (d) => ([s.member, s.requests, s.datasets] = [d.member, d.requests, d.datasets]),
  failed: (n) => (s.listNotice = n),
});

async function derive(app: App): Promise<void> {
  await act(app, s, "Deriving your device key from a wallet signature", async () => {
    const { chainId, ledger, account } = ids(app);
    const deviceId = toDeviceId(s.deviceLabel);
    const pair = await deriveEncryptionKey(await app.session.signer(), { chainId, deviceId });
    putDeviceKey(chainId, ledger, account, deviceId, pair, s.remember);
    await loadKeyStatus(app);
    return {
      kind: "ok",
      text: `Key derived for device “${s.deviceLabel}”. ${s.remember ? "It is remembered in this browser." : "It stays in this tab only; your wallet re-derives it when needed."}`,
    };
  });
}

async function register(app: App): Promise<void> {
  if (!s.key) return;
  const key = s.key;
  await act(app, s, "Registering your device key on the ledger", async () => {
    // The SDK signs a proof of possession (EIP-712 KeyPossession, in the ledger's domain) with the
    // derived key's own private key, which the ledger checks; the private key never leaves the page.
    const r = await publishEncryptionKey(await app.session.ctx(), { device: s.deviceLabel, keyPair: key });
    await loadKeyStatus(app);
    return { kind: "ok", text: `Registered as key #${r.keyId}. Custodians wrap data keys to it for requests that name this device.` };
  });
}

function setRemember(app: App, on: boolean): void {
  s.remember = on;
  const { chainId, ledger, account } = ids(app);
  if (s.key) putDeviceKey(chainId, ledger, account, toDeviceId(s.deviceLabel), s.key, on);
  app.update();
}

async function request(app: App, form: HTMLFormElement): Promise<void> {
  const v = formValues(form);
  s.consentText = v.consent ?? "";
  await act(app, s.req, "Sending your access request", async () => {
    const c = parseSignedConsent(s.consentText);
    if (signedElsewhere(app.config, c)) {
      return { kind: "error", text: "This consent was signed for another Sealshare deployment or chain.", code: "wrong-deployment" };
    }
    const datasetId = c.terms.datasetId !== 0n ? c.terms.datasetId : BigInt(v.dataset || "0");
    const unit = v.unit === "hours" ? 3600 : 86_400;
    const r = await requestAccess(await app.session.ctx(), {
      datasetId,
      purpose: c.terms.purpose,
      kind: Number(v.kind) === 1 ? 1 : 2,
      duration: Math.round(Math.max(1, Number(v.duration) || 1) * unit),
      device: v.device || s.deviceLabel,
      consent: c.terms,
      signature: c.signature,
    });
    void loadRequests(app);
    return {
      kind: "ok",
      text: `Request #${r.requestId} is on the ledger${r.consentRecorded ? ", with the person's consent relayed (they paid no gas)" : ""}.${r.granted ? " Granted at once by policy." : " Approvals show up below as they land."}`,
      code: "requested",
    };
  });
}

/** The private key of the device key a request named; derives it (one signature) if needed. */
async function keyForRequest(app: App, r: RequestInfo): Promise<DeviceKeyPair> {
  const k = await getDeviceKey(app.reads(), { keyId: r.keyId });
  if (!k) throw Object.assign(new Error(`request #${r.requestId} names key #${r.keyId}, which the ledger does not know`), { code: "unknown-device-key" });
  const { chainId, ledger, account } = ids(app);
  let pair = storedDeviceKey(chainId, ledger, account, k.deviceId);
  if (!pair) {
    pair = await deriveEncryptionKey(await app.session.signer(), { chainId, deviceId: k.deviceId });
    putDeviceKey(chainId, ledger, account, k.deviceId, pair, false);
  }
  if (hexlify(pair.publicKey) !== k.publicKey) {
    throw Object.assign(new Error(`request #${r.requestId} names key #${r.keyId}, which this wallet did not derive (another device or an older key)`), { code: "other-device-key" });
  }
  return pair;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/**
 * The SDK's fetchAndDecryptBlob (sdk/actions/fetch-and-decrypt-blob.ts) — every check is the
 * SDK's: the custodian's role on chain, the grant, the envelope's request, dataset, version, key
 * and kind, the key commitment, the ciphertext's origin, size, SHA-256 and Merkle root. Retried
 * while the custodian says "pending", saying so on the page.
 */
async function decryptWhenReady(app: App, r: RequestInfo, f: FetchState, device: DeviceKeyPair): Promise<FetchAndDecryptBlobResult> {
  const ctx = await app.session.ctx();
  // Loaded on the first fetch, not with the page: a visit that only requests or follows approvals does not download it.
  const { fetchAndDecryptBlob } = await import("../../../sdk/actions/fetch-and-decrypt-blob.js");
  f.custodians = app.config.custodianUrls.length > 1 ? app.config.custodianUrls.map((url) => ({ url, status: "asking" as const })) : undefined;
  const unwatch = watchEnvelopeFetches((url, status) => {
    const c = f.custodians?.find((x) => x.url === url);
    if (c) (c.status = status), app.update();
  });
  try {
    return await fetchWithRetries(app, r, f, device, ctx, fetchAndDecryptBlob);
  } finally {
    unwatch();
  }
}

/** The SDK's fetch (threshold custody when the chain says so), retried while the custodians say "pending". */
async function fetchWithRetries(
  app: App,
  r: RequestInfo,
  f: FetchState,
  device: DeviceKeyPair,
  ctx: Awaited<ReturnType<App["session"]["ctx"]>>,
  fetchAndDecryptBlob: typeof import("../../../sdk/actions/fetch-and-decrypt-blob.js").fetchAndDecryptBlob,
): Promise<FetchAndDecryptBlobResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchAndDecryptBlob(ctx, {
        custodian: custodianFor(app.config),
        custodians: custodiansFor(app.config),
        // Several custodians: wait for their shares together (one "pending" answer must not fail the whole fetch).
        ...(app.config.custodianUrls.length > 1 ? { waitMs: 20_000 } : {}),
        requestId: r.requestId,
        devicePrivateKey: device.privateKey,
        blobs: { blobUrl: app.config.blobUrl },
        onProgress: (phase, done, total) => {
          if (phase === "key") f.notice = undefined;
          f.phase = phase === "key" ? "download" : phase;
          [f.done, f.total] = phase === "key" ? [0, undefined] : [done, total];
          app.update();
        },
      });
    } catch (err) {
      if (!(err instanceof SealshareError && err.code === "KEY_NOT_READY") || attempt >= 10) throw err;
      const reason = String(err.details?.reason ?? "pending").replace(/-/g, " ");
      f.notice = { kind: "info", text: `The custodian is not ready yet (${reason}); trying again in 2 s.` };
      app.update();
      await sleep(2000);
    }
  }
}

async function fetchAndDecrypt(app: App, r: RequestInfo): Promise<void> {
  const key = r.requestId.toString();
  const f = s.fetches.get(key) ?? { done: 0, format: "original" };
  s.fetches.set(key, f);
  f.busy = true;
  f.notice = undefined;
  try {
    f.phase = "envelope";
    app.update();
    const out = await decryptWhenReady(app, r, f, await keyForRequest(app, r));
    f.phase = "convert";
    app.update();
    const source = out.format ?? "raw";
    // Data that is not records is handed over as stored, whatever format was picked.
    const target = source === "raw" ? "original" : f.format;
    const saved = await convertBlob(out.plaintext, source, target, `dataset #${out.datasetId}`);
    const ext = target === "original" ? (source === "raw" ? "bin" : source) : target;
    saveAs(saved, `dataset-${out.datasetId}-v${out.version}.${ext}`);
    const threshold = out.custodians.length > 1 || (f.custodians?.length ?? 0) > 1;
    f.notice = {
      kind: "ok",
      code: "decrypted",
      text:
        `Decrypted ${bytes(out.summary.plaintextSize)} in your browser and saved as ${source === "raw" ? "stored (not records, so not converted)" : ext.toUpperCase()}. ` +
        (threshold
          ? `The key was rebuilt from the shares of ${out.custodians.length} custodians (${out.custodians.map((c) => who(c, namesOf(app))).join(", ")}). Checked against the ledger: each custodian's place in the set, each share against the shares root, the grant, ciphertext SHA-256, Merkle root and key commitment.`
          : "Checked against the ledger: the custodian's role, the grant, ciphertext SHA-256, Merkle root and key commitment."),
    };
  } catch (err) {
    f.notice = failure(err);
  } finally {
    f.phase = undefined;
    f.busy = false;
    app.update();
  }
}

async function recordUsage(app: App, r: RequestInfo): Promise<void> {
  const f = s.fetches.get(r.requestId.toString()) ?? { done: 0, format: "original" };
  s.fetches.set(r.requestId.toString(), f);
  const box: { busy?: string; notice?: Notice } = {};
  await act(app, box, "Recording your use of the data", async () => {
    await recordUsageAction(await app.session.ctx(), { requestId: r.requestId, usageCode: 1, details: `used for ${purposeWords(r.purpose)} via the Sealshare dapp` });
    return { kind: "ok", text: "Your use of the data is recorded on the ledger." };
  });
  f.notice = box.notice;
  app.update();
}

function keySection(app: App): TemplateResult {
  const onChain = s.keyOnChain;
  const status = !s.key
    ? html`<p class="meta">Not derived in this tab yet.</p>`
    : html`<p>Public key <code data-testid="device-public-key">${hexlify(s.key.publicKey)}</code></p>`;
  const chainWords = !onChain
    ? nothing
    : onChain.keyId === 0
      ? html`<span class="badge wait" data-testid="key-status">not registered</span>`
      : onChain.sameKey
        ? html`<span class="badge ok" data-testid="key-status">registered as key #${onChain.keyId}</span>`
        : html`<span class="badge wait" data-testid="key-status">key #${onChain.keyId} is registered for this device${s.key ? " — a different key" : ""}</span>`;
  return html`<section class="card" aria-labelledby="key-title">
    <h3 id="key-title">Your device's encryption key</h3>
    <p class="meta">Derived from a signature of your wallet: same wallet, same device name ⇒ same key. Nothing to back up.</p>
    <div class="grid">
      <div class="field">
        <label for="r-device">Device name</label>
        <input id="r-device" .value=${s.deviceLabel} @change=${(e: Event) => {
          s.deviceLabel = (e.target as HTMLInputElement).value.trim() || "browser";
          rememberDeviceName(app.config.chainId, app.config.ledger, app.session.account!, s.deviceLabel);
          void loadKeyStatus(app).then(() => app.update());
        }} />
      </div>
      <div class="check">
        <input type="checkbox" id="r-remember" .checked=${s.remember} @change=${(e: Event) => setRemember(app, (e.target as HTMLInputElement).checked)} />
        <label for="r-remember">Remember on this device <span class="hint">stores the private key in this browser</span></label>
      </div>
    </div>
    ${status} ${chainWords}
    <div class="actions">
      <button @click=${() => void derive(app)} ?disabled=${!!s.busy}>Derive my key (wallet signature)</button>
      ${s.key && onChain && !onChain.sameKey ? html`<button @click=${() => void register(app)} ?disabled=${!!s.busy}>Register key on the ledger</button>` : nothing}
      ${busyText(s.busy)}
    </div>
    ${notice(s.notice)}
  </section>`;
}

function askSection(app: App): TemplateResult {
  return html`<section class="card" aria-labelledby="ask-title">
    <h3 id="ask-title">Ask a person for consent</h3>
    <form
      @submit=${onSubmit((form) => {
        const v = formValues(form);
        s.askUrl = askLink(location.href, {
          requester: app.session.account!,
          requesterName: v.name || undefined,
          datasetId: v.dataset || "0",
          category: 0,
          purpose: Number(v.purpose),
          maxKind: Number(v.kind) === 1 ? 1 : 2,
          days: Number(v.days) || 30,
        });
        app.update();
      })}
    >
      <div class="grid">
        <div class="field"><label for="a-name">Your institution's name</label><input id="a-name" name="name" /></div>
        <div class="field"><label for="a-dataset">Dataset number</label><input id="a-dataset" name="dataset" inputmode="numeric" pattern="[0-9]+" required /></div>
        ${vocabularyField({ id: "a-purpose", name: "purpose", label: "Purpose", entries: PURPOSES })}
        <div class="field"><label for="a-days">Days</label><input id="a-days" name="days" type="number" min="1" value="30" /></div>
        <div class="field">
          <label for="a-kind">Access wanted</label>
          <select id="a-kind" name="kind"><option value="2">formal</option><option value="1">temporary only</option></select>
        </div>
      </div>
      <button type="submit">Make a consent link</button>
    </form>
    ${s.askUrl
      ? html`<div class="field">
            <label for="ask-link">Send this link to the person</label>
            <input id="ask-link" readonly .value=${s.askUrl} />
          </div>
          <button class="secondary" @click=${() => void copyText(s.askUrl!)}>Copy link</button>`
      : nothing}
  </section>`;
}

function requestSection(app: App): TemplateResult {
  if (!loadRequests.loaded(app)) return loadingView("your membership and requests");
  if (s.member !== MemberStatus.Active)
    return html`<p class="notice warn" role="status" data-testid="not-member">
      ${who(app.session.account!, namesOf(app))} is ${s.member === MemberStatus.Suspended ? "a suspended member" : "not a member institution of this ledger"}, so it cannot request
      data: a supervisor registers (or reinstates) member institutions.
    </p>`;
  return html`<section class="card" aria-labelledby="req-title">
    <h3 id="req-title">Request access with a signed consent</h3>
    <form @submit=${onSubmit((form) => request(app, form))}>
      <div class="field">
        <label for="r-consent">Signed consent <span class="hint">paste the JSON or the link the person gave you</span></label>
        <textarea id="r-consent" name="consent" required .value=${s.consentText}></textarea>
      </div>
      <div class="grid">
        <div class="field">
          <label for="r-dataset">Dataset number <span class="hint">only for a whole-category consent</span></label>
          <input id="r-dataset" name="dataset" inputmode="numeric" />
        </div>
        <div class="field">
          <label for="r-kind">Access</label>
          <select id="r-kind" name="kind"><option value="2">formal</option><option value="1">temporary</option></select>
        </div>
        <div class="field"><label for="r-duration">Duration</label><input id="r-duration" name="duration" type="number" min="1" value="7" /></div>
        <div class="field">
          <label for="r-unit">Unit</label>
          <select id="r-unit" name="unit"><option value="days">days</option><option value="hours">hours</option></select>
        </div>
        <div class="field"><label for="r-req-device">For device</label><input id="r-req-device" name="device" .value=${s.deviceLabel} /></div>
      </div>
      <div class="actions"><button type="submit" ?disabled=${!!s.req.busy}>Request access</button>${busyText(s.req.busy)}</div>
    </form>
    <div data-testid="request-result">${notice(s.req.notice)}</div>
  </section>`;
}

function requestsSection(app: App): TemplateResult {
  const me = app.session.account;
  return html`<section class="card" aria-labelledby="mine-title">
    <h3 id="mine-title">Your requests</h3>
    <div class="actions" data-testid="live-mode">
      <span class="meta">
        ${s.live === "events" ? "Live: the custodian pushes changes as they happen." : s.live === "polling" ? `Live: checking the ledger every ${app.config.pollMs / 1000} s.` : "Connecting for live updates…"}
      </span>
      ${s.live !== "events" ? html`<button class="secondary" @click=${() => void signIn(app)}>Instant updates (sign in to the custodian)</button>` : nothing}
    </div>
    ${notice(s.liveNotice)}
    ${notice(s.listNotice)}
    ${loadRequests.loaded(app) ? itemList(s.requests, {
      testId: "my-requests",
      empty: "No requests yet.",
      row: (r) => {
        const d = s.datasets.get(r.datasetId.toString());
        const f = s.fetches.get(r.requestId.toString()) ?? { done: 0, format: "original" as const };
        const fid = `fmt-${r.requestId}`;
        // Only a live grant has a key to fetch: a revoked or expired one shows its state, and no button.
        const wasGranted = r.grant.valid;
        return requestRow(app, r, d, {
          me,
          extra: html`${wasGranted
            ? html`<div class="actions">
                <label for=${fid}>Format</label>
                <select id=${fid} @change=${(e: Event) => {
                  f.format = (e.target as HTMLSelectElement).value as FetchState["format"];
                  s.fetches.set(r.requestId.toString(), f);
                }}>
                  ${(["original", "ndjson", "json", "csv"] as const).map((x) => html`<option value=${x} ?selected=${f.format === x}>${x === "original" ? "as stored" : x.toUpperCase()}</option>`)}
                </select>
                <button ?disabled=${!!f.busy} @click=${() => void fetchAndDecrypt(app, r)} aria-label="Fetch and decrypt request ${r.requestId}">Fetch and decrypt</button>
                <button class="secondary" ?disabled=${!!f.busy} @click=${() => void recordUsage(app, r)}>Record use</button>
              </div>`
            : nothing}
          ${f.phase === "envelope" ? html`<p class="meta">Asking the custodian${f.custodians ? "s" : ""} for the key (sign the request in your wallet)…</p>` : nothing}
          ${custodianProgress(f)}
          ${f.phase === "download" ? progress("Downloading the ciphertext", f.done, f.total, `p-${r.requestId}`) : nothing}
          ${f.phase === "decrypt" ? progress("Decrypting in your browser", f.done, f.total, `p-${r.requestId}`) : nothing}
          ${f.phase === "convert" ? html`<p class="meta">Converting…</p>` : nothing}
          <div data-testid="fetch-result">${notice(f.notice)}</div>`,
        });
      },
    }) : loadingView("your requests")}
  </section>`;
}

// ---- The whole share in one transaction (./requester-relay.ts), loaded when asked for: by an
// approval link, or by the button here. A visit that only requests does not download it.

type RelayPart = typeof import("./requester-relay.js");
let relay: RelayPart | undefined;
let relayLoading: Promise<RelayPart> | undefined;
const loadRelay = (app: App): Promise<RelayPart> =>
  (relayLoading ??= import("./requester-relay.js").then((m) => ((relay = m), m)));

/** Opens the relay part (loading it the first time), with the consent the page holds. */
function openRelay(app: App): void {
  void loadRelay(app).then(
    (m) => (m.enterRelay(app, s.consentText), app.update()),
    (err: unknown) => ((s.notice = failure(err)), app.update()),
  );
}

/** For an active member only, as the request form. */
function relayPart(app: App): TemplateResult | typeof nothing {
  if (!loadRequests.loaded(app) || s.member !== MemberStatus.Active) return nothing;
  if (relay) return relay.relaySection(app, { device: s.deviceLabel, reload: () => void loadRequests(app) });
  return html`<section class="card" aria-labelledby="relay-title" data-testid="relay-share">
    <h3 id="relay-title">Or: the whole share in one transaction</h3>
    <p class="meta">The provider and the supervisors approve by signing, not by sending a transaction; you relay their approvals with the person's consent and your request.</p>
    <button class="secondary" @click=${() => openRelay(app)}>Ask for approvals by signature</button>
  </section>`;
}

const ANSWER_WORDS: Record<CustodianAnswerStatus, string> = {
  asking: "asking…",
  answered: "answered (its share is checked against the chain before use)",
  pending: "not released yet",
  refused: "refused",
  unreachable: "unreachable",
};

/** Each custodian's answer to the fetch in progress (threshold custody); the SDK decides whose share counts. */
function custodianProgress(f: FetchState): TemplateResult | typeof nothing {
  if (!f.custodians) return nothing;
  return html`<ul class="meta" data-testid="custodian-progress">
    ${f.custodians.map((c, i) => html`<li data-status=${c.status}>Custodian ${i + 1} (${new URL(c.url).host}): ${ANSWER_WORDS[c.status]}</li>`)}
  </ul>`;
}

export const requesterPage: Page = {
  enter(app) {
    const consent = app.params.get("consent");
    if (consent) s.consentText = `${location.href.split("#")[0]}#/requester?consent=${consent}`;
    // An approval link opens the relay part; once open, it follows the page (account, links).
    if (app.params.get("approval")) openRelay(app);
    else relay?.enterRelay(app, s.consentText);
    live?.stop();
    if (app.session.status !== "ready") return;
    s.deviceLabel = deviceNameOf(app.config.chainId, app.config.ledger, app.session.account!) ?? "browser";
    void loadKeyStatus(app).then(() => app.update(), (err: unknown) => ((s.notice = failure(err)), app.update()));
    void loadRequests(app);
    startLive(app);
  },
  leave() {
    live?.stop();
    relay?.closeRelayChannel();
  },
  view(app) {
    const gate = needsWallet(app, "request data");
    return html`<h2>Request data</h2>
      <p class="lead">For member institutions: ask for a person's data with their consent, follow approvals, and decrypt what you were granted — in this browser.</p>
      ${gate ?? html`${keySection(app)} ${requestSection(app)} ${relayPart(app)} ${requestsSection(app)} ${askSection(app)}`}`;
  },
};

