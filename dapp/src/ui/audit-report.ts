/**
 * What "Verify everything" found (the SDK's verifyLedger): what was checked, in numbers, and
 * every violation by its code, in words, with the transaction to look at.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { VerifyReport } from "../../../sdk/audit/verify-ledger.js";
import type { DappConfig } from "../lib/config.js";
import { txLink } from "./parts.js";

export function verifyReport(config: DappConfig, r: VerifyReport): TemplateResult {
  const k = r.checked;
  return html`<div data-testid="verify-report">
    <p class="notice ${r.ok ? "ok" : "error"}" role=${r.ok ? "status" : "alert"} data-testid="verify-verdict">
      ${r.ok ? "No violations found." : `${r.violations.length} violation${r.violations.length === 1 ? "" : "s"} found.`}
    </p>
    <ul class="meta">
      <li>Ciphertexts: ${k.versions} version(s) checked against the ledger's records (the stored blobs are checked by “Check a stored ciphertext” below).</li>
      <li>Receipts: ${k.batches} sealed batch(es).</li>
      <li>Grants: ${k.grants} grant(s) and ${k.releases} key release(s) replayed against the rules.</li>
      ${r.notes.map((n) => html`<li>Note: ${n}</li>`)}
    </ul>
    ${r.violations.length
      ? html`<ol class="items" data-testid="violations">
          ${r.violations.map(
            (v) => html`<li data-violation=${v.code}>
              <strong>${v.code}</strong> (${v.check} check): ${v.message}${v.txHash ? html` · ${txLink(config, v.txHash)}` : nothing}
            </li>`,
          )}
        </ol>`
      : nothing}
  </div>`;
}
