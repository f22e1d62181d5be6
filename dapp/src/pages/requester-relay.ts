/**
 * The requester page's relay part: the whole share in one transaction (approvals by signature,
 * the SDK's relayShare) — the person's signed consent, the links that ask the provider and the
 * supervisors to sign (../ui/relay-links.ts), the approvals they send back (by link, in this tab
 * or another, or pasted), and the relay. The view is ../ui/relay-collect.ts. Loaded by
 * ./requester.ts when asked for.
 *
 * What the dataset's policy needs is read from the chain; the SDK checks each approval against
 * the share before sending (`APPROVAL_MISMATCH`, `APPROVAL_EXPIRED`), and the ledger checks every
 * signature and role again.
 */
import { namesOf } from "../ui/names.js";
import type { TemplateResult } from "lit-html";
import { consentIdOf } from "../../../sdk/actions/consent-terms.js";
import { getDataset } from "../../../sdk/actions/get-dataset.js";
import { relayShare } from "../../../sdk/actions/relay-share.js";
import type { SignedApproval } from "../../../sdk/actions/sign-approval.js";
import { who } from "../../../sdk/format.js";
import { waitingFor } from "../../../sdk/reads/grant-rules.js";
import { txUrl } from "../lib/config.js";
import { parseSignedConsent, signedElsewhere } from "../lib/consent-share.js";
import { failure, type App } from "../ui/parts.js";
import { relayOutcome, relayShareView, type RelayState, type ShareDraft } from "../ui/relay-collect.js";
import { parseApproval, shareAsk, shareAskLink } from "../ui/relay-links.js";
import { act, busyText } from "./common.js";

const rs: RelayState = { consentText: "", datasetText: "", kind: 2, amount: 7, unit: "days", approvalText: "", approvals: [], relayed: new Set() };
/** The account (on this ledger) the share being put together is for: another account starts afresh. */
let relayFor: string | undefined;

/** Adds a signed approval once (by signature), unless its consent was already relayed here. */
function addApproval(a: SignedApproval): "added" | "known" | "spent" {
  if (rs.relayed.has(a.consentId.toLowerCase())) return "spent";
  if (rs.approvals.some((x) => x.signature === a.signature)) return "known";
  rs.approvals.push(a);
  return "added";
}

/** Whether `a` belongs to the share this tab made links for. */
const forDraft = (a: SignedApproval) => !!rs.draft && a.consentId.toLowerCase() === rs.draft.consentId.toLowerCase();

/**
 * The requester's tabs of one account on one ledger pass approvals to each other: an approval
 * link opened in a new tab (from an e-mail, say) goes to the tab that made the share's links and
 * holds its consent; that tab adds it and answers "taken", and the new tab says where to go on.
 * Same origin only (BroadcastChannel); every message is checked as a pasted approval would be.
 */
type RelayMessage = { type: "approval"; id: string; approval: SignedApproval } | { type: "taken"; id: string };
let channel: BroadcastChannel | undefined;
/** Approvals this tab offered to its other tabs, by message id. */
const offered = new Map<string, SignedApproval>();

function openRelayChannel(app: App): void {
  closeRelayChannel();
  if (app.session.status !== "ready" || typeof BroadcastChannel === "undefined") return;
  const ch = new BroadcastChannel(`sealshare-relay:${app.config.chainId}:${app.config.ledger.toLowerCase()}:${app.session.account!.toLowerCase()}`);
  ch.onmessage = (e: MessageEvent) => {
    try {
      onRelayMessage(app, ch, e.data as Partial<RelayMessage> | null);
    } catch {
      // not a signed approval: ignored
    }
  };
  channel = ch;
}

export function closeRelayChannel(): void {
  channel?.close();
  channel = undefined;
}

function onRelayMessage(app: App, ch: BroadcastChannel, m: Partial<RelayMessage> | null): void {
  if (m?.type === "approval" && typeof m.id === "string" && rs.draft) {
    const a = parseApproval(JSON.stringify(m.approval));
    if (!forDraft(a) || addApproval(a) === "spent") return;
    ch.postMessage({ type: "taken", id: m.id } satisfies RelayMessage);
    rs.addNotice = { kind: "ok", code: "approval-added", text: `Added the approval by ${who(a.approver, namesOf(app))} (as ${a.asSupervisor ? "supervisor" : "provider"}), opened in another tab.` };
    app.update();
  } else if (m?.type === "taken" && typeof m.id === "string" && offered.has(m.id)) {
    const a = offered.get(m.id)!;
    offered.delete(m.id);
    rs.approvals = rs.approvals.filter((x) => x.signature !== a.signature);
    rs.addNotice = {
      kind: "ok",
      code: "approval-handed-over",
      text: `The approval by ${who(a.approver, namesOf(app))} was added to your share in your other tab, where you made its links: relay it there (you can close this tab).`,
    };
    app.update();
  }
}

/** Whether the relay part has taken the page's consent once (when it was first opened). */
let prefilled = false;

/**
 * Called when the relay part is opened and whenever the page is entered after: a consent link
 * fills in the share's consent (as it fills the request form; on first opening, the consent the
 * form holds), an approval link adds its approval to the share — this tab's, or the one of
 * another tab of this account that made the share's links.
 */
export function enterRelay(app: App, pageConsentText: string): void {
  openRelayChannel(app);
  const owner = app.session.status === "ready" ? `${app.config.chainId}:${app.config.ledger}:${app.session.account}`.toLowerCase() : undefined;
  if (owner && owner !== relayFor) {
    // Approvals name their requester: another account's would be refused at the relay.
    if (relayFor) Object.assign(rs, { draft: undefined, approvals: [], relayed: new Set<string>(), consentText: "", notice: undefined, addNotice: undefined });
    relayFor = owner;
  }
  if (app.params.get("consent") || !prefilled) rs.consentText = pageConsentText;
  prefilled = true;
  const approval = app.params.get("approval");
  if (!approval) return;
  try {
    const a = parseApproval(approval);
    const added = addApproval(a);
    rs.addNotice =
      added === "spent"
        ? { kind: "warn", text: `The approval by ${who(a.approver, namesOf(app))} is for a share already relayed from this page.` }
        : { kind: "ok", code: "approval-added", text: `Added the approval by ${who(a.approver, namesOf(app))} (as ${a.asSupervisor ? "supervisor" : "provider"}).` };
    if (added !== "spent" && !forDraft(a) && channel) {
      const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`; // tells this tab's offers apart, nothing more
      offered.set(id, a);
      channel.postMessage({ type: "approval", id, approval: a } satisfies RelayMessage);
    }
  } catch (err) {
    rs.addNotice = failure(err);
  }
}

const seconds = () => Math.round(Math.max(1, rs.amount || 1) * (rs.unit === "hours" ? 3600 : 86_400));

/** A page-made refusal, with its code for the notice (the page's own words, not the SDK's). */
const refusal = (text: string, code: string) => Object.assign(new Error(text), { code });

/**
 * The share the consent and the form describe: the consent (signed, for this deployment), the
 * dataset, what its policy needs (read from the chain), and the links that ask for approvals.
 */
async function shareDraft(app: App): Promise<ShareDraft> {
  const c = parseSignedConsent(rs.consentText);
  if (signedElsewhere(app.config, c)) throw refusal("This consent was signed for another Sealshare deployment or chain.", "wrong-deployment");
  if (!c.signature) throw refusal("This consent carries no signature: the person must sign it (their page's “Sign consent”).", "unsigned-consent");
  const datasetId = c.terms.datasetId !== 0n ? c.terms.datasetId : /^\d+$/.test(rs.datasetText.trim()) ? BigInt(rs.datasetText.trim()) : 0n;
  if (datasetId === 0n) throw refusal("The consent covers a whole category: say which dataset number the share is for.", "no-dataset");
  const reads = app.reads();
  const [consentId, d] = await Promise.all([consentIdOf(reads, c.terms), getDataset(reads, { datasetId })]);
  const ask = shareAsk({ terms: c.terms, chainId: String(app.config.chainId), ledger: app.config.ledger, consentId, requester: app.session.account!, datasetId, kind: rs.kind, duration: seconds() });
  return {
    consent: { ...c, signature: c.signature },
    consentId,
    datasetId,
    kind: rs.kind,
    duration: seconds(),
    needs: waitingFor(d.rules, rs.kind, { providerApproved: false, supervisorApprovals: 0 }),
    links: { provider: shareAskLink(location.href, "provider", ask), supervisor: shareAskLink(location.href, "supervisor", ask) },
  };
}

/** Makes the links that ask for approvals. */
async function makeAsk(app: App): Promise<void> {
  await act(app, rs, "Preparing the share", async () => {
    rs.draft = await shareDraft(app);
  });
}

async function addPasted(app: App): Promise<void> {
  try {
    const a = parseApproval(rs.approvalText);
    const added = addApproval(a);
    rs.addNotice = added === "spent" ? { kind: "warn", text: "This approval is for a share already relayed from this page." } : undefined;
    rs.approvalText = "";
  } catch (err) {
    rs.addNotice = failure(err);
  }
  app.update();
}

/** The whole share in one transaction: consent, request and every collected approval for it. */
async function relayShareNow(app: App, device: string, reload: () => void): Promise<void> {
  await act(app, rs, "Relaying the share (one transaction)", async () => {
    // Approvals that arrived in a tab that had not made the links: the pasted consent and the form say which share.
    const d = rs.draft ?? (rs.draft = await shareDraft(app));
    const approvals = rs.approvals.filter((a) => a.consentId.toLowerCase() === d.consentId.toLowerCase());
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
    rs.relayed.add(d.consentId.toLowerCase());
    rs.approvals = rs.approvals.filter((a) => a.consentId.toLowerCase() !== d.consentId.toLowerCase());
    rs.draft = undefined;
    // The consent is recorded now: it cannot be relayed again.
    rs.consentText = "";
    rs.addNotice = undefined;
    reload();
    return relayOutcome(app, r, txUrl(app.config, r.txHash));
  });
}

/** The relay form, its links and approvals; `reload` refreshes the page's lists after the relay. */
export function relaySection(app: App, o: { device: string; reload: () => void }): TemplateResult {
  return relayShareView(app, rs, {
    device: o.device,
    busy: busyText(rs.busy),
    makeAsk: () => void makeAsk(app),
    addPasted: () => void addPasted(app),
    remove: (a) => ((rs.approvals = rs.approvals.filter((x) => x !== a)), app.update()),
    relay: (device) => void relayShareNow(app, device, o.reload),
  });
}
