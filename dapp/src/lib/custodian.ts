/**
 * The one CustodianClient of this tab. Kept out of the shell (only the requester and provider
 * pages import it), so its ECIES code loads with those pages, not with every page.
 */
import { CustodianClient } from "../../../sdk/custodian-client.js";
import type { DappConfig } from "./config.js";

let client: CustodianClient | undefined;

/** One client per tab: it spaces signed fetches of the same request (single-use signatures). */
export function custodianFor(config: DappConfig): CustodianClient {
  client ??= new CustodianClient(config.custodianUrl, {
    chainId: config.chainId,
    ledger: config.ledger,
    // CustodianClient calls its fetch as a method (`this.#fetch(…)`); browsers refuse a fetch
    // whose `this` is not the window ("Illegal invocation"), so hand it a plain function.
    fetch: (input, init) => globalThis.fetch(input, init),
  });
  return client;
}
