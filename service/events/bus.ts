/**
 * The in-process event bus: what changed for a requester, pushed to its server-sent-event
 * streams (GET /v1/events). The store observer (./observe.ts) publishes after each committed
 * change — a grant ingested, an envelope persisted or a release refused, a grant voided — and
 * the HTTP layer subscribes one listener per open stream.
 *
 * Messages carry an id `<boot>.<seq>`: `boot` is random per process, `seq` counts up. The bus
 * keeps the last `capacity` messages so a client that reconnects with `Last-Event-ID` gets what
 * it missed; when that is no longer possible (another process, or too far behind) {@link
 * EventBus.since} says so and the stream tells the client to re-read grant status.
 *
 * Delivery is at-least-once and advisory: a replayed block range may publish a grant twice
 * (clients de-duplicate by request id and kind); a `grant` is published when its event is
 * ingested, before the confirmation depth (a reorg may still orphan it), while a `release` only
 * follows a final grant. The source of truth stays the grant-status route. Several replicas:
 * only the ingesting one (the leader) publishes, and ./bus-relay.ts carries its events to the
 * others over PostgreSQL LISTEN/NOTIFY; see docs/OPERATIONS.md §4.
 */
import { randomBytes } from "node:crypto";

/** What a requester is told about one of its requests. Ids are decimal strings. */
export type CustodianEvent =
  | {
      type: "grant";
      requestId: string;
      requester: string;
      datasetId: string;
      kind: number; // GrantKind
      version: number;
      expiresAt: number; // unix seconds
      blockNumber: number;
    }
  | {
      type: "release";
      requestId: string;
      requester: string;
      kind: number;
      status: "released" | "refused";
      reason: string | null; // why refused (a GrantInvalidReason name or a custodian code)
    }
  | {
      type: "revocation";
      requestId: string;
      requester: string;
      reason: string; // VoidReason: Revoked, ConsentRevoked, RequesterSuspended, DatasetRetired, DeviceKeyChanged
    };

export type CustodianEventType = CustodianEvent["type"];

export interface BusMessage {
  id: string;
  event: CustodianEvent;
}

export type Listener = (m: BusMessage) => void;

export interface EventBus {
  publish(event: CustodianEvent): BusMessage;
  /** Returns the unsubscribe function. Listeners must not throw (errors are swallowed). */
  subscribe(listener: Listener): () => void;
  /** Messages after `lastId`, or "gap" when they cannot all be replayed from this process. */
  since(lastId: string): BusMessage[] | "gap";
  readonly listeners: number;
}

export function createEventBus(capacity = 1000): EventBus {
  const boot = randomBytes(4).toString("hex");
  const ring: BusMessage[] = [];
  const listeners = new Set<Listener>();
  let seq = 0;

  return {
    publish(event) {
      const m: BusMessage = { id: `${boot}.${++seq}`, event };
      ring.push(m);
      if (ring.length > capacity) ring.shift();
      for (const l of [...listeners]) {
        try {
          l(m);
        } catch {
          /* a broken stream must not stop the others */
        }
      }
      return m;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    since(lastId) {
      const m = /^([0-9a-f]{8})\.(\d{1,15})$/.exec(lastId);
      if (!m || m[1] !== boot) return "gap";
      const after = Number(m[2]);
      if (after > seq) return "gap";
      if (after === seq) return [];
      const oldest = ring[0] ? Number(ring[0].id.split(".")[1]) : seq + 1;
      if (after + 1 < oldest) return "gap";
      return ring.filter((x) => Number(x.id.split(".")[1]) > after);
    },
    get listeners() {
      return listeners.size;
    },
  };
}
