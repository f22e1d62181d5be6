/**
 * Pieces several role pages share: running an action with a busy flag and a notice, and
 * keeping a page's loads in order. (How a request looks is ../ui/request-row.ts.)
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { failure, type App, type Notice } from "../ui/parts.js";

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
