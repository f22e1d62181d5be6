/**
 * The names every page shows next to addresses: each member's verified name, read from the
 * chain by the SDK's resolveMemberNames (the SDK's namesWithMembers, kept synchronous for views) (the name a supervisor wrote in the member's record),
 * over the deployment config's `names` (written by `sealshare dev` or an operator), which the
 * SDK's `who()` shows flagged "unverified". A view calls {@link namesOf} while it renders; the
 * chain's names arrive shortly after the first render and the page re-renders once they change.
 * They are read again at most once per poll interval (the SDK reads only the blocks since), so a
 * member a supervisor just registered gets its name without a reload.
 */
import { getAddress } from "ethers";
import { resolveMemberNames, type MemberNames } from "../../../sdk/actions/resolve-member-names.js";
import type { SealshareContext } from "../../../sdk/actions/context.js";
import type { NameBook } from "../../../sdk/format.js";
import type { App } from "./parts.js";

interface Known {
  names: MemberNames;
  readAt: number;
  reading: boolean;
  /** A read put off because the last one was less than a poll interval ago. */
  later?: ReturnType<typeof setTimeout>;
}

/** Per read context (one per account and chain: App.reads()), what the chain said last. */
const known = new WeakMap<SealshareContext, Known>();

/** The names to show now: the chain's verified names over the config's (unverified) ones. */
export function namesOf(app: App): NameBook {
  let ctx: SealshareContext;
  try {
    if (!app.session.canRead || app.session.status === "wrong-chain") return app.config.names;
    ctx = app.reads();
  } catch {
    return app.config.names; // no way to read the ledger yet (no wallet, no public RPC)
  }
  let k = known.get(ctx);
  if (!k) known.set(ctx, (k = { names: {}, readAt: 0, reading: false }));
  refresh(app, ctx, k);
  return { ...app.config.names, ...k.names };
}

function refresh(app: App, ctx: SealshareContext, k: Known): void {
  if (k.reading) return;
  const wait = k.readAt + app.config.pollMs - Date.now();
  if (wait > 0) {
    // Read once the interval is up, whether or not the page renders again by then: a render right
    // after a registration (the page reloads its lists at once) must not leave the new member's
    // name unread until some later render happens to come.
    k.later ??= setTimeout(() => {
      k.later = undefined;
      refresh(app, ctx, k);
    }, wait);
    return;
  }
  k.reading = true;
  resolveMemberNames(ctx)
    .then((names) => {
      const changed = JSON.stringify(names) !== JSON.stringify(k.names);
      k.names = names;
      if (changed) app.update();
    })
    .catch(() => undefined) // names are a nicety: the page still shows addresses, and its own reads report the RPC's failure
    .finally(() => {
      k.readAt = Date.now();
      k.reading = false;
    });
}

/** The name's text alone (no flag), the chain's before the config's; undefined: none known. For a record that has its own field for it (a consent receipt's controller). */
export function nameText(app: App, address: string): string | undefined {
  const n = namesOf(app)[getAddress(address)];
  return typeof n === "string" ? n : n?.name;
}
