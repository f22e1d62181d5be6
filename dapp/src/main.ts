/**
 * The app shell: loads the deployment config, starts wallet discovery, and renders the header
 * (wallet + network), the role navigation and the current page. Routes live in the URL hash
 * (`#/subject?ask=…`), so the static build works from any folder and links never reach a server.
 */
import type { SealshareContext } from "../../sdk/actions/context.js";
import "./styles.css";
import { html, nothing, render } from "lit-html";
import { loadConfig, type DappConfig } from "./lib/config.js";
import { Session } from "./lib/session.js";
import { who } from "../../sdk/format.js";
import type { App, Page } from "./ui/parts.js";
import { namesOf } from "./ui/names.js";
import { homePage } from "./pages/home.js";

interface Route {
  path: string;
  title: string;
  /** Each role's page is its own chunk: the provider's encryption or the requester's ECIES code loads only there. */
  load: () => Promise<Page>;
  /** A page anyone uses without a wallet (it reads the public RPC): the header offers none. */
  walletless?: boolean;
}

const ROUTES: Route[] = [
  { path: "/subject", title: "My data (subject)", load: () => import("./pages/subject.js").then((m) => m.subjectPage) },
  { path: "/requester", title: "Request data (institution)", load: () => import("./pages/requester.js").then((m) => m.requesterPage) },
  { path: "/provider", title: "Provide data (institution)", load: () => import("./pages/provider.js").then((m) => m.providerPage) },
  { path: "/supervisor", title: "Supervise", load: () => import("./pages/supervisor.js").then((m) => m.supervisorPage) },
  { path: "/auditor", title: "Audit", load: () => import("./pages/auditor.js").then((m) => m.auditorPage), walletless: true },
];
const HOME: Route = { path: "/", title: "Sealshare", load: async () => homePage };

const root = document.getElementById("app")!;
root.textContent = ""; // the static "Loading…" line; lit-html renders next to existing children otherwise

function route(): { route: Route; params: URLSearchParams } {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  return { route: ROUTES.find((r) => r.path === path) ?? HOME, params: new URLSearchParams(query ?? "") };
}

async function start(): Promise<void> {
  let config: DappConfig;
  try {
    config = await loadConfig();
  } catch (err) {
    render(html`<main id="main"><h1>Sealshare</h1><p class="notice error" role="alert">The app's configuration could not be loaded: ${(err as Error).message}</p></main>`, root);
    return;
  }
  const session = new Session(config);
  let current = route();
  let page: Page | undefined;
  let reads: { key: string; reads: SealshareContext } | undefined;

  const app: App = {
    session,
    config,
    params: current.params,
    update: () => draw(),
    reads() {
      const key = `${session.status}:${session.account}:${session.chainId}`;
      if (reads?.key !== key) reads = { key, reads: session.readCtx() };
      return reads.reads;
    },
  };

  const header = () => {
    const s = session;
    if (current.route.walletless) return html`<header class="top"><h1><a href="#/">Sealshare</a></h1><div class="wallet"><span>Read-only: no wallet needed</span></div></header>`;
    return html`<header class="top">
      <h1><a href="#/">Sealshare</a></h1>
      <div class="wallet" aria-live="polite">
        ${s.status === "disconnected"
          ? html`${s.wallets.length > 1
                ? html`<label class="visually-hidden" for="wallet-pick">Wallet</label>
                    <select id="wallet-pick" @change=${(e: Event) => void s.connect((e.target as HTMLSelectElement).value)}>
                      ${s.wallets.map((w) => html`<option value=${w.info.uuid}>${w.info.name}</option>`)}
                    </select>`
                : nothing}
              <button data-testid="connect" @click=${() => void s.connect((document.getElementById("wallet-pick") as HTMLSelectElement | null)?.value)}>
                ${s.wallets[0] ? `Connect ${s.wallets[0].info.name}` : "Connect wallet"}
              </button>`
          : html`<span class="who" data-testid="account" title=${s.account!}>${who(s.account!, namesOf(app))}</span>
              <span>via ${s.wallet!.info.name}</span>
              <button class="secondary" @click=${() => s.disconnect()}>Disconnect</button>`}
      </div>
    </header>
    ${s.status === "wrong-chain"
      ? html`<div class="notice warn" role="alert" data-testid="wrong-chain" style="margin:0;border-radius:0">
          Your wallet is on chain ${s.chainId}, but this Sealshare deployment runs on <strong>${config.chainName}</strong> (chain ${config.chainId}).
          Nothing is read or sent until you switch.
          <button @click=${() => void s.switchChain()}>Switch to ${config.chainName}</button>
        </div>`
      : nothing}
    ${s.error ? html`<div class="notice error" role="alert" style="margin:0;border-radius:0">${s.error}</div>` : nothing}`;
  };

  const nav = () => html`<nav class="roles" aria-label="Roles">
    <ul>
      ${ROUTES.map((r) => html`<li><a href="#${r.path}" aria-current=${current.route === r ? "page" : "false"}>${r.title}</a></li>`)}
    </ul>
  </nav>`;

  const skip = (e: Event) => {
    e.preventDefault();
    document.getElementById("main")?.focus();
  };

  function draw(): void {
    render(
      html`<a class="skip" href="#main" @click=${skip}>Skip to content</a>
        ${header()} ${nav()}
        <main id="main" tabindex="-1">${page ? page.view(app) : html`<p class="meta" role="status">Loading…</p>`}</main>`,
      root,
    );
  }

  const enter = () => {
    document.title = current.route === HOME ? "Sealshare" : `${current.route.title} — Sealshare`;
    page?.enter?.(app);
  };

  /** Shows the current route: loads its page module, then enters it. */
  const show = async (focus: boolean) => {
    const shown = current.route;
    const next = await shown.load().catch((err: unknown) => {
      render(html`<main id="main"><p class="notice error" role="alert">This page could not be loaded: ${(err as Error).message}. Reload to try again.</p></main>`, root);
      return undefined;
    });
    if (!next || shown !== current.route) return; // navigated away meanwhile
    page = next;
    enter();
    draw();
    if (focus) document.getElementById("main")?.focus();
  };

  window.addEventListener("hashchange", () => {
    const next = route();
    if (next.route !== current.route) {
      page?.leave?.();
      page = undefined;
    }
    current = next;
    app.params = next.params;
    draw();
    void show(true);
  });

  let lastKey = "";
  session.subscribe(() => {
    const key = `${session.status}:${session.account}:${session.chainId}`;
    draw();
    if (key !== lastKey) {
      lastKey = key;
      enter(); // reload the page's data for the new account / chain
    }
  });
  session.start();
  draw();
  await show(false);
}

void start();
