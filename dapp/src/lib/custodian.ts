/**
 * The CustodianClients of this tab. Kept out of the shell (only the requester and provider
 * pages import it), so its ECIES code loads with those pages, not with every page.
 *
 * Threshold custody: one client per custodian URL of the config (`custodianUrls`), the same
 * client for the same URL all along. Each client's envelope fetches are observed (asked,
 * answered, pending, refused; unreachable for any call that cannot reach the service) so the
 * fetch page can show every custodian's progress;
 * whose answer counts is the SDK's decision (fetchThresholdKey checks each against the chain).
 */
import { CustodianClient } from "../../../sdk/custodian-client.js";
import type { DappConfig } from "./config.js";

/** What a custodian's service did with the envelope fetch this tab sent it. */
export type CustodianAnswerStatus = "asking" | "answered" | "pending" | "refused" | "unreachable";

const clients = new Map<string, CustodianClient>();
let listener: ((url: string, status: CustodianAnswerStatus) => void) | undefined;

/**
 * Reports every envelope fetch's outcome per custodian URL to `fn` until the returned function is
 * called (one listener at a time: the fetch in progress).
 */
export function watchEnvelopeFetches(fn: (url: string, status: CustodianAnswerStatus) => void): () => void {
  listener = fn;
  return () => {
    if (listener === fn) listener = undefined;
  };
}

function clientFor(config: DappConfig, url: string): CustodianClient {
  let client = clients.get(url);
  if (!client) {
    const isEnvelope = (input: RequestInfo | URL) => /\/v1\/envelopes\//.test(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    client = new CustodianClient(url, {
      chainId: config.chainId,
      ledger: config.ledger,
      // CustodianClient calls its fetch as a method (`this.#fetch(…)`); browsers refuse a fetch
      // whose `this` is not the window ("Illegal invocation"), so hand it a plain function.
      fetch: (input, init) => {
        const watched = isEnvelope(input);
        if (watched) listener?.(url, "asking");
        return globalThis.fetch(input, init).then(
          (res) => {
            if (watched) listener?.(url, res.status === 200 ? "answered" : res.status === 202 ? "pending" : "refused");
            return res;
          },
          (err: unknown) => {
            // Any call that cannot reach the service (the SDK first asks each who it is) means it is down.
            listener?.(url, "unreachable");
            throw err;
          },
        );
      },
    });
    clients.set(url, client);
  }
  return client;
}

/** One client per URL per tab: it spaces signed fetches of the same request (single-use signatures). */
export function custodianFor(config: DappConfig): CustodianClient {
  return clientFor(config, config.custodianUrl);
}

/** A client for every custodian URL of the config, in its order (threshold custody). */
export function custodiansFor(config: DappConfig): CustodianClient[] {
  return config.custodianUrls.map((url) => clientFor(config, url));
}
