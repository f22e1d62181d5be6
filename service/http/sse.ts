/**
 * One server-sent-event stream (GET /v1/events) for one authenticated account: the bus's
 * messages about that account's requests, as they happen.
 *
 *   retry: 3000                       reconnect delay for EventSource
 *   id: <boot>.<seq>                  per message; send it back as Last-Event-ID to resume
 *   event: grant | release | revocation
 *   data: {"type":…,"requestId":…}    the {@link CustodianEvent}, one JSON line
 *   event: resync                     what was missed cannot be replayed: re-read grant status
 *   event: end                        the session ended (expired or logged out); sign in again
 *   : ping                            heartbeat every `heartbeatMs` (keeps proxies from idling it out)
 *
 * The stream closes when the session expires or is logged out (checked at each heartbeat), when
 * the client goes away, when the client reads too slowly (over 1 MB buffered), or at shutdown.
 */
import type { Request, Response } from "express";
import type { BusMessage, EventBus } from "../events/bus.js";
import type { Logger } from "../internal/logger.js";
import type { Metrics } from "../internal/metrics.js";

export interface StreamDeps {
  bus: EventBus;
  metrics: Metrics;
  log: Logger;
  heartbeatMs: number;
  /** Still a live session? Checked at every heartbeat. */
  sessionAlive: () => Promise<boolean>;
}

const MAX_BUFFERED = 1_000_000;

export function openEventStream(
  req: Request,
  res: Response,
  session: { address: string; expiresAt: number },
  lastEventId: string | undefined,
  deps: StreamDeps,
): void {
  const mine = (m: BusMessage) => m.event.requester === session.address;
  res.status(200);
  res.set({
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  deps.metrics.sseStreams.inc();

  let closed = false;
  const send = (text: string) => {
    if (closed) return;
    res.write(text);
    if (res.writableLength > MAX_BUFFERED) {
      deps.log.warn({ account: session.address }, "event stream closed: the client reads too slowly");
      close();
    }
  };
  const sendMessage = (m: BusMessage) => send(`id: ${m.id}\nevent: ${m.event.type}\ndata: ${JSON.stringify(m.event)}\n\n`);
  const end = (reason: string) => {
    send(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    close();
  };

  send("retry: 3000\n\n");
  if (lastEventId) {
    const missed = deps.bus.since(lastEventId);
    if (missed === "gap") send(`event: resync\ndata: ${JSON.stringify({ reason: "missed events cannot be replayed; re-read grant status" })}\n\n`);
    else missed.filter(mine).forEach(sendMessage);
  }
  const unsubscribe = deps.bus.subscribe((m) => {
    if (mine(m)) sendMessage(m);
  });
  const heartbeat = setInterval(() => {
    void deps.sessionAlive().then(
      (alive) => (alive ? send(": ping\n\n") : end("session-ended")),
      () => send(": ping\n\n"),
    );
  }, deps.heartbeatMs);
  const expiry = setTimeout(() => end("session-expired"), Math.max(0, session.expiresAt * 1000 - Date.now()));

  function close() {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    clearTimeout(expiry);
    unsubscribe();
    deps.metrics.sseStreams.dec();
    res.end();
  }
  req.on("close", close);
  res.on("close", close);
}
