/**
 * Test clients for the custodian's server-sent events: a minimal EventSource over fetch and a
 * Sign-In with Ethereum session, shared by the SSE and replica tests.
 */
import { expect } from "chai";
import { SiweMessage } from "siwe";
import type { Wallet } from "ethers";

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** A minimal EventSource over fetch: collects events; `next(pred)` waits for a matching one. */
export function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const events: SseEvent[] = [];
  const waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  let status = 0;
  let ended = false;
  const ready = (async () => {
    const res = await fetch(url, { headers, signal: controller.signal });
    status = res.status;
    if (!res.ok || !res.body) return;
    void (async () => {
      const decoder = new TextDecoder();
      let buf = "";
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let i: number;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const e: SseEvent = { event: "message", data: "" };
            let any = false;
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) continue;
              const [k, ...rest] = line.split(":");
              const v = rest.join(":").replace(/^ /, "");
              if (k === "id") e.id = v;
              else if (k === "event") e.event = v;
              else if (k === "data") e.data += v;
              else continue;
              any = true;
            }
            if (!any || (e.event === "message" && !e.data)) continue;
            events.push(e);
            for (const w of [...waiters]) if (w.pred(e)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(e));
          }
        }
      } catch {
        /* aborted */
      }
      ended = true;
    })();
  })();
  return {
    ready: ready.then(() => status),
    events,
    get ended() {
      return ended;
    },
    next(pred: (e: SseEvent) => boolean, timeoutMs = 15_000): Promise<SseEvent> {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    close: () => controller.abort(),
  };
}


/** Signs in `who` at the custodian at `url` (SIWE) and returns the session token. */
export async function siweSession(url: string, who: Wallet, chainId = 31337): Promise<string> {
  const { nonce } = (await (await fetch(`${url}/v1/auth/nonce`, { method: "POST" })).json()) as { nonce: string };
  const host = new URL(url).host;
  const text = new SiweMessage({ domain: host, address: who.address, uri: url, version: "1", chainId, nonce, issuedAt: new Date().toISOString() }).prepareMessage();
  const res = await fetch(`${url}/v1/auth/siwe`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: text, signature: await who.signMessage(text) }),
  });
  expect(res.status).to.equal(201);
  return ((await res.json()) as { token: string }).token;
}
