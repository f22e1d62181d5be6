/**
 * RPC outage cycles against real processes: a `hardhat node`, the custodian as its own process
 * (`tsx service/main.ts`), and a TCP proxy (./tcp-proxy.ts) between the two that drops or stalls
 * every connection on command. The test process talks to the chain directly, so the ledger keeps
 * moving while the custodian is cut off.
 *
 * One cycle:
 *   1. register fresh datasets and deposit their keys (custodian connected);
 *   2. cut the link — `drop` (connections reset) and `stall` (accepted, never answered) alternate;
 *   3. /readyz must turn 503 with the `chain` check failed; /healthz must still answer; a grant
 *      released before the outage is revoked on chain (directly on the node, which the
 *      custodian cannot see): once the custodian's chain view is older than its bound
 *      (SEALSHARE_SERVE_MAX_STALE_SECONDS, 2 s here) its envelope must NOT be served — 503
 *      `chain-view-stale`, fail closed — and after the outage it is 410 `grant-revoked`;
 *   4. during the outage: grants for the new datasets, and one grant revoked before the
 *      custodian could see it;
 *   5. restore the link: /readyz must turn 200 by itself, every grant of the outage must be
 *      released and open to its data key, the revoked one must never be (410, no receipt), and
 *      nobody but the requester gets an envelope.
 * On Anvil each cycle also makes a REAL reorg behind the custodian's back: two blocks it has
 * followed (the head, where its own receipt transactions may sit) are replaced by
 * `anvil_reorg` while it is cut off, so on its return it must find the fork, roll back and carry
 * on (its dropped transactions resent, never landing twice).
 *
 * Tallies: `lost` = a grant never released; `unauthorized` = an envelope served to anyone but
 * the requester, for the grant revoked before release, or for a grant revoked during the outage;
 * `staleRefused` = outages during which the revoked grant's envelope was refused as stale; `duplicated` = more than one
 * KeyReleased receipt for one (request, kind), or a second, different envelope for it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hexlify, type Wallet } from "ethers";
import { writeDeployment } from "../../sdk/deployment-file.js";
import { CustodianClient, CustodianError } from "../../sdk/custodian-client.js";
import type { Envelope } from "../../sdk/envelope.js";
import { createWorld, type World } from "../../devkit/world.js";
import { nodeControl, type NodeKind } from "../../devkit/local-chain.js";
import type { CustodianProcess } from "../../devkit/custodian-process.js";
import { startLocalCustodian } from "../../devkit/local-deployment.js";
import { startTcpProxy, type TcpProxy } from "../../devkit/tcp-proxy.js";

export interface OutageTally {
  outages: number;
  /** Real reorgs made while the custodian was cut off (Anvil only). */
  reorgs: number;
  grants: number;
  released: number;
  unauthorized: number;
  lost: number;
  duplicated: number;
  /** Outages in which a grant revoked during the outage was refused (503 chain-view-stale). */
  staleRefused: number;
  /** Human-readable reasons for every non-zero bad tally. */
  problems: string[];
}

export interface OutageRig {
  world: World;
  proxy: TcpProxy;
  custodian: CustodianProcess;
  client: CustodianClient;
  custodianAddress: string;
  logPath: string;
  stop(): Promise<void>;
}

/** The custodian's serve freshness bound in the rig (seconds since its last head read). */
export const STALE_BOUND_SECONDS = 2;

/** Chain, ledger, proxy, and the custodian process behind the proxy. */
export async function startOutageRig(opts: { node?: NodeKind } = {}): Promise<OutageRig> {
  const world = await createWorld({ node: opts.node });
  const work = mkdtempSync(join(tmpdir(), "sealshare-outage-"));
  const proxy = await startTcpProxy({ host: "127.0.0.1", port: world.chain.port });
  const deploymentPath = join(work, "deployment.json");
  await writeDeployment(deploymentPath, world.deployment);
  let custodian: CustodianProcess;
  try {
    custodian = await startLocalCustodian({
      rpcUrl: proxy.url,
      deploymentPath,
      dir: work,
      custodianKey: world.chain.accounts[2]!,
      eciesKey: hexlify(world.secrets.eciesKey),
      masterKey: hexlify(world.secrets.masterKey),
      pollMs: 100,
      env: {
        SEALSHARE_RPC_TIMEOUT_MS: "1500",
        SEALSHARE_READY_CHAIN_TIMEOUT_MS: "700",
        SEALSHARE_RATE_LIMIT_IP_PER_MIN: "1000000",
        SEALSHARE_RATE_LIMIT_ACCOUNT_PER_MIN: "1000000",
        SEALSHARE_LOG_LEVEL: "info",
        SEALSHARE_SERVE_MAX_STALE_SECONDS: String(STALE_BOUND_SECONDS),
        // Not a block behind the head it last read: after the outage nothing is served until the
        // follower has ingested what happened meanwhile (the revocation among it).
        SEALSHARE_SERVE_MAX_BEHIND_BLOCKS: "0",
      },
    });
  } catch (err) {
    await proxy.close();
    await world.close();
    throw err;
  }
  const client = new CustodianClient(custodian.url, { chainId: world.deployment.chainId, ledger: world.deployment.ledger });
  const info = await client.info();
  return {
    world,
    proxy,
    custodian,
    client,
    custodianAddress: info.address,
    logPath: custodian.logPath,
    async stop() {
      await custodian.stop();
      await proxy.close();
      await world.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

async function waitFor(fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

async function json(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls /readyz until it is (or is not) ready; returns the last answer. */
export async function waitReadiness(url: string, ready: boolean, timeoutMs: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await json(`${url}/readyz`).catch(() => ({ status: 0, body: {} }));
    if ((r.status === 200) === ready && r.status !== 0) return r;
    if (Date.now() > deadline) throw new Error(`/readyz did not become ${ready ? "ready" : "not ready"} within ${timeoutMs} ms: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

/** Fetches as `who` until the answer settles: an envelope, or the error code. */
async function settle(client: CustodianClient, who: Wallet, requestId: bigint, timeoutMs: number): Promise<Envelope | string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await client.fetchEnvelope(who, requestId);
      if (r.status === "ready") return r.envelope;
    } catch (err) {
      // Not seen yet, or the custodian's chain view is not fresh yet (just after an outage): ask again.
      const transient = err instanceof CustodianError && (err.code === "unknown-request" || err.code === "chain-view-stale");
      if (!transient) return err instanceof CustodianError ? err.code : String(err);
    }
    if (Date.now() > deadline) return "timeout";
    await new Promise((res) => setTimeout(res, 250));
  }
}

export interface OutageOptions {
  cycles: number;
  grantsPerOutage?: number; // default 2
  /** How long the link stays cut after the grants (default 1000 ms). */
  holdMs?: number;
  say?: (line: string) => void;
}

export async function runOutageCycles(rig: OutageRig, o: OutageOptions): Promise<OutageTally> {
  const { world, proxy, client } = rig;
  const { insurer, mallory } = world.accounts;
  const url = rig.custodian.url;
  const say = o.say ?? (() => undefined);
  const t: OutageTally = { outages: 0, reorgs: 0, grants: 0, released: 0, unauthorized: 0, lost: 0, duplicated: 0, staleRefused: 0, problems: [] };
  const info = await client.info();
  let earlier: { requestId: bigint; envelope: Envelope } | undefined;

  for (let cycle = 0; cycle < o.cycles; cycle++) {
    const mode = cycle % 2 === 0 ? "drop" : "stall";
    // 1. datasets and keys, while connected
    const datasets = [];
    for (let i = 0; i < (o.grantsPerOutage ?? 2) + 1; i++) {
      const ds = await world.registerDataset();
      await client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: ds.version, dek: ds.dek, custodianKey: info.encryptionKey });
      datasets.push(ds);
    }
    const revokedDs = datasets.pop()!;
    // A grant released while connected, to be revoked during the outage.
    const victimDs = await world.registerDataset();
    await client.depositKey(world.accounts.bank, { datasetId: victimDs.datasetId, version: victimDs.version, dek: victimDs.dek, custodianKey: info.encryptionKey });
    const { requestId: victimId } = await world.grantedRequest(victimDs);
    const victimBefore = await settle(client, insurer, victimId, 30_000);
    if (typeof victimBefore === "string") t.problems.push(`cycle ${cycle}: grant ${victimId} was not released before the outage (${victimBefore})`);
    const ctl = nodeControl(world.chain.node, world.provider);
    if (ctl.realReorgs) {
      // Two more blocks, followed by the custodian before the cut (its head and cursor on them).
      await ctl.mine(2);
      const head = await world.provider.getBlockNumber();
      await waitFor(async () => {
        const r = await json(`${url}/readyz`).catch(() => undefined);
        const c = r?.body.checks as { chain?: { head?: number }; ingestion?: { lagBlocks?: number } } | undefined;
        return c?.chain?.head !== undefined && c.chain.head >= head && c.ingestion?.lagBlocks === 0;
      }, 15_000);
    }

    // 2–3. cut, and see the service say so; (Anvil) the two blocks it saw last are reorganized
    // away behind its back, before anything else happens on chain
    proxy[mode]();
    t.outages++;
    if (ctl.realReorgs) {
      await ctl.reorg(2);
      t.reorgs++;
    }
    const down = await waitReadiness(url, false, 15_000);
    const failed = (down.body.failed as string[] | undefined) ?? [];
    if (down.status !== 503 || !failed.includes("chain")) t.problems.push(`cycle ${cycle}: /readyz during the ${mode} outage answered ${down.status} ${JSON.stringify(failed)}`);
    const live = await json(`${url}/healthz`).catch(() => ({ status: 0, body: {} }));
    if (live.status !== 200) t.problems.push(`cycle ${cycle}: /healthz answered ${live.status} during the outage`);
    // Revoked on chain where the custodian cannot see it: fail closed once its view is too old.
    await (await world.as(world.accounts.sup).revokeGrant(victimId, 2)).wait();
    await new Promise((res) => setTimeout(res, (STALE_BOUND_SECONDS + 1.5) * 1000));
    const during = await client.fetchEnvelope(insurer, victimId).then(
      (r) => (r.status === "ready" ? "an envelope" : "pending"),
      (e: unknown) => (e instanceof CustodianError ? `${e.status} ${e.code}` : String(e)),
    );
    if (during === "an envelope") {
      t.unauthorized++;
      t.problems.push(`cycle ${cycle}: the envelope of grant ${victimId}, revoked during the ${mode} outage, was served while the custodian could not see the chain`);
    } else if (during === "503 chain-view-stale") t.staleRefused++;
    else t.problems.push(`cycle ${cycle}: the fetch of grant ${victimId} during the outage answered ${during}, not 503 chain-view-stale`);

    // 4. grants the custodian cannot see yet, and one revoked before it can
    const granted: { requestId: bigint; dek: Uint8Array }[] = [];
    for (const ds of datasets) {
      const { requestId } = await world.grantedRequest(ds);
      granted.push({ requestId, dek: ds.dek });
      t.grants++;
    }
    const { requestId: revokedId } = await world.grantedRequest(revokedDs);
    await (await world.as(world.accounts.sup).revokeGrant(revokedId, 1)).wait();
    await new Promise((res) => setTimeout(res, o.holdMs ?? 1000));

    // 5. restore and check
    proxy.restore();
    const upAt = Date.now();
    await waitReadiness(url, true, 60_000);
    say(`outage ${t.outages} (${mode}${ctl.realReorgs ? ", a depth-2 reorg meanwhile" : ""}): not ready during, ready ${Date.now() - upAt} ms after the link came back`);

    const results = await Promise.all(granted.map((g) => settle(client, insurer, g.requestId, 60_000)));
    results.forEach((r, i) => {
      const g = granted[i]!;
      if (typeof r === "string") {
        t.lost++;
        t.problems.push(`cycle ${cycle}: grant ${g.requestId} was not released (${r})`);
        return;
      }
      const dek = client.openEnvelope(r, world.deviceKeys.insurer.privateKey, rig.custodianAddress);
      if (hexlify(dek) !== hexlify(g.dek)) {
        t.lost++;
        t.problems.push(`cycle ${cycle}: grant ${g.requestId} released a key that is not its data key`);
        return;
      }
      t.released++;
      earlier = { requestId: g.requestId, envelope: r };
    });
    for (const g of granted) {
      const stranger = await settle(client, mallory, g.requestId, 10_000);
      if (typeof stranger !== "string" || stranger !== "not-requester") {
        t.unauthorized++;
        t.problems.push(`cycle ${cycle}: a stranger's fetch of ${g.requestId} answered ${typeof stranger === "string" ? stranger : "an envelope"}`);
      }
    }
    const victimAfter = await settle(client, insurer, victimId, 20_000);
    if (victimAfter !== "grant-revoked") {
      t.unauthorized += typeof victimAfter === "string" ? 0 : 1;
      t.problems.push(`cycle ${cycle}: grant ${victimId}, revoked during the outage, answered ${typeof victimAfter === "string" ? victimAfter : "an envelope"} after it`);
    }
    const revoked = await settle(client, insurer, revokedId, 20_000);
    if (revoked !== "grant-revoked") {
      t.unauthorized += typeof revoked === "string" ? 0 : 1;
      t.problems.push(`cycle ${cycle}: the grant revoked during the outage answered ${typeof revoked === "string" ? revoked : "an envelope"}`);
    }
    if ((await world.keyReleasedLogs(revokedId)).length > 0) {
      t.unauthorized++;
      t.problems.push(`cycle ${cycle}: a receipt was recorded for the grant revoked before release`);
    }
    // An envelope is issued once: a second fetch must return the very same one.
    if (earlier) {
      const second = await settle(client, insurer, earlier.requestId, 10_000);
      if (typeof second === "string" || second.signature !== earlier.envelope.signature) {
        t.duplicated++;
        t.problems.push(`cycle ${cycle}: request ${earlier.requestId} answered a different envelope the second time`);
      }
    }
    for (const g of granted) {
      const logs = await world.keyReleasedLogs(g.requestId);
      const perKind = new Map<number, number>();
      for (const l of logs) perKind.set(l.kind, (perKind.get(l.kind) ?? 0) + 1);
      for (const [kind, n] of perKind) {
        if (n > 1) {
          t.duplicated++;
          t.problems.push(`cycle ${cycle}: request ${g.requestId} kind ${kind} has ${n} KeyReleased receipts`);
        }
      }
    }
    if (ctl.realReorgs) {
      // It noticed: the follower logged the reorg it came back to (its log file, pino JSON).
      const logged = async () => (await readFile(rig.logPath, "utf8").catch(() => "")).split("\n").filter((l) => l.includes("reorg detected")).length;
      await waitFor(async () => (await logged()) >= t.reorgs, 5_000).catch(() => undefined);
      const seen = await logged();
      if (seen < t.reorgs) t.problems.push(`cycle ${cycle}: ${t.reorgs} reorgs made while cut off, the custodian logged ${seen}`);
    }
  }
  return t;
}
