/**
 * The reason list every page shows where a decision records a reason code on the ledger
 * (reject, revoke a grant, suspend a member): codes and words from sdk/vocabulary.ts, and no
 * reason chosen until the user chooses one. A preset reason would be recorded whenever someone
 * clicked without reading the list — and read back to the requester and the person as if it had
 * been meant — so the button does nothing but ask until a reason is picked ({@link withReason}).
 */
import { html, type TemplateResult } from "lit-html";
import { REASONS } from "../../../sdk/vocabulary.js";

/** What the row says when its button is pressed with no reason chosen. */
export const REASON_REQUIRED = "Choose a reason first: it is recorded on the ledger and shown to the requester and the person.";

/**
 * A labelled, required reason list (uint16 codes) starting on "choose a reason…", read back by
 * {@link withReason}. `about` completes the label for screen readers ("Reason for request 5"),
 * where every row has its own list.
 */
export function reasonPicker(id: string, about: string, label = "Reason", reasons: readonly { code: number; label: string }[] = REASONS): TemplateResult {
  return html`<label for=${id}>${label}<span class="visually-hidden"> for ${about}</span></label>
    <select id=${id} data-reason required aria-describedby=${`${id}-error`} @change=${cleared}>
      <option value="" selected disabled>choose a reason…</option>
      ${reasons.map((r) => html`<option value=${r.code}>${r.label}</option>`)}
    </select>
    <span class="meta" id=${`${id}-error`} role="alert" data-reason-error></span>`;
}

/** The reason chosen in the list next to the button that was pressed (the nearest row's), or undefined if none. */
export function reasonIn(e: Event): number | undefined {
  const select = pickerOf(e);
  return select && select.value !== "" ? Number(select.value) : undefined;
}

/**
 * Runs `run(code)` with the reason chosen next to the pressed button; with none chosen, runs
 * nothing and says so on the row (and moves the focus to the list).
 */
export function withReason(e: Event, run: (code: number) => void): void {
  const code = reasonIn(e);
  const select = pickerOf(e);
  if (code !== undefined) {
    run(code);
    return;
  }
  if (!select) return;
  select.setAttribute("aria-invalid", "true");
  const message = select.parentElement?.querySelector<HTMLElement>("[data-reason-error]");
  if (message) message.textContent = REASON_REQUIRED;
  select.focus();
}

function pickerOf(e: Event): HTMLSelectElement | null {
  return (e.currentTarget as HTMLElement | null)?.closest("li")?.querySelector<HTMLSelectElement>("select[data-reason]") ?? null;
}

/** A reason was picked: the row's complaint goes. */
function cleared(e: Event): void {
  const select = e.currentTarget as HTMLSelectElement;
  select.removeAttribute("aria-invalid");
  const message = select.parentElement?.querySelector<HTMLElement>("[data-reason-error]");
  if (message) message.textContent = "";
}
