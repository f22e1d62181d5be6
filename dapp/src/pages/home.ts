/**
 * The landing page: what Sealshare is, and one door per role.
 */
import { html } from "lit-html";
import type { Page } from "../ui/parts.js";
import { honesty } from "./honesty.js";

const ROLES = [
  { path: "/subject", title: "My data", text: "You are the person the data is about: see who asks, give or revoke consent, see who received your data." },
  { path: "/requester", title: "Request data", text: "An institution asking for a person's data with their consent: request, follow approvals, decrypt." },
  { path: "/provider", title: "Provide data", text: "An institution holding records: publish them encrypted and approve requests." },
  { path: "/supervisor", title: "Supervise", text: "The regulator: approve requests, revoke grants, keep the member register." },
  { path: "/auditor", title: "Audit", text: "Anyone: rebuild and verify the history from the public ledger." },
];

export const homePage: Page = {
  view(app) {
    return html`<h2>Share financial data only with consent</h2>
      <p class="lead">
        A person's financial records are shared between institutions only with their consent, the data provider's approval and, where policy says so, a supervisor's
        sign-off. Every step is recorded on the ledger at <code>${app.config.ledger}</code> (${app.config.chainName}); the data stays encrypted and is decrypted
        only in the recipient's browser.
      </p>
      <div class="grid">
        ${ROLES.map((r) => html`<section class="card"><h3><a href="#${r.path}">${r.title}</a></h3><p>${r.text}</p></section>`)}
      </div>
      ${honesty()}`;
  },
};
