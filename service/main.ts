/**
 * Starts the key custodian from the environment (see service/internal/config.ts for every
 * variable) and prints one line with its URL on stdout when it is ready; logs go to stderr as
 * JSON. Stops cleanly on SIGINT/SIGTERM.
 *
 *   SEALSHARE_RPC_URL=http://127.0.0.1:8545 SEALSHARE_DEPLOYMENT=.demo/deployment.json \
 *   SEALSHARE_CUSTODIAN_KEY=0x… SEALSHARE_ECIES_KEY=0x… SEALSHARE_MASTER_KEY=0x… \
 *   npx tsx service/main.ts
 *
 * Secrets may instead come from an encrypted keystore (SEALSHARE_KEYSTORE +
 * SEALSHARE_KEYSTORE_PASSWORD; scripts/keystore.ts creates one). SEALSHARE_DB=postgres://…
 * runs it as one of several replicas sharing the database (one leads; all serve).
 */
import { FetchRequest, getAddress, getBytes, JsonRpcProvider, Network, Wallet } from "ethers";
import { pino } from "pino";
import { readDeployment } from "../sdk/deployment-file.js";
import { createCustodian } from "./custodian.js";
import { loadConfig } from "./internal/config.js";
import { FatalError } from "./internal/errors.js";
import { createLogger, scrubText, serializeError } from "./internal/logger.js";
import { readKeystore } from "./keys/keystore.js";
import { isPostgresUrl, openStore } from "./store/open.js";
import { createPgEventRelay } from "./events/bus-relay.js";

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, destination: pino.destination(2) });
  const deployment = await readDeployment(config.deploymentPath);
  // A stalled endpoint (connection accepted, never answered) must fail a call, not hang a loop.
  const rpc = new FetchRequest(config.rpcUrl);
  rpc.timeout = config.rpcTimeoutMs;
  const provider = new JsonRpcProvider(rpc, Network.from(BigInt(deployment.chainId)), {
    staticNetwork: true,
    pollingInterval: config.pollMs,
    // No response cache: back-to-back receipts must each read a fresh pending nonce.
    cacheTimeout: -1,
    // Calls made in the same tick still share one JSON-RPC batch, but none waits ethers' default
    // 10 ms for company: each wait would sit on the release latency (head poll, logs, re-checks).
    batchStallTime: 0,
  });
  const secrets = config.keystore
    ? await readKeystore(config.keystore.path, config.keystore.password)
    : { custodianKey: config.custodianKey!, eciesKey: config.eciesKey!, masterKey: config.masterKey!, previousMasterKeys: [] };
  const store = await openStore(config.dbPath, {
    chainId: deployment.chainId,
    ledger: getAddress(deployment.ledger),
    startBlock: deployment.deployBlock,
  });
  const custodian = createCustodian({
    provider,
    signer: new Wallet(secrets.custodianKey, provider),
    deployment,
    eciesPrivateKey: getBytes(secrets.eciesKey),
    masterKey: getBytes(secrets.masterKey),
    previousMasterKeys: (secrets.previousMasterKeys ?? []).map((k) => getBytes(k)),
    store,
    log,
    confirmations: config.confirmations,
    pollMs: config.pollMs,
    maxBlockRange: config.maxBlockRange,
    api: config.api,
    receipts: { mode: config.receipts, batchSize: config.batchSize, batchMaxAgeMs: config.batchMaxAgeMs },
    tx: { bumpAfterMs: config.txBumpAfterMs, bumpAfterBlocks: config.txBumpAfterBlocks },
    release: { batchSize: config.releaseBatch, concurrency: config.releaseConcurrency },
    sync: { concurrency: config.syncConcurrency, keepHeaders: config.keepHeaders },
    leaderPollMs: config.leaderPollMs,
    // Replicas share one PostgreSQL: carry server-sent events from the leader to all of them.
    eventRelay: isPostgresUrl(config.dbPath)
      ? createPgEventRelay({ connectionString: config.dbPath, chainId: deployment.chainId, ledger: getAddress(deployment.ledger), log: log.child({ stage: "relay" }) })
      : undefined,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    let code = 0;
    try {
      await custodian.stop();
      await store.close();
      provider.destroy();
    } catch (err) {
      log.error({ err }, "unclean shutdown");
      code = 1;
    }
    process.exit(code);
  };
  // `on`, not `once`: a process-group kill delivers the signal twice (via tsx and directly), and
  // a second delivery must not cut the clean shutdown short.
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  await custodian.start();
  const { url } = await custodian.listen(config.port, config.host);
  process.stdout.write(`sealshare custodian listening on ${url}\n`);
}

main().catch((err: unknown) => {
  // Configuration and setup problems are written for a person; anything else as a JSON line.
  const text = err instanceof FatalError ? scrubText(err.message) : JSON.stringify(serializeError(err));
  process.stderr.write(`sealshare custodian failed to start: ${text}\n`);
  process.exit(1);
});
