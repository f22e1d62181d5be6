/**
 * The key-custodian service, composed from its pipeline stages:
 *
 *   chain ──► sync/follower ──► store ◄── release/worker ──► chain (receipts)
 *                                 ▲  ▲
 *               http: POST /v1/keys   GET /v1/envelopes/:id (answered from the store alone)
 *
 * The store handed to the stages is wrapped by events/observe.ts, which publishes grants,
 * releases and revocations to the event bus (server-sent events) and counts releases for the
 * metrics once each write has committed.
 *
 * Threshold custody (service/custody/, when the deployment names a custody contract): providers
 * deposit key shares (POST /v1/shares), the worker releases this custodian's share of a version
 * with a custody record, and the shred watcher destroys shares whose shred order is final and
 * confirms it on chain.
 *
 * `createCustodian` takes its dependencies (provider, signer, keys, store, logger) so tests run
 * it in-process against a real local chain. It owns only what it creates (HTTP server, loops);
 * the caller owns and closes the store and the provider.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getAddress, JsonRpcApiProvider, JsonRpcProvider, type Provider, type Signer } from "ethers";
import { custodianDomain } from "../sdk/eip712.js";
import { connectLedger, type Deployment } from "../sdk/contracts.js";
import { keyPairFromPrivateKey } from "../sdk/crypto/ecies.js";
import { createKeyBox } from "./keys/at-rest.js";
import { defaultConfirmations } from "./internal/config.js";
import { FatalError, isRetryable, ProblemError } from "./internal/errors.js";
import type { Logger } from "./internal/logger.js";
import { backoff, Bell, createShutdown, sleep } from "./internal/shutdown.js";
import type { Store } from "./store/store.js";
import { createFollower, type Follower } from "./sync/follower.js";
import { createRawRpc, type RawRpc } from "./sync/rpc.js";
import { createDepositor } from "./keys/deposit.js";
import { createShareDepositor } from "./keys/share-deposit.js";
import { connectCustody, custodyAddressOf } from "./custody/contract.js";
import { createShredWatcher, shredTxHooks, type ShredWatcher } from "./custody/shred.js";
import { ensureIdentity, type CustodianIdentity } from "./keys/identity.js";
import { createReceipts, type ReceiptsMode } from "./receipts/receipts.js";
import { createReceiptReader, type ReceiptReader } from "./receipts/proofs.js";
import { createTxSubmitter } from "./receipts/tx.js";
import { createEnvelopeReader, createGrantStatusReader, createPartiesLookup } from "./http/serve.js";
import { createReleaseWorker, type ReleaseWorker, type WrapFn } from "./release/worker.js";
import { createHttpApp } from "./http/app.js";
import { apiOptions, type ApiOptions } from "./http/config.js";
import { createSessionService, nonceSecretFrom } from "./http/siwe.js";
import { createEventBus, type EventBus } from "./events/bus.js";
import type { EventRelay } from "./events/bus-relay.js";
import { createHealthMonitor, type HealthMonitor } from "./http/health.js";
import { createMetrics, type Metrics } from "./internal/metrics.js";
import { observeStore } from "./events/observe.js";
import { BACKEND as SECP256K1 } from "./keys/secp256k1.js";

export interface CustodianDeps {
  provider: Provider;
  /** The account holding CUSTODIAN_ROLE, connected to `provider`: signs envelopes and receipts. */
  signer: Signer;
  deployment: Deployment;
  /** The custodian's ECIES private key (32 bytes); its public key is published on chain. */
  eciesPrivateKey: Uint8Array;
  /** 32-byte key-encryption key for data keys at rest. */
  masterKey: Uint8Array;
  /** KEKs a master key rotation is retiring: keys sealed under them still open. */
  previousMasterKeys?: Uint8Array[];
  store: Store;
  log: Logger;
  /** Blocks behind the head before a grant is released (default: service/internal/config.ts `defaultConfirmations`). */
  confirmations?: number;
  pollMs?: number; // default 1000
  maxBlockRange?: number; // default 2000
  /** Accepted clock skew of signed requests, seconds (default 300). */
  maxSkewSeconds?: number;
  /** Wall clock, unix seconds (tests may move it). */
  now?: () => number;
  /** How long to keep retrying the startup checks while the RPC endpoint is down (default 60 s). */
  startupTimeoutMs?: number;
  /** HTTP API settings (CORS, rate limits, sessions, readiness); defaults in http/config.ts. */
  api?: Partial<ApiOptions>;
  /** Receipts: `batch` (default; Merkle roots) or `single` (recordRelease each), batch triggers. */
  receipts?: { mode?: ReceiptsMode; batchSize?: number; batchMaxAgeMs?: number };
  /** Custodian transactions: replace with +12.5% fees when not mined after this long / many blocks. */
  tx?: { bumpAfterMs?: number; bumpAfterBlocks?: number };
  /** Release worker: releases per round, grant re-checks in flight, ECIES implementation. */
  release?: { batchSize?: number; concurrency?: number; wrap?: WrapFn };
  /** Follower: backfill ranges in flight, final headers kept. */
  sync?: { concurrency?: number; keepHeaders?: number };
  /** How often a replica tries to take leadership (default 1000 ms; PostgreSQL stores only). */
  leaderPollMs?: number;
  /** Carries server-sent events between replicas (PostgreSQL LISTEN/NOTIFY; ./events/bus-relay.ts). */
  eventRelay?: EventRelay;
}

export interface Custodian {
  readonly app: ReturnType<typeof createHttpApp>;
  readonly follower: Follower;
  readonly worker: ReleaseWorker;
  /** Threshold custody's shred orders (undefined when the deployment names no custody contract). */
  readonly shredWatcher: ShredWatcher | undefined;
  readonly bus: EventBus;
  readonly metrics: Metrics;
  readonly health: HealthMonitor;
  /** Receipt inclusion proofs (GET /v1/receipts/:requestId). */
  readonly receipts: ReceiptReader;
  /** True while this instance ingests, releases and seals (always, on SQLite). */
  isLeader(): boolean;
  /** Undefined until {@link Custodian.start} has checked the role and published the key. */
  identity(): CustodianIdentity | undefined;
  /** Startup checks (chain, role, encryption key), then the follower and worker loops. */
  start(): Promise<CustodianIdentity>;
  /** Serves the HTTP API; resolves with the URL once listening. */
  listen(port: number, host?: string): Promise<{ url: string; server: Server }>;
  /** Stops serving and the loops (the store and provider stay open: the caller owns them). */
  stop(): Promise<void>;
}

export function createCustodian(deps: CustodianDeps): Custodian {
  const { provider, signer, deployment, log } = deps;
  const api = apiOptions(deps.api);
  const bus = createEventBus();
  const metrics = createMetrics();
  const store = observeStore(deps.store, { bus, metrics, provider, log: log.child({ stage: "events" }) });
  const pollMs = deps.pollMs ?? 1000;
  const confirmations = deps.confirmations ?? defaultConfirmations(deployment.chainId);
  const maxBlockRange = deps.maxBlockRange ?? 2000;
  const maxSkewSeconds = deps.maxSkewSeconds ?? 300;
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const domain = custodianDomain(BigInt(deployment.chainId), getAddress(deployment.ledger));
  const ledger = connectLedger(deployment.ledger, signer);
  // Threshold custody: on only when the deployment names a custody contract.
  const custodyAddress = custodyAddressOf(deployment);
  const custody = custodyAddress ? connectCustody(custodyAddress, signer) : undefined;
  const self = () => identity?.address;
  const keyBox = createKeyBox(deps.masterKey, deps.previousMasterKeys);
  const bell = new Bell();
  const shutdown = createShutdown(log);
  let identity: CustodianIdentity | undefined;
  const loops: Promise<void>[] = [];

  // The follower reads over a lean transport to the provider's endpoint when it is http(s).
  let rawRpc: RawRpc | undefined;
  if (provider instanceof JsonRpcProvider) {
    const conn = provider._getConnection();
    rawRpc = createRawRpc(conn.url, conn.timeout, conn.headers);
  }
  const follower = createFollower({
    provider,
    rpc: rawRpc?.send,
    ledger: deployment.ledger,
    store,
    log: log.child({ stage: "sync" }),
    confirmations,
    pollMs,
    maxBlockRange,
    startBlock: deployment.deployBlock,
    concurrency: deps.sync?.concurrency,
    keepHeaders: deps.sync?.keepHeaders,
    onEvent: (e) => {
      // Grants became final, receipts were confirmed, or a reorg changed what is due.
      if (e.type === "reorg" || e.result.finalizedGrants > 0 || e.result.confirmedReceipts > 0) bell.ring();
    },
  });
  const submitter = createTxSubmitter({
    provider,
    signer,
    chainId: BigInt(deployment.chainId),
    store,
    log: log.child({ stage: "tx" }),
    bumpAfterMs: deps.tx?.bumpAfterMs,
    bumpAfterBlocks: deps.tx?.bumpAfterBlocks,
  });
  const receipts = createReceipts({
    ledger,
    provider,
    store,
    log: log.child({ stage: "receipts" }),
    submitter,
    mode: deps.receipts?.mode ?? "batch",
    batchSize: deps.receipts?.batchSize,
    batchMaxAgeMs: deps.receipts?.batchMaxAgeMs,
    maxBlockRange,
    now,
    otherTxs: custody ? { shred: shredTxHooks({ custody, self, store }) } : undefined,
  });
  const worker = createReleaseWorker({
    ledger,
    store,
    keyBox,
    signer,
    domain,
    receipts,
    log: log.child({ stage: "release" }),
    bell,
    pollMs,
    now,
    batchSize: deps.release?.batchSize,
    concurrency: deps.release?.concurrency,
    wrap: deps.release?.wrap,
    custody: custody ? { custody, self, store } : undefined,
  });
  const shredWatcher: ShredWatcher | undefined = custody
    ? createShredWatcher({
        provider,
        custody,
        self,
        store,
        submitter,
        log: log.child({ stage: "shred" }),
        startBlock: deployment.deployBlock,
        maxBlockRange,
        pollMs,
        now,
      })
    : undefined;
  const deposit = createDepositor({
    ledger,
    store,
    keyBox,
    eciesPrivateKey: deps.eciesPrivateKey,
    domain,
    log: log.child({ stage: "deposit" }),
    bell,
    now,
    maxSkewSeconds,
  });
  const depositShare = createShareDepositor({
    ledger,
    custody,
    self,
    store,
    keyBox,
    eciesPrivateKey: deps.eciesPrivateKey,
    domain,
    log: log.child({ stage: "deposit" }),
    bell,
    now,
    maxSkewSeconds,
  });
  const receiptReader = createReceiptReader(store);
  const health = createHealthMonitor({
    provider,
    store,
    confirmations,
    started: () => identity !== undefined,
    maxLagBlocks: api.readiness.maxLagBlocks,
    chainTimeoutMs: api.readiness.chainTimeoutMs,
    log: log.child({ stage: "health" }),
  });
  metrics.setChainView(() => health.chainView());
  const freshness = async () => {
    const stale = await health.staleness(api.freshness);
    if (!stale) return;
    const why =
      stale.reason === "no-head-read"
        ? "the custodian has not read the chain head yet"
        : stale.reason === "head-read-too-old"
          ? `the custodian last read the chain head ${stale.staleSeconds} s ago (bound ${api.freshness.maxStaleSeconds} s)`
          : `the custodian's stored state is ${stale.behindBlocks ?? "?"} blocks behind the chain head (bound ${api.freshness.maxBehindBlocks})`;
    throw new ProblemError("chain-view-stale", `${why}; revocations may be unseen, so nothing is served meanwhile`, {
      reason: stale.reason,
      retryAfter: 5,
    });
  };
  const readerDeps = {
    store,
    domain,
    now,
    maxSkewSeconds,
    parties: createPartiesLookup(ledger, now),
    freshness,
    shredded: custody ? (datasetId: string, version: number, setId: number) => store.shredded(datasetId, version, setId) : undefined,
  };
  const app = createHttpApp({
    identity: () => identity,
    deposit,
    depositShare,
    readEnvelope: createEnvelopeReader(readerDeps),
    grantStatus: createGrantStatusReader(readerDeps),
    receipts: receiptReader,
    sessions: createSessionService({
      store,
      chainId: Number(deployment.chainId),
      origins: () => [...api.corsOrigins, ...(api.publicUrl ? [new URL(api.publicUrl).origin] : []), ...(publicOrigin ? [publicOrigin] : [])],
      secret: nonceSecretFrom(deps.masterKey),
      now,
      ttlSeconds: api.sessionTtlSeconds,
      maxSkewSeconds,
      provider,
      cacheSessions: deps.store.dialect === "sqlite", // one process ends sessions: see siwe.ts
    }),
    bus,
    metrics,
    health: async () => ({ status: identity ? "ok" : "starting", cursor: (await store.cursor()).blockNumber, chainTime: await store.chainTime() }),
    readiness: () => health.probe(),
    log: log.child({ stage: "http" }),
    options: api,
  });
  /** The listening URL's origin, accepted as a SIWE origin when no public URL is configured. */
  let publicOrigin: string | undefined;

  /**
   * The chain id the node itself reports (eth_chainId). Not `provider.getNetwork()`: the
   * provider is built with a static network taken from the deployment file, so that would
   * compare the file with itself.
   */
  async function nodeChainId(): Promise<bigint> {
    const send = rawRpc?.send ?? (provider instanceof JsonRpcApiProvider ? (m: string, p: unknown[]) => provider.send(m, p) : undefined);
    if (!send) return (await provider.getNetwork()).chainId;
    const answer = await send("eth_chainId", []);
    if (typeof answer !== "string" || !/^0x[0-9a-fA-F]+$/.test(answer)) throw new FatalError("the RPC endpoint answered eth_chainId with something that is not a chain id");
    return BigInt(answer);
  }

  async function checkChain(): Promise<CustodianIdentity> {
    // Before anything is signed or sent: the node must serve the deployment's chain (the store
    // was bound to that deployment when it was opened, so the database agrees too).
    const nodeChain = await nodeChainId();
    if (nodeChain.toString() !== deployment.chainId) {
      throw new FatalError(
        `the RPC endpoint serves chain ${nodeChain}, but the deployment (and the database bound to it) is on chain ${deployment.chainId}; ` +
          "point SEALSHARE_RPC_URL at a node of that chain or use the deployment file of this one",
      );
    }
    if ((await provider.getCode(deployment.ledger)) === "0x") {
      throw new FatalError(`no contract at ${deployment.ledger} on chain ${deployment.chainId}; check SEALSHARE_DEPLOYMENT`);
    }
    return ensureIdentity({
      ledger,
      provider,
      address: getAddress(await signer.getAddress()),
      chainId: deployment.chainId,
      encryptionPublicKey: keyPairFromPrivateKey(deps.eciesPrivateKey).publicKey,
      encryptionPrivateKey: deps.eciesPrivateKey,
      log,
      pollMs,
      signal: shutdown.signal,
      // Only the leader sends transactions; another replica waits for the leader's key.
      publish: await leadership.acquire(),
    });
  }

  /**
   * Replicas: every instance serves HTTP; the one holding the store's leadership (PostgreSQL
   * advisory lock) also runs the follower and the release worker. Leadership is re-checked
   * every `leaderPollMs`; losing it stops the loops at once, gaining it starts them.
   */
  const leadership = deps.store.leadership();
  let leading: AbortController | undefined;
  let leaderLoops: Promise<void>[] = [];
  async function leaderLoop(signal: AbortSignal): Promise<void> {
    const every = deps.leaderPollMs ?? 1000;
    while (!signal.aborted) {
      const lead = await leadership.acquire();
      if (lead && !leading) {
        leading = new AbortController();
        const inner = AbortSignal.any([signal, leading.signal]);
        leaderLoops = [follower.run(inner), worker.run(inner), ...(shredWatcher ? [shredWatcher.run(inner)] : [])];
        log.info({ dialect: deps.store.dialect }, "leading: ingesting, releasing and sealing receipts");
      } else if (!lead && leading) {
        leading.abort();
        leading = undefined;
        await Promise.allSettled(leaderLoops);
        log.warn("lost leadership: stopped ingesting and releasing; serving reads only");
      }
      await sleep(every, signal);
    }
    leading?.abort();
    await Promise.allSettled(leaderLoops);
    await leadership.release();
  }

  async function start(): Promise<CustodianIdentity> {
    const deadline = Date.now() + (deps.startupTimeoutMs ?? 60_000);
    for (let attempt = 0; ; attempt++) {
      try {
        identity = await checkChain();
        break;
      } catch (err) {
        if (!isRetryable(err) || Date.now() > deadline || shutdown.signal.aborted) throw err;
        const delay = backoff(attempt, 500, 5000);
        log.warn({ err, retryInMs: delay }, "startup: RPC endpoint unavailable, retrying");
        await sleep(delay, shutdown.signal);
      }
    }
    if (deps.eventRelay) {
      const relay = deps.eventRelay;
      await relay.start(bus);
      shutdown.onShutdown("event relay", () => relay.close());
    }
    loops.push(leaderLoop(shutdown.signal), health.run(shutdown.signal, api.readiness.probeEveryMs));
    shutdown.onShutdown("loops", async () => {
      await Promise.allSettled(loops);
      rawRpc?.close();
    });
    log.info(
      { address: identity.address, chainId: identity.chainId, ledger: identity.ledger, keyId: identity.keyId, secp256k1: SECP256K1.name },
      "custodian started",
    );
    return identity;
  }

  async function listen(port: number, host = "127.0.0.1"): Promise<{ url: string; server: Server }> {
    const server = createServer(app);
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    shutdown.onShutdown("http", () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const { port: bound } = server.address() as AddressInfo;
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
    publicOrigin ??= new URL(url).origin;
    log.info({ url }, "listening");
    return { url, server };
  }

  return {
    app,
    follower,
    worker,
    shredWatcher,
    bus,
    metrics,
    health,
    receipts: receiptReader,
    isLeader: () => leading !== undefined,
    identity: () => identity,
    start,
    listen,
    stop: () => shutdown.shutdown("stop"),
  };
}
