/**
 * Carries the event bus between replicas over PostgreSQL LISTEN/NOTIFY, so a requester's
 * server-sent-event stream works on whichever replica it is connected to — not only on the
 * leader, the one process that ingests and releases and therefore the only one that publishes.
 *
 *   leader:   store write commits → observe.ts publishes on its bus → this relay NOTIFYs
 *   replicas: LISTEN → publish on their own bus → their open streams
 *
 * Each process tags what it sends with a random origin and ignores its own notifications, so
 * nothing loops. Delivery stays what the bus promises: advisory and at-least-once at best —
 * while the listening connection is down (it reconnects by itself, with back-off) notifications
 * are lost, and the message ids a replica hands out are its own, so a client reconnecting to
 * another replica gets a "gap" and re-reads grant status, which remains the source of truth.
 *
 * The channel is per deployment (chain id + ledger), so several deployments can share one
 * database. A NOTIFY payload is at most 8000 bytes; a bus event is a few hundred.
 */
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import type { CustodianEvent, EventBus } from "./bus.js";
import type { Logger } from "../internal/logger.js";
import { backoff, sleep } from "../internal/shutdown.js";

export interface EventRelay {
  /** Starts relaying `bus` both ways; resolves once listening (or after the first failure, retrying). */
  start(bus: EventBus): Promise<void>;
  close(): Promise<void>;
}

export interface PgEventRelayOptions {
  connectionString: string;
  chainId: string | number;
  ledger: string;
  log: Logger;
}

const EVENT_TYPES = new Set<CustodianEvent["type"]>(["grant", "release", "revocation"]);

/** The LISTEN channel of a deployment: a plain lower-case identifier (no quoting needed). */
export function relayChannel(chainId: string | number, ledger: string): string {
  const tag = createHash("sha256").update(`${chainId}:${ledger.toLowerCase()}`).digest("hex").slice(0, 16);
  return `sealshare_events_${tag}`;
}

interface Wire {
  origin: string;
  event: CustodianEvent;
}

function parseWire(payload: string | undefined): Wire | undefined {
  if (!payload) return undefined;
  try {
    const w = JSON.parse(payload) as Partial<Wire>;
    if (typeof w.origin !== "string" || !w.event || typeof w.event !== "object" || !EVENT_TYPES.has(w.event.type)) return undefined;
    if (typeof w.event.requestId !== "string" || typeof w.event.requester !== "string") return undefined;
    return w as Wire;
  } catch {
    return undefined;
  }
}

export function createPgEventRelay(opts: PgEventRelayOptions): EventRelay {
  const { log } = opts;
  const channel = relayChannel(opts.chainId, opts.ledger);
  const origin = randomBytes(8).toString("hex");
  const closing = new AbortController();
  // Sending uses a small pool of its own so a slow listener reconnect never blocks it.
  const sender = new pg.Pool({ connectionString: opts.connectionString, max: 1, application_name: "sealshare-custodian-relay" });
  sender.on("error", (err) => log.warn({ err }, "event relay: sender connection error"));
  let unsubscribe: (() => void) | undefined;
  let relaying = false; // set while re-publishing a remote event, so it is not sent back out
  let sending: Promise<unknown> = Promise.resolve();
  let loop: Promise<void> | undefined;

  /** One listening connection, until it is lost or the relay closes; `onListening` once LISTEN is in place. */
  async function listenOnce(bus: EventBus, onListening: () => void): Promise<void> {
    const client = new pg.Client({ connectionString: opts.connectionString, keepAlive: true, application_name: "sealshare-custodian-relay" });
    const lost = new Promise<void>((resolve) => {
      client.on("error", (err) => {
        log.warn({ err }, "event relay: listening connection lost; events from other replicas are missed until it is back");
        resolve();
      });
      client.on("end", () => resolve());
    });
    client.on("notification", (n) => {
      if (n.channel !== channel) return;
      const wire = parseWire(n.payload);
      if (!wire) return log.warn({ channel }, "event relay: ignored a malformed notification");
      if (wire.origin === origin) return;
      relaying = true;
      try {
        bus.publish(wire.event);
      } finally {
        relaying = false;
      }
    });
    await client.connect();
    try {
      await client.query(`LISTEN ${channel}`);
      log.info({ channel }, "event relay: listening for other replicas' events");
      onListening();
      await Promise.race([lost, sleep(2 ** 31 - 1, closing.signal)]);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  return {
    async start(bus) {
      unsubscribe = bus.subscribe((m) => {
        if (relaying) return;
        const payload = JSON.stringify({ origin, event: m.event } satisfies Wire);
        sending = sending
          .then(() => sender.query("SELECT pg_notify($1, $2)", [channel, payload]))
          .catch((err: unknown) => log.warn({ err, type: m.event.type }, "event relay: could not notify other replicas"));
      });
      let ready!: () => void;
      const started = new Promise<void>((resolve) => (ready = resolve));
      let failures = 0;
      loop = (async () => {
        while (!closing.signal.aborted) {
          try {
            await listenOnce(bus, () => {
              failures = 0;
              ready();
            });
          } catch (err) {
            log.warn({ err }, "event relay: cannot listen; retrying");
            ready(); // start() does not wait for the database: serving goes on, events from other replicas later
          }
          if (!closing.signal.aborted) await sleep(backoff(failures++, 250, 10_000), closing.signal);
        }
      })();
      await started;
    },
    async close() {
      unsubscribe?.();
      closing.abort();
      await loop?.catch(() => undefined);
      await sending.catch(() => undefined);
      await sender.end().catch(() => undefined);
    },
  };
}
