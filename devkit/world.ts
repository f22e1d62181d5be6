/**
 * A Sealshare world on a real local chain (devkit/local-chain.ts) with the key custodian
 * running in-process: deployed ledger, a supervisor, Bank (provider), Insurer and Lender
 * (requesters) with device keys, Ana (subject), and helpers to register datasets, consent,
 * request and approve. Used by the service tests; the end-to-end test and the demo can reuse it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { getAddress, id, JsonRpcProvider, Network, randomBytes, Wallet } from "ethers";
import { deployLedger, type Deployment, type Sealshare } from "../sdk/contracts.js";
import { generateEncryptionKeyPair, type EncryptionKeyPair } from "../sdk/crypto/ecies.js";
import { GrantKind, Purpose } from "../sdk/vocabulary.js";
import type { ConsentTerms } from "../sdk/eip712.js";
import { CustodianClient } from "../sdk/custodian-client.js";
import { createCustodian, type Custodian, type CustodianDeps } from "../service/custodian.js";
import { createLogger } from "../service/internal/logger.js";
import { openStore } from "../service/store/open.js";
import type { Store } from "../service/store/store.js";
import { consentTerms, DAY, giveConsent, HOUR, mined, publishDeviceKey, registerMembers, registerPlaceholderDataset, type Dataset } from "./build.js";
import { startLocalChain, type LocalChain, type NodeKind } from "./local-chain.js";

export { DAY, HOUR };

export const DEVICE = { insurer: id("insurer/laptop-1"), lender: id("lender/server-1") } as const;

/** Formal grants only (no temporary stage): provider + one supervisor. */
export const FORMAL_ONLY = { requireProvider: true, supervisorQuorum: 1, maxTemporary: 0, maxFormal: 30 * DAY };
/** A temporary grant after the provider's approval, upgraded to formal by the supervisor. */
export const WITH_TEMPORARY = { requireProvider: true, supervisorQuorum: 1, maxTemporary: HOUR, maxFormal: 30 * DAY };

export interface RunningCustodian {
  custodian: Custodian;
  store: Store;
  url: string;
  client: CustodianClient;
  provider: JsonRpcProvider;
  stop(): Promise<void>;
}

export type { Dataset };

export function fastProvider(url: string, chainId = 31337n): JsonRpcProvider {
  return new JsonRpcProvider(url, Network.from(chainId), { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
}

export async function createWorld(opts: { node?: NodeKind } = {}) {
  const chain: LocalChain = await startLocalChain({ node: opts.node });
  const provider = fastProvider(chain.url);
  const w = (i: number) => new Wallet(chain.accounts[i]!, provider);
  const [admin, sup, custodianAccount, bank, insurer, lender, ana, mallory] = [0, 1, 2, 3, 4, 5, 6, 7].map(w) as [
    Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet,
  ];
  const { ledger: deployed, deployment } = await deployLedger(admin, { supervisors: [sup.address], custodian: custodianAccount.address });
  const ledger = deployed as Sealshare;
  const as = (x: Wallet) => ledger.connect(x) as Sealshare;

  await registerMembers(ledger, sup, [bank.address, insurer.address, lender.address]);
  const deviceKeys: Record<"insurer" | "lender", EncryptionKeyPair> = {
    insurer: generateEncryptionKeyPair(),
    lender: generateEncryptionKeyPair(),
  };
  /** Publishes `key` as `owner`'s `deviceId`, with the proof of possession the ledger requires. */
  const publishKey = (owner: Wallet, deviceId: string, key: EncryptionKeyPair) => publishDeviceKey(ledger, owner, deviceId, key);
  await publishKey(insurer, DEVICE.insurer, deviceKeys.insurer);
  await publishKey(lender, DEVICE.lender, deviceKeys.lender);

  const secrets = {
    eciesKey: generateEncryptionKeyPair().privateKey,
    masterKey: new Uint8Array(randomBytes(32)),
  };
  const tmp = mkdtempSync(join(tmpdir(), "sealshare-custodian-"));
  const dbPath = join(tmp, "custodian.db");
  const logLines: string[] = [];
  const logSink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });

  async function chainNow(): Promise<number> {
    return (await provider.getBlock("latest"))!.timestamp;
  }

  /**
   * Starts a custodian in-process on a free port, on the world's database file (or `opts.db`).
   * Receipts default to `single` here (the custodian tests read KeyReleased events); the
   * release tests pass `receipts: { mode: "batch" }`.
   */
  async function startCustodian(
    opts: Partial<Pick<CustodianDeps, "receipts" | "confirmations" | "release" | "tx" | "sync" | "api" | "maxBlockRange">> & {
      db?: string;
      /** false: no follower/worker loops — the test steps `custodian.follower` and `custodian.worker` itself. */
      loops?: boolean;
    } = {},
  ): Promise<RunningCustodian> {
    const { loops = true, db, ...custodianOpts } = opts;
    const cProvider = fastProvider(chain.url);
    const store = await openStore(db ?? dbPath, { chainId: deployment.chainId, ledger: getAddress(deployment.ledger), startBlock: deployment.deployBlock });
    const custodian = createCustodian({
      receipts: { mode: "single" },
      ...custodianOpts,
      provider: cProvider,
      signer: new Wallet(chain.accounts[2]!, cProvider),
      deployment,
      eciesPrivateKey: secrets.eciesKey,
      masterKey: secrets.masterKey,
      store,
      log: createLogger({ level: "debug", destination: logSink }),
      pollMs: 50,
      startupTimeoutMs: 10_000,
    });
    if (loops) await custodian.start();
    const { url } = await custodian.listen(0, "127.0.0.1");
    const client = new CustodianClient(url, { chainId: deployment.chainId, ledger: deployment.ledger });
    return {
      custodian,
      store,
      url,
      client,
      provider: cProvider,
      async stop() {
        await custodian.stop();
        await store.close();
        cProvider.destroy();
      },
    };
  }

  /**
   * Bank registers a dataset about Ana with a fresh DEK and the matching v2 commitment (bound to
   * this chain, ledger, the id the ledger will assign and version 1). `opts.commitment` registers
   * another commitment instead (e.g. one copied from somebody else's dataset).
   */
  const deks: Uint8Array[] = [];
  async function registerDataset(policy = FORMAL_ONLY, opts: { commitment?: string; merkleRoot?: string } = {}): Promise<Dataset> {
    const ds = await registerPlaceholderDataset(ledger, deployment, bank, ana.address, policy, opts);
    deks.push(ds.dek);
    return ds;
  }

  /** Ana consents (by transaction) to `requester` for `datasetId`, underwriting, 30 days. */
  async function consent(datasetId: bigint, requester: Wallet = insurer): Promise<{ terms: ConsentTerms; consentId: string }> {
    const terms = consentTerms({ subject: ana.address, requester: requester.address, datasetId, now: BigInt(await chainNow()) });
    return { terms, consentId: await giveConsent(ledger, ana, terms) };
  }

  /** `requester` asks for `datasetId` under `terms`; returns the request id. */
  async function request(
    terms: ConsentTerms,
    datasetId: bigint,
    opts: { requester?: Wallet; device?: string; duration?: number; kind?: number } = {},
  ): Promise<bigint> {
    const requester = opts.requester ?? insurer;
    const tx = await mined(
      as(requester).requestAccess(
        {
          datasetId,
          version: 0,
          purpose: Purpose.underwriting,
          kind: opts.kind ?? GrantKind.Formal,
          duration: opts.duration ?? 7 * DAY,
          deviceId: opts.device ?? DEVICE.insurer,
        },
        terms,
      ),
    );
    const receipt = await tx.wait();
    for (const l of receipt!.logs) {
      const p = ledger.interface.parseLog(l);
      if (p?.name === "AccessRequested") return p.args.requestId as bigint;
    }
    throw new Error("no AccessRequested log");
  }

  async function approveByProvider(requestId: bigint) {
    await mined(as(bank).approveAsProvider(requestId));
  }
  async function approveBySupervisor(requestId: bigint) {
    await mined(as(sup).approveAsSupervisor(requestId));
  }

  /** A whole share up to the formal grant: dataset consent, request, both approvals. */
  async function grantedRequest(ds: Dataset, opts: { duration?: number } = {}): Promise<{ requestId: bigint; consentId: string }> {
    const { terms, consentId } = await consent(ds.datasetId);
    const requestId = await request(terms, ds.datasetId, opts);
    await approveByProvider(requestId);
    await approveBySupervisor(requestId);
    return { requestId, consentId };
  }

  /** KeyReleased logs of a request. */
  async function keyReleasedLogs(requestId: bigint) {
    const logs = await ledger.queryFilter(ledger.filters.KeyReleased(requestId), deployment.deployBlock);
    return logs.map((l) => ({ kind: Number(l.args.kind), envelopeHash: l.args.envelopeHash, requester: l.args.requester, datasetId: l.args.datasetId }));
  }

  async function close() {
    provider.destroy();
    await chain.stop();
    rmSync(tmp, { recursive: true, force: true });
  }

  return {
    chain,
    provider,
    ledger,
    deployment: deployment as Deployment,
    accounts: { admin, sup, custodian: custodianAccount, bank, insurer, lender, ana, mallory },
    as,
    deviceKeys,
    publishKey,
    secrets,
    dbPath,
    logLines,
    /** Every DEK registered so far (to check none leaks into logs). */
    deks,
    chainNow,
    startCustodian,
    registerDataset,
    consent,
    request,
    approveByProvider,
    approveBySupervisor,
    grantedRequest,
    keyReleasedLogs,
    close,
  };
}

export type World = Awaited<ReturnType<typeof createWorld>>;

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
