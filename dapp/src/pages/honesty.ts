/**
 * "What revocation can and cannot do" (docs/ARCHITECTURE.md), said the same way wherever a
 * subject revokes or reads about revoking.
 */
import { html, type TemplateResult } from "lit-html";

export const REVOCATION_TEXT = {
  title: "What revocation can and cannot do",
  can: "Revocation stops every future delivery: the custodian refuses to hand out the key once the grant is no longer valid, and the ledger says so to anyone who asks.",
  cannot: "A data key the requester already fetched cannot be taken back — it may have decrypted and kept the data.",
  rotate: "What the provider can do is rotate: publish a new version encrypted under a new key; the old key opens nothing new.",
};

export function honesty(headingLevel: "h2" | "h3" = "h3"): TemplateResult {
  const t = REVOCATION_TEXT;
  return html`<section class="card honesty" aria-labelledby="honesty-title" data-testid="revocation-honesty">
    ${headingLevel === "h2" ? html`<h2 id="honesty-title">${t.title}</h2>` : html`<h3 id="honesty-title">${t.title}</h3>`}
    <p>${t.can}</p>
    <p><strong>${t.cannot}</strong> ${t.rotate}</p>
  </section>`;
}
