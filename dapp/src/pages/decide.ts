/**
 * A decision on an access request, as the provider's and the supervisor's pages both make it:
 * approve (as provider or as supervisor), reject or revoke with a reason code — each the SDK's
 * action — with the page's busy flag and outcome notice; the page's lists reload behind it.
 * Or, for a share the requester will relay in one transaction and asks for by link, approve by
 * signature ({@link shareAskSection}): no transaction, the signed approval goes back to the
 * requester.
 */
import { nothing, type TemplateResult } from "lit-html";
import { approveRequest } from "../../../sdk/actions/approve-request.js";
import { getDataset } from "../../../sdk/actions/get-dataset.js";
import type { RequestListing } from "../../../sdk/actions/list-requests.js";
import { rejectRequest } from "../../../sdk/actions/reject-request.js";
import { revokeGrant } from "../../../sdk/actions/revoke-grant.js";
import { duration, when } from "../../../sdk/format.js";
import { kindLabel } from "../../../sdk/vocabulary.js";
import { failure, type App, type Notice } from "../ui/parts.js";
import { DEFAULT_VALID_FOR, shareAskCard, type ShareAskState } from "../ui/relay-approve.js";
import type { ParsedShareAsk } from "../ui/relay-links.js";
import { act } from "./common.js";

export type Decision = "approve" | "reject" | "revoke";

const DOING: Record<Decision, string> = { approve: "Approving request", reject: "Rejecting request", revoke: "Revoking the grant of request" };
const DONE: Record<Decision, string> = { approve: "approved request", reject: "rejected request", revoke: "revoked the grant of request" };

export function decideRequest(
  app: App,
  box: { busy?: string; notice?: Notice },
  r: Pick<RequestListing, "requestId">,
  what: Decision,
  o: { as: "provider" | "supervisor"; reasonCode?: number; reload: (app: App) => Promise<void> },
): Promise<void> {
  const requestId = r.requestId;
  return act(app, box, `${DOING[what]} #${requestId}`, async () => {
    const ctx = await app.session.ctx();
    let granted = "";
    if (what === "approve") {
      const a = await approveRequest(ctx, { requestId, as: o.as });
      if (a.granted) granted = ` Granted: ${kindLabel(a.granted.kind)} access.`;
    } else if (what === "reject") await rejectRequest(ctx, { requestId, reasonCode: o.reasonCode ?? 0 });
    else await revokeGrant(ctx, { requestId, reasonCode: o.reasonCode ?? 0 });
    void o.reload(app); // the outcome shows at once; the lists catch up
    return { kind: "ok", code: what, text: `You ${DONE[what]} #${requestId}.${granted}` };
  });
}

/**
 * What a share ask needs beyond the queue — reading the link, signing (the SDK's consent terms
 * and signApproval, with the schema library the consent receipt brings), making the link back —
 * loaded on the first link, not with the page: a page opened without one does not download it.
 */
let relayCode: Promise<{ links: typeof import("../ui/relay-links.js"); signApproval: typeof import("../../../sdk/actions/sign-approval.js").signApproval }> | undefined;
const loadRelayCode = () =>
  (relayCode ??= Promise.all([import("../ui/relay-links.js"), import("../../../sdk/actions/sign-approval.js")]).then(([links, a]) => ({ links, signApproval: a.signApproval })));

/**
 * Approves the share `ask` describes by signature (EIP-712 `ShareApproval` in the wallet, the
 * SDK's signApproval): no transaction. The SDK refuses first when the connected account is not
 * the dataset's provider (`NOT_PROVIDER`) or holds no supervisor role (`NOT_SUPERVISOR`), both
 * read from the chain; the ledger checks both again when the requester relays. The signed
 * approval and the link that hands it back land in `st.signed`.
 */
function signShareApproval(app: App, st: ShareAskState, ask: ParsedShareAsk, as: "provider" | "supervisor"): Promise<void> {
  st.signed = undefined;
  return act(app, st, "Signing your approval", async () => {
    const { links, signApproval } = await loadRelayCode();
    const a = await signApproval(await app.session.ctx(), {
      consent: ask.terms,
      requester: ask.requester,
      datasetId: BigInt(ask.datasetId),
      purpose: ask.purpose,
      kind: ask.kind,
      duration: ask.duration,
      as,
      validFor: st.validFor,
    });
    st.signed = { approval: a, link: links.approvalLink(location.href, a) };
    return {
      kind: "ok",
      code: "approval-signed",
      text: `You approved by signature, as ${as}: ${kindLabel(a.kind)} access for ${duration(a.duration)}. No transaction was sent. Send it to the requester below; it must be relayed before ${when(a.deadline)}.`,
    };
  });
}

/** One share ask per approver's page: the link the page was opened with, for the account connected (another account starts afresh). */
const asks: Partial<Record<"provider" | "supervisor", { key: string; st: ShareAskState }>> = {};

/**
 * The share ask of the page's `share` parameter; the first time a link is seen, it is read, then
 * the dataset it names is read from the chain (what the page shows about it comes from there).
 */
function shareAskOf(app: App, as: "provider" | "supervisor"): ShareAskState | undefined {
  const encoded = app.params.get("share");
  if (!encoded) return undefined;
  const key = `${app.session.account}:${encoded}`;
  const known = asks[as];
  if (known?.key === key) return known.st;
  const st: ShareAskState = { encoded, validFor: DEFAULT_VALID_FOR };
  asks[as] = { key, st };
  void loadRelayCode()
    .then(async ({ links }) => {
      st.ask = links.parseShareAsk(encoded);
      app.update();
      st.dataset = await getDataset(app.reads(), { datasetId: BigInt(st.ask.datasetId) });
    })
    .catch((err: unknown) => (st.problem = failure(err)))
    .finally(() => app.update());
  return st;
}

/** A share asked by link (`…/#/provider?share=…`), with "Sign approval", at the head of the page's queue; nothing without a link. */
export function shareAskSection(app: App, as: "provider" | "supervisor"): TemplateResult | typeof nothing {
  const st = shareAskOf(app, as);
  if (!st) return nothing;
  return shareAskCard(app, st, { as, onSign: () => void (st.ask && signShareApproval(app, st, st.ask, as)) });
}
