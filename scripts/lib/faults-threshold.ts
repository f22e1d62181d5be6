/**
 * Fault loops for threshold custody, against real processes: a `hardhat node`, the ledger with
 * SealshareCustody beside it, and THREE custodian services (`service/main.ts`, each its own
 * account, ECIES key, master key and SQLite file) registered on chain as a 2-of-3 set; the
 * version's key is dealt with the SDK's `depositShares`.
 *
 *   const r = await runThresholdFaults({ cycles: 5, grants: 30 });
 *   // r.unauthorized === 0 && r.lost === 0 && r.duplicated === 0 && r.liarNamed > 0
 *
 * What happens:
 *  - a lying custodian: custodian C (index 2) is reached only through an HTTP proxy of this
 *    harness that forwards everything but rewrites every envelope C serves — its share replaced
 *    by a random one wrapped to the requester's device key (what a lying custodian would send;
 *    the shipped service has no switch to lie, so the lie lives here, in front of it);
 *  - `cycles` times: grants pour in (some revoked in the very next block, inside the
 *    confirmation window, so never to be released) while ONE of the three custodians, chosen at
 *    random, is SIGKILLed at a random moment (0.3–2.5 s into the cycle), then restarted on its
 *    own database (the proxy follows C to its new port);
 *  - at the end every custodian runs until each valid grant is released by all three.
 *
 * What is checked (the report's counters):
 *  - every valid grant (isGrantValid on the final chain) is fetched by the requester with the
 *    SDK's `fetchGrantKey` through the three URLs (C's being the proxy): it must rebuild the
 *    dealt key from ≥ t = 2 combinable shares, never use C's share, and name C whenever C's
 *    answer was looked at (`liarNamed` counts those; it must be > 0 over a run);
 *  - lost:         a valid grant that does not end with ≥ t combinable shares (the fetch fails),
 *                  or that an honest custodian never released;
 *  - unauthorized: an envelope, in any custodian's store, for a grant revoked fewer than
 *                  `confirmations` blocks after it (never final while valid: the custodian's head
 *                  re-check must refuse it), or a fetch whose combined key used the liar's share.
 *                  (A revocation that lands later — the custodians' own receipt transactions mine
 *                  blocks too — revokes a grant that was already final and may have been served);
 *  - duplicated:   a custodian holding more than one released envelope for one grant and kind;
 *  - then the provider orders the version's shares shredded: all three custodians must confirm
 *    on chain, `audit verify` (with the custody contract, two days of chain time later, a one-day
 *    deadline) must find no violation, and a fetch must then fail with CUSTODY_SHREDDED.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { getAddress, getBytes, hexlify, id, JsonRpcProvider, Network, randomBytes, Wallet, ZeroAddress, type ContractTransactionResponse } from "ethers";
import { CUSTODIAN_ROLE, connectCustody, type Sealshare, type SealshareCustody } from "../../sdk/contracts.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { depositShares } from "../../sdk/actions/deposit-shares.js";
import { fetchThresholdKey } from "../../sdk/actions/fetch-threshold-key.js";
import { fetchGrantKey } from "../../sdk/actions/fetch-grant-key.js";
import type { CustodyContext } from "../../sdk/actions/custody-context.js";
import { wrapShare } from "../../sdk/threshold/wrap.js";
import { GrantKind, Purpose } from "../../sdk/vocabulary.js";
import { openStore } from "../../service/store/open.js";
import { verifyLedger } from "../../sdk/audit/verify.js";
import { consentTerms, giveConsent, publishDeviceKey, registerCustodianSet, registerMembers, registerPlaceholderDataset } from "../../devkit/build.js";
import { startCustodianProcess, type CustodianProcess } from "../../devkit/custodian-process.js";
import { deployToFolder } from "../../devkit/local-deployment.js";
import { startLocalChain } from "../../devkit/local-chain.js";

export interface ThresholdFaultOptions {
  /** SIGKILL / restart cycles, each of one custodian at random (default 5). */
  cycles?: number;
  /** Grants created over the run, valid and revoked (default 30). */
  grants?: number;
  /** Confirmation depth of every custodian; revocations land inside it (default 3). */
  confirmations?: number;
  /** Share of grants revoked in the block after their grant (default 0.15). */
  revokedShare?: number;
  /** How long to wait for the three custodians to settle at the end (default 120 s). */
  settleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ThresholdFaultReport {
  threshold: number;
  n: number;
  cycles: number;
  kills: number;
  /** Valid grants on the final chain. */
  grants: number;
  revoked: number;
  /** Of those, revoked inside the confirmation window (must never have been released). */
  revokedInWindow: number;
  /** Valid grants whose key the requester rebuilt from ≥ t shares. */
  combined: number;
  /** Fetches in which the lying custodian was named (its answer looked at and refused). */
  liarNamed: number;
  liar: string;
  /** Envelopes the proxy rewrote. */
  lies: number;
  /** Custodians that confirmed the final shred order on chain (3 of 3 expected). */
  shredConfirmed: number;
  /** Violations `audit verify` (with custody) finds on the final chain, two days after the shred (must be 0). */
  auditViolations: number;
  unauthorized: number;
  lost: number;
  duplicated: number;
  durationMs: number;
  problems: string[];
}

const DAY = 86_400;
const THRESHOLD = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An HTTP proxy to a (movable) custodian that replaces the share of every envelope it serves. */
async function startLyingProxy(devicePublicKey: Uint8Array): Promise<{ url: string; target: { url: string }; lies: number; close(): Promise<void> }> {
  const state = { target: { url: "" }, lies: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const to = new URL(req.url ?? "/", state.target.url);
    const up = httpRequest(to, { method: req.method, headers: { ...req.headers, host: to.host } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (c: Buffer) => chunks.push(c));
      answer.on("end", () => {
        let body = Buffer.concat(chunks);
        const headers = { ...answer.headers };
        if (answer.statusCode === 200 && /^\/v1\/envelopes\//.test(to.pathname)) {
          const envelope = JSON.parse(body.toString("utf8")) as { wrappedKey: string; share?: unknown };
          if (envelope.share) {
            envelope.wrappedKey = hexlify(wrapShare(devicePublicKey, randomBytes(33))); // a share that is no share
            body = Buffer.from(JSON.stringify(envelope));
            state.lies++;
          }
          delete headers["content-length"];
          delete headers.etag;
        }
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(body);
      });
    });
    up.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/problem+json" });
      res.end(JSON.stringify({ type: "urn:sealshare:problem:upstream-down", title: "custodian down", status: 502, code: "upstream-down" }));
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    target: state.target,
    get lies() {
      return state.lies;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function runThresholdFaults(opts: ThresholdFaultOptions = {}): Promise<ThresholdFaultReport> {
  const started = Date.now();
  const cycles = opts.cycles ?? 5;
  const total = opts.grants ?? 30;
  const confirmations = opts.confirmations ?? 3;
  const log = opts.log ?? (() => undefined);
  const report: ThresholdFaultReport = { threshold: THRESHOLD, n: 3, cycles: 0, kills: 0, grants: 0, revoked: 0, revokedInWindow: 0, combined: 0, liarNamed: 0, liar: "", lies: 0, shredConfirmed: 0, auditViolations: 0, unauthorized: 0, lost: 0, duplicated: 0, durationMs: 0, problems: [] };
  const work = await mkdtemp(join(tmpdir(), "sealshare-faults-threshold-"));
  const chain = await startLocalChain({ accounts: 8 });
  const provider = new JsonRpcProvider(chain.url, Network.from(31337n), { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const w = (i: number) => new Wallet(chain.accounts[i]!, provider);
  const custodianAccounts = [2, 5, 7];
  const procs: (CustodianProcess | undefined)[] = [undefined, undefined, undefined];
  let proxy: Awaited<ReturnType<typeof startLyingProxy>> | undefined;
  try {
    const [admin, sup, bank, insurer, ana] = [0, 1, 3, 4, 6].map(w) as [Wallet, Wallet, Wallet, Wallet, Wallet];
    const { ledger: deployed, deployment, deploymentPath } = await deployToFolder(admin, { supervisors: [sup.address], custodian: w(2).address }, work);
    const ledger = deployed as Sealshare;
    const as = (x: Wallet) => ledger.connect(x) as Sealshare;
    const mined = async (tx: Promise<ContractTransactionResponse>) => (await (await tx).wait())!;
    const custody = connectCustody(deployment.custody, admin);
    for (const i of custodianAccounts.slice(1)) await mined(as(admin).grantRole(CUSTODIAN_ROLE, w(i).address));

    const secrets = custodianAccounts.map(() => ({ ecies: hexlify(randomBytes(32)), master: hexlify(randomBytes(32)) }));
    const dbPath = (k: number) => join(work, `custodian-${k}.db`);
    async function start(k: number): Promise<void> {
      procs[k] = await startCustodianProcess({
        rpcUrl: chain.url,
        deploymentPath,
        dbPath: dbPath(k),
        logPath: join(work, `custodian-${k}.log`),
        custodianKey: chain.accounts[custodianAccounts[k]!]!,
        eciesKey: secrets[k]!.ecies,
        masterKey: secrets[k]!.master,
        confirmations,
        pollMs: 100,
        timeoutMs: 120_000,
        env: { SEALSHARE_BATCH_SIZE: "8", SEALSHARE_BATCH_MAX_AGE_MS: "1000", SEALSHARE_LOG_LEVEL: "info" },
      });
      if (k === 2 && proxy) proxy.target.url = procs[k]!.url;
    }

    await registerMembers(ledger, sup, [bank.address, insurer.address]);
    const device = id("faults/threshold-device");
    const deviceKey = generateEncryptionKeyPair();
    await publishDeviceKey(ledger, insurer, device, deviceKey);
    proxy = await startLyingProxy(deviceKey.publicKey);
    for (let k = 0; k < 3; k++) await start(k); // one after another: each publishes its share key
    report.liar = getAddress(w(custodianAccounts[2]!).address);
    const setId = Number(await registerCustodianSet(custody, admin, custodianAccounts.map((i) => w(i).address), THRESHOLD));

    const policy = { requireProvider: false, supervisorQuorum: 0, maxTemporary: 0, maxFormal: 30 * DAY };
    const ds = await registerPlaceholderDataset(ledger, deployment, bank, ana.address, policy, { size: 1n });
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    const terms = consentTerms({ subject: ana.address, requester: ZeroAddress, datasetId: 0n, now, receipt: "threshold faults consent" });
    await giveConsent(ledger, ana, terms);
    const clientsOf = () => [procs[0]!.url, procs[1]!.url, proxy!.url].map((u) => new CustodianClient(u, { chainId: deployment.chainId, ledger: deployment.ledger }));
    // The provider deals to the custodians themselves (the proxy only lies about envelopes).
    const direct = procs.map((p) => new CustodianClient(p!.url, { chainId: deployment.chainId, ledger: deployment.ledger }));
    const bankCtx: CustodyContext = { ledger: as(bank), signer: bank, custody: custody.connect(bank) as SealshareCustody, fromBlock: deployment.deployBlock };
    const dealt = await depositShares(bankCtx, { datasetId: ds.datasetId, version: 1, setId, dek: ds.dek, custodians: direct });
    if (dealt.delivered.length !== 3) throw new Error(`only ${dealt.delivered.length} of 3 custodians took their share`);
    log(`  ledger ${deployment.ledger}, custody ${deployment.custody}, 2-of-3 set #${setId}; custodian ${report.liar} (index 2) behind a lying proxy`);

    let maxRid = 0;
    let created = 0;
    /** Grants revoked fewer than `confirmations` blocks after their grant: never final while valid. */
    const revokedInWindow = new Set<number>();
    const revokedShare = opts.revokedShare ?? 0.15;
    async function grants(n: number): Promise<void> {
      for (let i = 0; i < n && created < total; i++, created++) {
        const receipt = await mined(as(insurer).requestAccess({ datasetId: ds.datasetId, version: 0, purpose: Purpose.underwriting, kind: GrantKind.Formal, duration: 7 * DAY, deviceId: device }, terms));
        let rid = 0n;
        for (const l of receipt.logs) {
          const p = ledger.interface.parseLog(l);
          if (p?.name === "AccessRequested") rid = p.args.requestId as bigint;
        }
        maxRid = Math.max(maxRid, Number(rid));
        if (Math.random() < revokedShare) {
          const revoked = await mined(as(sup).revokeGrant(rid, 1));
          // The custodians' own receipt transactions mine blocks too: only a revocation that landed
          // before the grant's block was final binds them (see the header).
          if (revoked.blockNumber - receipt.blockNumber < confirmations) revokedInWindow.add(Number(rid));
        }
      }
    }

    // ── the cycles: one custodian of three SIGKILLed at random while grants pour in ───────
    const perCycle = Math.ceil(total / cycles);
    for (let c = 0; c < cycles; c++) {
      const victim = Math.floor(Math.random() * 3);
      const killAt = 300 + Math.random() * 2200;
      const load = grants(perCycle);
      await Promise.race([load, sleep(killAt)]);
      await procs[victim]!.stop("SIGKILL");
      report.kills++;
      await load;
      await start(victim);
      report.cycles++;
      log(`  cycle ${c + 1}/${cycles}: custodian ${victim} killed after ${Math.round(killAt)} ms, ${created} grants so far`);
    }
    await grants(total - created);

    // ── settle: each custodian has released every valid grant ─────────────────────────────
    const stores = await Promise.all(custodianAccounts.map((_, k) => openStore(dbPath(k), { chainId: deployment.chainId, ledger: getAddress(deployment.ledger), startBlock: deployment.deployBlock })));
    try {
      const valid: number[] = [];
      const deadline = Date.now() + (opts.settleTimeoutMs ?? 120_000);
      for (;;) {
        for (let i = 0; i <= confirmations; i++) await provider.send("evm_mine", []);
        await sleep(700);
        valid.length = 0;
        let missing = 0;
        for (let r = 1; r <= maxRid; r++) {
          if (!(await ledger.isGrantValid(r)).valid) continue;
          valid.push(r);
          for (const s of stores) if (!(await s.releases(String(r))).some((x) => x.status === "released" && x.envelope)) missing++;
        }
        if (missing === 0) break;
        if (Date.now() > deadline) {
          report.problems.push(`did not settle: ${missing} custodian releases missing`);
          break;
        }
      }

      // ── verify: stores ───────────────────────────────────────────────────────────────────
      report.grants = valid.length;
      const validSet = new Set(valid);
      for (let r = 1; r <= maxRid; r++) {
        if (!validSet.has(r)) report.revoked++;
        for (const [k, s] of stores.entries()) {
          const rows = (await s.releases(String(r))).filter((x) => x.envelope);
          if (revokedInWindow.has(r) && rows.length > 0) {
            report.unauthorized++;
            report.problems.push(`request ${r}: custodian ${k} holds an envelope for a grant revoked inside its confirmation window`);
          }
          if (!validSet.has(r)) continue;
          const released = rows.filter((x) => x.status === "released");
          if (released.length > 1) {
            report.duplicated++;
            report.problems.push(`request ${r}: custodian ${k} released ${released.length} envelopes`);
          }
          if (k < 2 && released.length === 0) {
            report.lost++;
            report.problems.push(`request ${r}: honest custodian ${k} never released its share`);
          }
        }
      }

      // ── verify: the requester rebuilds every valid grant's key from ≥ t shares ─────────────
      const requester: CustodyContext = { ledger: as(insurer), signer: insurer, custody: custody.connect(insurer) as SealshareCustody, fromBlock: deployment.deployBlock };
      const clients = clientsOf();
      for (const r of valid) {
        try {
          const k = await fetchThresholdKey(requester, { custodians: clients, requestId: BigInt(r), devicePrivateKey: deviceKey.privateKey, timeoutMs: 10_000 });
          if (Buffer.compare(Buffer.from(k.dek), Buffer.from(ds.dek)) !== 0) {
            report.lost++;
            report.problems.push(`request ${r}: the rebuilt key is not the dealt one`);
            continue;
          }
          if (k.used.map((u) => getAddress(u)).includes(report.liar)) {
            report.unauthorized++;
            report.problems.push(`request ${r}: the liar's share was combined`);
            continue;
          }
          if (k.failures.some((f) => getAddress(f.custodian) === report.liar)) report.liarNamed++;
          report.combined++;
        } catch (err) {
          report.lost++;
          report.problems.push(`request ${r}: no key from ≥ ${THRESHOLD} shares: ${(err as Error).message}`);
        }
      }
      // One fetch with an honest custodian left out: the liar's answer must then be looked at, and refused by name.
      if (valid.length > 0) {
        try {
          await fetchGrantKey(requester, { custodians: [clients[0]!, clients[2]!], requestId: BigInt(valid[0]!), devicePrivateKey: deviceKey.privateKey });
          report.unauthorized++;
          report.problems.push("a key was rebuilt from one honest share and the liar's");
        } catch (err) {
          const named = JSON.stringify((err as { details?: unknown }).details ?? {}).includes(report.liar);
          if (named) report.liarNamed++;
          else report.problems.push(`with only one honest custodian the fetch failed without naming the liar: ${(err as Error).message}`);
        }
      }
      report.lies = proxy.lies;
      report.revokedInWindow = revokedInWindow.size;
      if (report.liarNamed === 0) report.problems.push("the lying custodian was never named");
      log(`  ${report.grants} valid grants, ${report.combined} rebuilt from 2 shares, liar named ${report.liarNamed} time(s), ${proxy.lies} lies told`);

      // ── shred: ordered by the provider, confirmed by all three, and the auditor agrees ──────
      await mined((custody.connect(bank) as SealshareCustody).orderShred(ds.datasetId, 1));
      const shredDeadline = Date.now() + (opts.settleTimeoutMs ?? 120_000);
      let pending = await custody.unconfirmedShred(ds.datasetId, 1, setId);
      while (pending.length > 0 && Date.now() < shredDeadline) {
        await provider.send("evm_mine", []);
        await sleep(300);
        pending = await custody.unconfirmedShred(ds.datasetId, 1, setId);
      }
      if (pending.length > 0) report.problems.push(`shred not confirmed by ${pending.join(", ")}`);
      report.shredConfirmed = 3 - pending.length;
      // A day and more later, the auditor finds every confirmation in time, and no other violation.
      await provider.send("evm_increaseTime", [2 * DAY]);
      await provider.send("evm_mine", []);
      const audit = await verifyLedger({ ledger, provider, fromBlock: deployment.deployBlock, custody: deployment.custody, shredDeadline: DAY });
      report.auditViolations = audit.violations.length;
      for (const v of audit.violations.slice(0, 20)) report.problems.push(`audit verify: [${v.check}] ${v.code}: ${v.message}`);
      if (audit.checked.shredOrders !== 1) report.problems.push(`audit verify saw ${audit.checked.shredOrders} shred orders, not 1`);
      // And nothing serves the version any more.
      try {
        await fetchGrantKey(requester, { custodians: clients, requestId: BigInt(valid.at(-1) ?? 1), devicePrivateKey: deviceKey.privateKey });
        report.unauthorized++;
        report.problems.push("a key was fetched after the shred");
      } catch (err) {
        if ((err as { code?: string }).code !== "CUSTODY_SHREDDED" && valid.length > 0) report.problems.push(`after the shred the fetch failed with ${(err as { code?: string }).code}, not CUSTODY_SHREDDED`);
      }
      log(`  shred confirmed by ${report.shredConfirmed}/3; audit verify: ${audit.violations.length} violation(s)`);
    } finally {
      for (const s of stores) await s.close();
    }
  } finally {
    for (const p of procs) await p?.stop("SIGKILL").catch(() => undefined);
    await proxy?.close();
    provider.destroy();
    await chain.stop();
    report.durationMs = Date.now() - started;
    await rm(work, { recursive: true, force: true });
  }
  return report;
}
