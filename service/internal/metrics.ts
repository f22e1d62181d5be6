/**
 * Prometheus metrics (prom-client), one registry per custodian instance (so several instances
 * in one test process do not collide). Served at GET /metrics; docs/OPERATIONS.md says what
 * each one means and what to alert on.
 *
 *   sealshare_chain_head_block              gauge      latest block the RPC endpoint reported
 *   sealshare_chain_up                      gauge      1 if the last chain probe answered in time
 *   sealshare_ingest_cursor_block           gauge      last block whose events are applied
 *   sealshare_ingest_lag_blocks             gauge      (head − confirmations) − cursor, ≥ 0
 *   sealshare_releases_total{kind}          counter    envelopes persisted (temporary | formal)
 *   sealshare_release_refusals_total{reason} counter   releases closed without an envelope
 *   sealshare_release_latency_seconds       histogram  grant block timestamp → envelope persisted
 *   sealshare_http_requests_total{method,route,status}            counter
 *   sealshare_http_request_duration_seconds{method,route,status}  histogram
 *   sealshare_sse_streams                   gauge      open server-sent-event streams
 *   sealshare_events_published_total{type}  counter    bus messages (grant | release | revocation)
 * plus prom-client's default process and Node.js metrics (process_*, nodejs_*).
 *
 * Chain and cursor gauges are read at scrape time from the health monitor (its probe is reused
 * for a second and bounded by the readiness chain timeout) and the store.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface ChainView {
  head: number | null;
  up: boolean;
  cursor: number | null;
  lag: number | null;
}

export interface Metrics {
  readonly registry: Registry;
  readonly releases: Counter<"kind">;
  readonly refusals: Counter<"reason">;
  readonly releaseLatency: Histogram;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  readonly sseStreams: Gauge;
  readonly eventsPublished: Counter<"type">;
  /** Where the chain gauges read from at scrape time (the health monitor). */
  setChainView(view: () => Promise<ChainView>): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

export const KIND_LABEL: Record<number, string> = { 1: "temporary", 2: "formal" };

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  let view: () => Promise<ChainView> = async () => ({ head: null, up: false, cursor: null, lag: null });
  // One read of the view per scrape, shared by the four chain gauges.
  let pending: Promise<ChainView> | undefined;
  const read = () => (pending ??= view().finally(() => setTimeout(() => (pending = undefined), 0)));

  const gauge = (name: string, help: string, pick: (v: ChainView) => number | null) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const v = pick(await read());
        if (v === null) this.reset();
        else this.set(v);
      },
    });
  gauge("sealshare_chain_head_block", "Latest block number the RPC endpoint reported", (v) => v.head);
  gauge("sealshare_chain_up", "1 if the last chain probe answered within its timeout, else 0", (v) => (v.up ? 1 : 0));
  gauge("sealshare_ingest_cursor_block", "Last block whose ledger events are applied to the store", (v) => v.cursor);
  gauge("sealshare_ingest_lag_blocks", "Confirmed head (head - confirmations) minus the ingestion cursor", (v) => v.lag);

  return {
    registry,
    releases: new Counter({ name: "sealshare_releases_total", help: "Key envelopes persisted, by grant kind", labelNames: ["kind"], registers: [registry] }),
    refusals: new Counter({
      name: "sealshare_release_refusals_total",
      help: "Releases closed without an envelope, by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    releaseLatency: new Histogram({
      name: "sealshare_release_latency_seconds",
      help: "Seconds from the grant's block timestamp to its envelope being persisted",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: "sealshare_http_requests_total",
      help: "HTTP requests answered, by method, route template and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "sealshare_http_request_duration_seconds",
      help: "HTTP request duration until the answer was sent, by method, route template and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    sseStreams: new Gauge({ name: "sealshare_sse_streams", help: "Open server-sent-event streams", registers: [registry] }),
    eventsPublished: new Counter({
      name: "sealshare_events_published_total",
      help: "Events published to server-sent-event streams, by type",
      labelNames: ["type"],
      registers: [registry],
    }),
    setChainView(v) {
      view = v;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
