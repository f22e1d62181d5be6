/**
 * Pieces several role pages share: running an action with a busy flag and a notice, loading a
 * page's data in order, following the chain while a page is shown, and the datasets a list of
 * requests names. (How things look is in ../ui/.)
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { SealshareContext } from "../../../sdk/actions/context.js";
import { getCategoryFloors } from "../../../sdk/actions/get-category-floors.js";
import { getDataset, type GetDatasetResult } from "../../../sdk/actions/get-dataset.js";
import { follow, type LiveHandle } from "../lib/live.js";
import { failure, type App, type Notice, type Page } from "../ui/parts.js";

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

/** A page's loader, and whether the connected account's data has been read once (else its lists say "loading"). */
export type AccountLoader = ((app: App) => Promise<void>) & { loaded(app: App): boolean };

/**
 * A page's data loader for a connected account: `read` gathers everything into locals, `show`
 * publishes it — only if this run is still the latest ({@link latestOnly}); a failure goes to
 * `failed` (undefined once a load succeeds). The page re-renders after each run. `loaded(app)`
 * is true once a read for the account now connected has been shown: until then a page shows
 * "loading", never an empty list that would read as "nothing happened".
 */
export function accountLoader<T>(o: { read: (reads: SealshareContext, me: string, app: App) => Promise<T>; show: (data: T) => void; failed: (n: Notice | undefined) => void }): AccountLoader {
  const start = latestOnly();
  let shownFor: string | undefined;
  const load = async (app: App) => {
    const me = app.session.account;
    if (app.session.status !== "ready" || !me) return;
    const run = start();
    try {
      const data = await o.read(app.reads(), me, app);
      if (!run.current()) return;
      o.show(data);
      shownFor = me;
      o.failed(undefined);
    } catch (err) {
      if (run.current()) o.failed(failure(err));
    }
    app.update();
  };
  return Object.assign(load, { loaded: (app: App) => !!shownFor && shownFor === app.session.account });
}

/** What a page shows in place of its lists until its first read for this account is in. */
export const loadingView = (what: string): TemplateResult => html`<p class="meta" role="status" data-testid="loading">Loading ${what} from the ledger…</p>`;

/**
 * A page that loads on entry and then follows the chain: `load` runs again on every new block
 * while the page is shown (lib/live.ts), and stops when the page is left.
 */
export function chainFollowingPage(o: { load: (app: App) => Promise<void>; enter?: (app: App) => void; view: (app: App) => TemplateResult }): Page {
  let live: LiveHandle | undefined;
  return {
    enter(app) {
      o.enter?.(app);
      void o.load(app);
      live?.stop();
      if (app.session.status === "ready") live = follow({ pollMs: app.config.pollMs, refresh: () => o.load(app), head: () => app.session.reader.getBlockNumber() });
    },
    leave() {
      live?.stop();
    },
    view: o.view,
  };
}

/**
 * The datasets `requests` name, keyed by id, with the rules a grant needs now. Read again on
 * every refresh: a policy or its category's floor may have changed since.
 */
export async function datasetsOf(reads: SealshareContext, requests: readonly { datasetId: bigint }[]): Promise<Map<string, GetDatasetResult>> {
  const floors = await getCategoryFloors(reads);
  const datasets = await Promise.all([...new Set(requests.map((r) => r.datasetId))].map((datasetId) => getDataset(reads, { datasetId, floors })));
  return new Map(datasets.map((d) => [d.datasetId.toString(), d]));
}
