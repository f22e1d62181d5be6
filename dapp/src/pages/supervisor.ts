/**
 * The supervisor (regulator): an approval queue showing each request with the consent it rests
 * on and the dataset's policy; approve, reject with a reason, revoke live grants; register,
 * suspend and reinstate member institutions.
 */
import { getAddress, isAddress } from "ethers";
import { html, nothing, type TemplateResult } from "lit-html";
import { registerMember as registerMemberAction } from "../../../sdk/actions/register-member.js";
import { reinstateMember } from "../../../sdk/actions/reinstate-member.js";
import { suspendMember } from "../../../sdk/actions/suspend-member.js";
import { listConsents, type ConsentListing as ConsentInfo } from "../../../sdk/actions/list-consents.js";
import type { GetDatasetResult as DatasetInfo } from "../../../sdk/actions/get-dataset.js";
import { getRoles, type GetRolesResult } from "../../../sdk/actions/get-roles.js";
import { listMembers, type MemberListing as MemberInfo } from "../../../sdk/actions/list-members.js";
import { listRequests, type RequestListing as RequestInfo } from "../../../sdk/actions/list-requests.js";
import { temporaryWords, waitingFor } from "../../../sdk/reads/grant-rules.js";
import { duration, when, who } from "../../../sdk/format.js";
import { categoryLabel as categoryWords, kindLabel as kindWords, purposeLabel as purposeWords, reasonLabel as reasonWords, GrantKind, MemberStatus, RequestStatus, SUSPENSION_REASONS } from "../../../sdk/vocabulary.js";
import { formValues, needsWallet, notice, txLink, type App, type Notice, type Page } from "../ui/parts.js";
import { namesOf } from "../ui/names.js";
import { displayNameOf, MAX_NAME_LENGTH } from "../../../sdk/members/display-name.js";
import { reasonPicker, requestRow, withReason } from "../ui/request-row.js";
import { consentScope } from "../ui/consent-words.js";
import { onSubmit } from "../ui/forms.js";
import { itemList } from "../ui/item-list.js";
import { accountLoader, act, busyText, chainFollowingPage, datasetsOf, loadingView } from "./common.js";
import { decideRequest, shareAskSection, type Decision } from "./decide.js";

interface State {
  requests: RequestInfo[];
  datasets: Map<string, DatasetInfo>;
  consents: Map<string, ConsentInfo>;
  members: MemberInfo[];
  /** The connected account's roles, read from the chain (never from the config). */
  roles?: GetRolesResult;
  busy?: string;
  notice?: Notice;
  /** The member register's own busy flag and outcome (registration, suspension, reinstatement). */
  memberBox: { busy?: string; notice?: Notice };
  listNotice?: Notice;
}

const s: State = { requests: [], datasets: new Map(), consents: new Map(), members: [], memberBox: {} };

const load = accountLoader({
  read: async (reads, me) => {
    const roles = await getRoles(reads, { account: me });
    if (!roles.supervisor) return { roles, requests: [], members: [], consents: [], datasets: new Map<string, DatasetInfo>() };
    const [requests, members, consents] = await Promise.all([listRequests(reads), listMembers(reads), listConsents(reads, { all: true })]);
    return { roles, requests, members, consents, datasets: await datasetsOf(reads, requests) };
  },
  show: (d) => ([s.roles, s.requests, s.members, s.consents, s.datasets] = [d.roles, d.requests, d.members, new Map(d.consents.map((c) => [c.consentId, c])), d.datasets]),
  failed: (n) => (s.listNotice = n),
});

const decide = (app: App, r: RequestInfo, what: Decision, reasonCode = 0) => decideRequest(app, s, r, what, { as: "supervisor", reasonCode, reload: load });

/**
 * Waits for a supervisor's approval that `me` has not given: the SDK's count of what a formal
 * grant still needs (sdk/reads/grant-rules.ts). Only what an approval could still grant: a
 * pending request whose consent is live, or a live temporary grant — an expired one (or one
 * whose consent expired or was withdrawn) leaves the queue, as approving it would be refused.
 */
function needsMe(r: RequestInfo, me: string): boolean {
  const live = r.status === RequestStatus.Pending ? s.consents.get(r.consentId)?.status === "active" : r.status === RequestStatus.Temporary && r.grant.valid;
  if (!live) return false;
  return waitingFor(r.rules, GrantKind.Formal, r).supervisors > 0 && !r.approvers.includes(getAddress(me));
}

function consentTerms(app: App, c: ConsentInfo | undefined): TemplateResult {
  if (!c) return html`<p class="meta">Consent: not found on the ledger.</p>`;
  const scope = consentScope(c);
  return html`<dl class="meta">
    <dt>Consent</dt>
    <dd>
      ${who(c.subject, namesOf(app))} allowed ${who(c.requester, namesOf(app))} to use ${scope} for ${purposeWords(c.purpose)}, up to ${kindWords(c.maxKind)} access, until
      ${when(c.expiresAt)}${c.status === "revoked" ? " — REVOKED" : ""}. ${c.relayer !== c.subject ? "Signed by the person, relayed by the requester." : "Recorded by the person."}
      ${txLink(app.config, c.givenTx)}
    </dd>
  </dl>`;
}

function policyTerms(r: RequestInfo, d: DatasetInfo | undefined): TemplateResult {
  if (!d) return html``;
  const p = d.rules; // the dataset's policy with its category's floor, as the ledger applies them
  return html`<dl class="meta">
    <dt>Dataset policy${p.raisedByFloor ? html` <span data-testid="floor-note">(with the ${categoryWords(d.category)} category's floor)</span>` : ""}</dt>
    <dd>
      ${p.requireProvider ? `provider approval required (${r.providerApproved ? "given" : "not yet"})` : "no provider approval needed"};
      ${p.supervisorQuorum} supervisor approval(s) (${r.supervisorApprovals} so far); ${temporaryWords(p, duration)}; formal up to ${duration(p.maxFormal)}.
    </dd>
  </dl>`;
}

function queueSection(app: App): TemplateResult {
  const me = app.session.account!;
  const queue = s.requests.filter((r) => needsMe(r, me));
  // Every live grant, temporary ones waiting in the queue for a formal approval included.
  const live = s.requests.filter((r) => r.grant.valid);
  return html`<section class="card" aria-labelledby="q-title">
      <h3 id="q-title">Approval queue</h3>
      <div data-testid="decision-result">${notice(s.notice)} ${busyText(s.busy)}</div>
      ${notice(s.listNotice)}
      ${itemList(queue, {
        testId: "approval-queue",
        empty: "Nothing waits for your approval.",
        emptyTestId: "queue-empty",
        row: (r) => {
          const d = s.datasets.get(r.datasetId.toString());
          return requestRow(app, r, d, {
            lead: true,
            details: html`${consentTerms(app, s.consents.get(r.consentId))} ${policyTerms(r, d)}`,
            // A pending request can be rejected; a temporary grant waiting for formal approval can be revoked.
            decisions: {
              approve: () => void decide(app, r, "approve"),
              reject: r.status === RequestStatus.Pending ? (reason) => void decide(app, r, "reject", reason) : undefined,
              revoke: r.grant.valid ? (reason) => void decide(app, r, "revoke", reason) : undefined,
              disabled: !!s.busy,
            },
          });
        },
      })}
    </section>
    <section class="card" aria-labelledby="g-title">
      <h3 id="g-title">Live grants</h3>
      ${itemList(live, {
        testId: "live-grants",
        empty: "No live grants.",
        row: (r) => requestRow(app, r, s.datasets.get(r.datasetId.toString()), { decisions: { revoke: (reason) => void decide(app, r, "revoke", reason), disabled: !!s.busy } }),
      })}
    </section>`;
}

async function registerMember(app: App, form: HTMLFormElement): Promise<void> {
  const v = formValues(form);
  await act(app, s.memberBox, "Registering the member", async () => {
    if (!isAddress(v.member ?? "")) return { kind: "error", text: "Enter the institution's address (0x…)." };
    const member = getAddress(v.member!);
    // The name goes into the member's record on chain: from then on every page shows it as verified.
    const r = await registerMemberAction(await app.session.ctx(), { member, kycRef: v.kyc || v.member!, metadataURI: v.metadata || "", ...(v.name ? { name: v.name } : {}) });
    form.reset();
    void load(app); // the outcome shows at once; the lists catch up
    const name = displayNameOf(r.metadataURI);
    return {
      kind: "ok",
      text: name ? `Registered ${who(member, { [member]: { name, verified: true } })}.` : `Registered ${who(member, namesOf(app))}, with no display name: pages show its address.`,
      code: "member-registered",
    };
  });
}

async function memberAction(app: App, m: MemberInfo, what: "suspend" | "reinstate", reason = 0): Promise<void> {
  const name = who(m.member, namesOf(app));
  await act(app, s.memberBox, `${what === "suspend" ? "Suspending" : "Reinstating"} ${name}`, async () => {
    const ctx = await app.session.ctx();
    if (what === "suspend") await suspendMember(ctx, { member: m.member, reasonCode: reason });
    else await reinstateMember(ctx, { member: m.member });
    void load(app); // the outcome shows at once; the lists catch up
    return {
      kind: "ok",
      code: what === "suspend" ? "member-suspended" : "member-reinstated",
      text:
        what === "suspend"
          ? `Suspended ${name}: its pending requests and live grants stop counting at once.`
          : `Reinstated ${name}. Requests and grants from before the suspension stay void: it must request again.`,
    };
  });
}

function membersSection(app: App): TemplateResult {
  return html`<section class="card" aria-labelledby="m-title">
    <h3 id="m-title">Member institutions</h3>
    <form @submit=${onSubmit((form) => registerMember(app, form))}>
      <div class="grid">
        <div class="field"><label for="m-address">Institution's address</label><input id="m-address" name="member" placeholder="0x…" autocomplete="off" spellcheck="false" /></div>
        <div class="field">
          <label for="m-name">Display name <span class="hint">written in its record on chain; every page shows it</span></label>
          <input id="m-name" name="name" autocomplete="off" maxlength=${MAX_NAME_LENGTH} placeholder="Acme Bank" />
        </div>
        <div class="field"><label for="m-kyc">KYC reference <span class="hint">only its hash goes on chain</span></label><input id="m-kyc" name="kyc" autocomplete="off" /></div>
        <div class="field"><label for="m-meta">Public metadata URL</label><input id="m-meta" name="metadata" type="url" placeholder="https://…" /></div>
      </div>
      <button type="submit" ?disabled=${!!s.memberBox.busy}>Register member</button>
    </form>
    <div data-testid="member-result">${busyText(s.memberBox.busy)} ${notice(s.memberBox.notice)}</div>
    ${itemList(s.members, {
      testId: "members",
      empty: "No members yet.",
      row: (m) => {
        const name = who(m.member, namesOf(app));
        return html`<li data-member=${m.member}>
          ${name}
          ${m.status === 1 ? html`<span class="badge ok" data-testid="member-status">active</span>` : m.status === 2 ? html`<span class="badge bad" data-testid="member-status">suspended</span>` : nothing}
          ${m.suspension ? html`<span class="meta">reason: ${reasonWords(m.suspension.reasonCode)} · ${txLink(app.config, m.suspension.txHash, "suspended in")} ·</span>` : nothing}
          <span class="meta">${txLink(app.config, m.txHash, "registered in")}</span>
          <div class="actions">
            ${m.status === MemberStatus.Active
              ? html`${reasonPicker(`susp-${m.member}`, name, "Suspension reason", SUSPENSION_REASONS)}
                  <button class="danger" ?disabled=${!!s.memberBox.busy} @click=${(e: Event) => withReason(e, (reason) => void memberAction(app, m, "suspend", reason))} aria-label="Suspend ${name}">Suspend</button>`
              : m.status === MemberStatus.Suspended
                ? html`<button class="secondary" ?disabled=${!!s.memberBox.busy} @click=${() => void memberAction(app, m, "reinstate")} aria-label="Reinstate ${name}">Reinstate</button>`
                : nothing}
          </div>
        </li>`;
      },
    })}
  </section>`;
}

/** For any other account: what this page is for and who may use it; nothing to press. */
function notSupervisor(app: App): TemplateResult {
  return html`<div class="notice info" role="status" data-testid="not-supervisor">
    <p>${who(app.session.account!, namesOf(app))} is not a supervisor of this ledger, so there is nothing for you to decide here.</p>
    <p>
      Supervisors approve the requests a dataset's policy puts before them, revoke grants, and register, suspend and reinstate member institutions. The
      ledger's admin gives an account this role. What supervisors decided is public: see it on the <a href="#/auditor">auditor's page</a>.
    </p>
  </div>`;
}

export const supervisorPage: Page = chainFollowingPage({
  load,
  view(app) {
    const gate = needsWallet(app, "supervise");
    return html`<h2>Supervise</h2>
      <p class="lead">For the supervisor: approve requests that policy puts before you, revoke grants, and keep the register of member institutions.</p>
      ${gate ?? (!load.loaded(app) ? html`${notice(s.listNotice)} ${loadingView("your role and the approval queue")}` : s.roles?.supervisor ? html`${shareAskSection(app, "supervisor")} ${queueSection(app)} ${membersSection(app)}` : notSupervisor(app))}`;
  },
});
