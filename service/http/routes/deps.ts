/** What the route modules need: the stages they call and the HTTP layer's own services. */
import type { EventBus } from "../../events/bus.js";
import type { Readiness } from "../health.js";
import type { Logger } from "../../internal/logger.js";
import type { Metrics } from "../../internal/metrics.js";
import type { RateLimits } from "../ratelimit.js";
import type { Depositor } from "../../keys/deposit.js";
import type { ShareDepositor } from "../../keys/share-deposit.js";
import type { CustodianIdentity } from "../../keys/identity.js";
import type { ReceiptReader } from "../../receipts/proofs.js";
import type { EnvelopeReader, GrantStatusReader } from "../serve.js";
import type { ApiOptions } from "../config.js";
import type { SessionService } from "../siwe.js";

export interface HealthReport {
  status: "ok" | "starting";
  cursor: number;
  chainTime: number;
}

export interface RouteDeps {
  identity: () => CustodianIdentity | undefined; // undefined until startup checks are done
  deposit: Depositor;
  /** Threshold custody: a provider's deposit of this custodian's key share (POST /v1/shares). */
  depositShare: ShareDepositor;
  readEnvelope: EnvelopeReader;
  grantStatus: GrantStatusReader;
  /** Receipt inclusion proofs (service/receipts/proofs.ts). */
  receipts: ReceiptReader;
  sessions: SessionService;
  bus: EventBus;
  /** Liveness facts (no chain call). */
  health: () => Promise<HealthReport>;
  /** Readiness (../health.ts): database, chain, ingestion lag. */
  readiness: () => Promise<Readiness>;
  metrics: Metrics;
  limits: RateLimits;
  log: Logger;
  options: ApiOptions;
  /** The OpenAPI document (built once from the same routes). */
  openapi: () => unknown;
}

/**
 * Stand-in dependencies for building the OpenAPI document without a running custodian: route
 * declarations read nothing from their deps until a handler runs, and no handler runs then.
 */
export const DOCUMENT_ONLY_DEPS: RouteDeps = new Proxy({} as RouteDeps, {
  get(_t, prop) {
    throw new Error(`route dependency ${String(prop)} used while only building the API document`);
  },
});
