/**
 * A link handed to another party in one click — by e-mail, the device's share sheet or the
 * clipboard — with the link on show and, folded away, the JSON it carries for the command line:
 * how the person's page sends a signed consent and an approver's page a signed approval.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { copyText } from "./parts.js";

export interface SendLink {
  /** Who receives it, in words: "Insurer (0x90F7…b906)". */
  to: string;
  /** The e-mail's subject. */
  subject: string;
  /** The e-mail's text; the link follows it. */
  text: string;
  link: string;
  /** The e-mail button's data-testid. */
  testId: string;
  /** Element ids of the link and JSON fields (unique on the page). */
  ids: { link: string; json: string };
  json: { value: string; label: string; summary: string | TemplateResult };
}

export function sendLinkView(o: SendLink): TemplateResult {
  const body = `${o.text}\n\n${o.link}\n`;
  const mail = `mailto:?subject=${encodeURIComponent(o.subject)}&body=${encodeURIComponent(body)}`;
  return html`<div class="actions">
      <a class="button" href=${mail} data-testid=${o.testId}>Send to ${o.to} by e-mail</a>
      ${"share" in navigator ? html`<button class="secondary" @click=${() => void navigator.share({ title: o.subject, text: body, url: o.link }).catch(() => undefined)}>Share…</button>` : nothing}
      <button class="secondary" @click=${() => void copyText(o.link)}>Copy link</button>
    </div>
    <div class="field">
      <label for=${o.ids.link}>The link you send</label>
      <input id=${o.ids.link} readonly .value=${o.link} />
    </div>
    <details>
      <summary>${o.json.summary}</summary>
      <div class="field">
        <label for=${o.ids.json}>${o.json.label}</label>
        <textarea id=${o.ids.json} readonly rows="8" .value=${o.json.value}></textarea>
      </div>
    </details>`;
}
