/**
 * Small view pieces shared by the pages, and the page contract.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { DappConfig } from "../lib/config.js";
import { txUrl } from "../lib/config.js";
import { explain } from "../lib/explain.js";
import type { SealshareContext } from "../../../sdk/actions/context.js";
import type { Session } from "../lib/session.js";
import { shortAddress, who } from "../../../sdk/format.js";
import { namesOf } from "./names.js";

export interface App {
  session: Session;
  config: DappConfig;
  /** Re-renders the page. */
  update(): void;
  /** The SDK's read context bound to the current reader (wallet or public RPC): pass it to the SDK read actions. */
  reads(): SealshareContext;
  /** The page's own URL query (the part after `?` in the hash). */
  params: URLSearchParams;
}

export interface Page {
  view(app: App): TemplateResult;
  /** Called when the page is shown and whenever the account or chain changes. */
  enter?(app: App): void;
  leave?(): void;
}

/** A status message: what happened, or what went wrong and what to do. */
export interface Notice {
  kind: "ok" | "error" | "info" | "warn";
  text: string;
  hint?: string;
  code?: string;
  link?: { href: string; label: string };
}

export const failure = (err: unknown): Notice => {
  const e = explain(err);
  return { kind: "error", text: e.message, hint: e.hint, code: e.code };
};

export function notice(n: Notice | undefined): TemplateResult | typeof nothing {
  if (!n) return nothing;
  return html`<div class="notice ${n.kind}" role=${n.kind === "error" ? "alert" : "status"} data-code=${n.code ?? ""}>
    ${n.text}${n.hint ? html`<br /><span class="hint">${n.hint}</span>` : nothing}
    ${n.link ? html` <a href=${n.link.href} target="_blank" rel="noopener">${n.link.label}</a>` : nothing}
  </div>`;
}

export function txLink(config: DappConfig, hash: string | undefined, label = "transaction"): TemplateResult | typeof nothing {
  if (!hash) return nothing;
  const url = txUrl(config, hash);
  return url
    ? html`<a class="mono" href=${url} target="_blank" rel="noopener" title=${hash}>${label} ${hash.slice(0, 10)}…</a>`
    : html`<span class="mono" title=${hash}>${label} ${hash.slice(0, 10)}…</span>`;
}

/** An address as a person reads it: "Acme Bank (0x1234…abcd)" (see ./names.ts), the full address on hover. */
export function addr(app: App, a: string, me?: string): TemplateResult {
  return html`<span title=${a}>${who(a, namesOf(app), me)}</span>`;
}

export function progress(label: string, done: number, total: number | undefined, id: string): TemplateResult {
  const pct = total ? Math.min(100, Math.round((done / total) * 100)) : undefined;
  return html`<div class="progress">
    <label for=${id}>${label}${pct !== undefined ? ` — ${pct}%` : ""}</label>
    <progress id=${id} max=${total ?? 1} .value=${total ? done : 0}></progress>
  </div>`;
}

/** Shown on pages that need a connected wallet. */
export function needsWallet(app: App, what: string): TemplateResult | undefined {
  const s = app.session;
  if (s.status === "ready") return undefined;
  if (s.status === "wrong-chain") return html`<p class="notice warn">Switch your wallet to ${app.config.chainName} (use the button at the top) to ${what}.</p>`;
  return html`<div class="notice info">
    <p>Connect your wallet to ${what}.</p>
    <button @click=${() => void s.connect()}>Connect wallet</button>
  </div>`;
}

export { shortAddress };

/** Reads a form's fields by name. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(form).forEach((v, k) => {
    if (typeof v === "string") out[k] = v.trim();
  });
  return out;
}

/** Copies text to the clipboard, falling back to selecting it for Ctrl+C. */
export async function copyText(text: string, fallbackTarget?: HTMLTextAreaElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    fallbackTarget?.select();
    return false;
  }
}
