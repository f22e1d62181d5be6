/**
 * Pieces several role pages share: how a request reads in plain words, and a small helper that
 * runs an action with a busy flag and a notice.
 */
import type { ContractTransactionReceipt, Interface } from "ethers";
import { html, nothing, type TemplateResult } from "lit-html";
import type { DatasetInfo, RequestInfo } from "../lib/ledger-reads.js";
import { categoryWords, duration, invalidWords, kindWords, purposeWords, STATUS_WORDS, when, who } from "../lib/words.js";
import { failure, txLink, type App, type Notice } from "../ui/parts.js";

/** "Insurer (0x…) asks for dataset #1 (deposit) for underwriting — formal access for 7 days." */
export function requestSentence(app: App, r: RequestInfo, d?: DatasetInfo, me?: string): string {
  const dataset = d ? `dataset #${r.datasetId} (${categoryWords(d.category)} data)` : `dataset #${r.datasetId}`;
  const sentence = `${who(r.requester, app.config.names, me)} asked for ${dataset} for ${purposeWords(r.purpose)} — ${kindWords(r.kind)} access for ${duration(r.duration)}.`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** The request's state in words, with what it still waits for. */
export function requestState(r: RequestInfo, d?: DatasetInfo): TemplateResult {
  const g = r.grant;
  if (g.valid) {
    return html`<span class="badge ok" data-testid="request-status">${kindWords(g.kind)} access granted</span> <span class="meta">until ${when(g.expiresAt)}</span>`;
  }
  if (r.status === 1 && d) {
    const waits: string[] = [];
    if (d.policy.requireProvider && !r.providerApproved) waits.push("the provider's approval");
    const missing = d.policy.supervisorQuorum - r.supervisorApprovals;
    if (missing > 0) waits.push(`${missing} supervisor approval${missing > 1 ? "s" : ""}`);
    return html`<span class="badge wait" data-testid="request-status">waiting</span> <span class="meta">for ${waits.join(" and ") || "the ledger"}</span>`;
  }
  const word = r.status === 2 || r.status === 3 ? invalidWords(g.reason) : STATUS_WORDS[r.status] ?? "unknown";
  return html`<span class="badge bad" data-testid="request-status">${word}</span>`;
}

export function requestMeta(app: App, r: RequestInfo): TemplateResult {
  return html`<span class="meta">Request #${r.requestId} · ${txLink(app.config, r.txHash)}</span>`;
}

/** Runs `fn` with `state.busy` set, putting the outcome in `state.notice`. */
export async function act<S extends { busy?: string; notice?: Notice }>(app: App, state: S, label: string, fn: () => Promise<Notice | void>): Promise<void> {
  state.busy = label;
  state.notice = { kind: "info", text: `${label}… confirm in your wallet if it asks.` };
  app.update();
  try {
    state.notice = (await fn()) ?? undefined;
  } catch (err) {
    state.notice = failure(err);
  } finally {
    state.busy = undefined;
    app.update();
  }
}

export const busyText = (busy: string | undefined): TemplateResult | typeof nothing => (busy ? html`<span class="meta" aria-live="polite">${busy}…</span>` : nothing);

/** The value of `arg` in the first `event` the ledger emitted in `receipt`. */
export function eventArg(iface: Interface, receipt: ContractTransactionReceipt | null, event: string, arg: string): bigint {
  for (const log of receipt?.logs ?? []) {
    const parsed = iface.parseLog(log);
    if (parsed?.name === event) return BigInt(parsed.args.getValue(arg) as bigint);
  }
  throw new Error(`no ${event} event in transaction ${receipt?.hash}`);
}

/**
 * Makes a page's loader safe to call from several places at once (a poll, an action that just
 * landed): each run reads into locals, and only the most recently started run may publish, so
 * a slow older read can never overwrite a newer one.
 */
export function latestOnly(): () => { current(): boolean } {
  let seq = 0;
  return () => {
    const mine = ++seq;
    return { current: () => mine === seq };
  };
}
