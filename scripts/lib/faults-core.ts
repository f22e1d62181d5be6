/**
 * Fault loops for the key custodian, against real processes: a node (child process: `hardhat
 * node`, or Anvil with `node: "anvil"`) and the custodian (`service/main.ts`, child process,
 * started and SIGKILLed again and again).
 *
 *   const report = await runFaults({ cycles: 5, grants: 50, reorgs: 2 });
 *   console.log(formatReport(report)); // faults: cycles=5 reorgs=2 grants=50 released=44 unauthorized=0 lost=0 duplicated=0
 *
 * What happens:
 *  - a ledger with one provider, one requester (with a device key), a category-wide consent and
 *    datasets whose policy grants on request (one transaction per grant);
 *  - `cycles` times: grants are created (some revoked at once, inside the confirmation window)
 *    while the custodian is SIGKILLed at a random moment (0.3–2.5 s into the cycle), then
 *    restarted on the same database;
 *  - `reorgs` times: a few grants on a throw-away branch (a dataset of its own, fewer blocks than
 *    the confirmation depth, mined by hand so that the custodian's own transactions cannot
 *    lengthen it), then another branch. On Hardhat: evm_snapshot, evm_revert and a longer branch
 *    (simulated). On Anvil the reorgs are real, of every kind at every depth below the
 *    confirmation depth in turn (devkit/nodes):
 *      dropped  — anvil_reorg to a branch of the same height without the grants;
 *      moved    — the first grant's very transaction re-included in the new branch's last block
 *                 (a valid grant on the final chain: it must be released, from its new block);
 *      replaced — a conflicting transaction with the first grant's nonce: a request for the MAIN
 *                 dataset, so the same request id ends up granted for another dataset (only the
 *                 final chain's grant may be released);
 *      rolled back — anvil_rollback: the chain gets shorter, then grows again;
 *  - at the end the custodian runs until every valid grant is released and every receipt batch is
 *    sealed and final, and is stopped cleanly.
 *
 * What is checked (the counters of the report):
 *  - released:     valid grants (isGrantValid on the final chain) with exactly one envelope whose
 *                  receipt is confirmed: in a batch sealed on chain (verifyReceipt true) or a
 *                  single KeyReleased;
 *  - lost:         valid grants without that;
 *  - unauthorized: envelopes for anything that is not a grant on the final chain with the same
 *                  dataset and expiry (orphaned-branch grants) or for grants revoked before they
 *                  were final;
 *  - duplicated:   a release recorded on chain more than once (in two sealed batches, twice by
 *                  KeyReleased, a batch sealed twice) or sealed batches the store does not know;
 *  - auditViolations: what `sealshare audit verify --custodian-proofs` (sdk/audit/verify.ts) finds
 *                  on the final chain with the custodian's inclusion proofs — e.g. a release
 *                  dated before its grant; each one is also a problem, so the run fails.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, hexlify, id, keccak256, randomBytes, Transaction, Wallet, ZeroAddress, ZeroHash, type ContractTransactionResponse } from "ethers";
import type { Sealshare } from "../../sdk/contracts.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { parseReceiptProofs } from "../../sdk/audit/proofs.js";
import { verifyLedger } from "../../sdk/audit/verify.js";
import { GrantKind, Purpose } from "../../sdk/vocabulary.js";
import { verifyReceiptProof } from "../../service/receipts/merkle.js";
import { openStore } from "../../service/store/open.js";
import { consentTerms, giveConsent, publishDeviceKey, registerMembers, registerPlaceholderDataset } from "../../devkit/build.js";
import type { CustodianProcess } from "../../devkit/custodian-process.js";
import { deployToFolder, startLocalCustodian } from "../../devkit/local-deployment.js";
import { nodeControl, startLocalChain, type NodeKind, type ReorgTx } from "../../devkit/local-chain.js";
import { JsonRpcProvider, Network } from "ethers";

export interface FaultOptions {
  /** The node: `hardhat` (default; simulated reorgs) or `anvil` (real reorgs). */
  node?: NodeKind;
  /** SIGKILL / restart cycles (default 5). */
  cycles?: number;
  /** Grants created over the run, valid and revoked (default 50). */
  grants?: number;
  /** Reorgs (snapshot / revert / longer branch) (default 2). */
  reorgs?: number;
  /** Confirmation depth; reorgs are shallower (default 3). */
  confirmations?: number;
  receipts?: "batch" | "single";
  /** Share of grants revoked right after they are granted (default 0.15). */
  revokedShare?: number;
  /** SQLite file (default: a temporary one) or a postgres:// URL. */
  db?: string;
  /** How long to wait for everything to settle at the end (default 90 s). */
  settleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface FaultReport {
  node: NodeKind;
  cycles: number;
  kills: number;
  reorgs: number;
  grants: number; // on the final chain
  valid: number;
  revoked: number;
  orphaned: number; // grants created on branches that were reorganized away
  released: number;
  unauthorized: number;
  lost: number;
  duplicated: number;
  batches: number;
  /** Violations `sealshare audit verify --custodian-proofs` finds on the final chain (must be 0). */
  auditViolations: number;
  durationMs: number;
  problems: string[];
}

export function formatReport(r: FaultReport): string {
  return `faults: node=${r.node} cycles=${r.cycles} reorgs=${r.reorgs} grants=${r.valid} released=${r.released} unauthorized=${r.unauthorized} lost=${r.lost} duplicated=${r.duplicated}`;
}

const DAY = 86_400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFaults(opts: FaultOptions = {}): Promise<FaultReport> {
  const started = Date.now();
  const cycles = opts.cycles ?? 5;
  const total = opts.grants ?? 50;
  const reorgs = opts.reorgs ?? 2;
  const confirmations = opts.confirmations ?? 3;
  const log = opts.log ?? (() => undefined);
  const node = opts.node ?? "hardhat";
  const report: FaultReport = {
    node,
    cycles: 0,
    kills: 0,
    reorgs: 0,
    grants: 0,
    valid: 0,
    revoked: 0,
    orphaned: 0,
    released: 0,
    unauthorized: 0,
    lost: 0,
    duplicated: 0,
    batches: 0,
    auditViolations: 0,
    durationMs: 0,
    problems: [],
  };
  const work = await mkdtemp(join(tmpdir(), "sealshare-faults-"));
  const chain = await startLocalChain({ node, accounts: 8 });
  const provider = new JsonRpcProvider(chain.url, Network.from(31337n), { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const ctl = nodeControl(node, provider);
  let custodian: CustodianProcess | undefined;
  try {
    const w = (i: number) => new Wallet(chain.accounts[i]!, provider);
    const [admin, sup, custodianAccount, bank, insurer, ana] = [0, 1, 2, 3, 4, 6].map(w) as Wallet[];
    const { ledger: deployed, deployment, deploymentPath } = await deployToFolder(admin!, { supervisors: [sup!.address], custodian: custodianAccount!.address }, work);
    const ledger = deployed as Sealshare;
    const as = (x: Wallet) => ledger.connect(x) as Sealshare;
    const mined = async (tx: Promise<ContractTransactionResponse>) => (await (await tx).wait())!;
    await registerMembers(ledger, sup!, [bank!.address, insurer!.address]);
    const device = id("faults/device");
    const deviceKey = generateEncryptionKeyPair();
    await publishDeviceKey(ledger, insurer!, device, deviceKey);

    // Grant on request: no approvals needed, formal straight away.
    const policy = { requireProvider: false, supervisorQuorum: 0, maxTemporary: 0, maxFormal: 30 * DAY };
    async function dataset() {
      return registerPlaceholderDataset(ledger, deployment, bank!, ana!.address, policy, { size: 1n });
    }
    const main = await dataset();
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    const terms = consentTerms({ subject: ana!.address, requester: ZeroAddress, datasetId: 0n, now, receipt: "faults consent" });
    await giveConsent(ledger, ana!, terms);

    // Every restart runs over the same database, so with the secrets of the first start.
    const secrets = { ecies: hexlify(randomBytes(32)), master: hexlify(randomBytes(32)) };
    const dbPath = opts.db ?? join(work, "custodian.db");
    let starts = 0;
    async function start(): Promise<CustodianProcess> {
      starts++;
      return startLocalCustodian({
        rpcUrl: chain.url,
        deploymentPath,
        dir: work,
        dbPath,
        custodianKey: chain.accounts[2]!,
        eciesKey: secrets.ecies,
        masterKey: secrets.master,
        confirmations,
        pollMs: 100,
        receipts: opts.receipts ?? "batch",
        timeoutMs: 120_000,
        env: { SEALSHARE_BATCH_SIZE: "8", SEALSHARE_BATCH_MAX_AGE_MS: "1000", SEALSHARE_TX_BUMP_AFTER_MS: "3000", SEALSHARE_LOG_LEVEL: "info" },
      });
    }
    custodian = await start();
    const client = new CustodianClient(custodian.url, { chainId: deployment.chainId, ledger: deployment.ledger });
    const info = await client.info();
    await client.depositKey(bank!, { datasetId: main.datasetId, version: 1, dek: main.dek, custodianKey: info.encryptionKey });
    // A dataset used only on branches that get reorganized away (its key is deposited too).
    const orphanDs = await dataset();
    await client.depositKey(bank!, { datasetId: orphanDs.datasetId, version: 1, dek: orphanDs.dek, custodianKey: info.encryptionKey });
    log(`  ledger ${deployment.ledger}, custodian up (${dbPath.startsWith("postgres") ? "PostgreSQL" : "SQLite"}, confirmations ${confirmations})`);

    const requestArgs = (datasetId: bigint) =>
      [{ datasetId, version: 0, purpose: Purpose.underwriting, kind: GrantKind.Formal, duration: 7 * DAY, deviceId: device }, terms] as const;
    const request = (datasetId: bigint) => as(insurer!).requestAccess(...requestArgs(datasetId));
    /** A request signed here (its bytes can be moved to another block), with `nonce` if given. */
    const signedRequest = async (datasetId: bigint, nonce?: number) => {
      const tx = await insurer!.populateTransaction(await as(insurer!).requestAccess.populateTransaction(...requestArgs(datasetId)));
      return insurer!.signTransaction(nonce === undefined ? tx : { ...tx, nonce });
    };
    let maxRid = 0;
    async function grant(datasetId: bigint): Promise<bigint> {
      const receipt = await mined(request(datasetId));
      for (const l of receipt.logs) {
        const p = ledger.interface.parseLog(l);
        if (p?.name === "AccessRequested") {
          maxRid = Math.max(maxRid, Number(p.args.requestId));
          return p.args.requestId as bigint;
        }
      }
      throw new Error("no AccessRequested");
    }
    const revokedShare = opts.revokedShare ?? 0.15;
    let created = 0;
    async function grants(n: number): Promise<void> {
      for (let i = 0; i < n && created < total; i++, created++) {
        const rid = await grant(main.datasetId);
        // Revoked in the very next block: inside the confirmation window, so never released.
        if (Math.random() < revokedShare) await mined(as(sup!).revokeGrant(rid, 1));
      }
    }
    const KINDS = ["dropped", "moved", "replaced", "rolled back"] as const;
    /** Anvil: a real reorg under the custodian (see the file header). */
    async function realReorg(): Promise<void> {
      // Every kind at every depth below the confirmation depth, in turn: 4 kinds at depth 1, then
      // at depth 2, …
      const kind = KINDS[report.reorgs % KINDS.length]!;
      const depth = 1 + (Math.floor(report.reorgs / KINDS.length) % Math.max(1, confirmations - 1));
      const fork = await ctl.fork();
      const raws: string[] = [];
      await ctl.setAutomine(false);
      try {
        for (let i = 0; i < depth; i++) {
          const raw = await signedRequest(orphanDs.datasetId);
          raws.push(raw);
          await provider.send("eth_sendRawTransaction", [raw]);
          await ctl.mine(1);
          const receipt = await provider.getTransactionReceipt(keccak256(raw));
          for (const l of receipt?.logs ?? []) {
            const p = ledger.interface.parseLog(l);
            if (p?.name === "AccessRequested") maxRid = Math.max(maxRid, Number(p.args.requestId));
          }
        }
        await sleep(300 + Math.random() * 500); // let the custodian see the doomed branch
        const first = Transaction.from(raws[0]!);
        const txs: ReorgTx[] = [];
        if (kind === "moved") txs.push({ tx: raws[0]!, block: depth - 1 });
        if (kind === "replaced") txs.push({ tx: await signedRequest(main.datasetId, first.nonce), block: 0 });
        if (kind === "rolled back") await ctl.rollback(depth);
        else await fork.replace(txs);
        report.orphaned += kind === "moved" ? depth - 1 : depth;
        log(`  real reorg ${report.reorgs + 1} (${kind}, depth ${depth}) at block ${fork.base + 1}`);
      } finally {
        await ctl.setAutomine(true);
      }
      const perBranch = Math.max(1, Math.floor(total / (cycles * 4)));
      await grants(perBranch);
      while ((await provider.getBlockNumber()) <= fork.base + depth) await ctl.mine(1);
      report.reorgs++;
    }

    async function reorg(): Promise<void> {
      if (ctl.realReorgs) return realReorg();
      const snapshot = (await provider.send("evm_snapshot", [])) as string;
      const before = await provider.getBlockNumber();
      // The doomed branch must stay shallower than the confirmation depth, or its blocks are
      // final and the custodian is right to act on them. With automining its length would not be
      // ours to choose (every custodian receipt transaction mines a block), so blocks are mined
      // by hand: `depth` of them, one grant each (the custodian's pending transactions ride along).
      const depth = Math.max(1, confirmations - 1);
      await provider.send("evm_setAutomine", [false]);
      try {
        for (let i = 0; i < depth; i++) {
          const sent = await request(orphanDs.datasetId);
          await provider.send("evm_mine", []);
          const receipt = (await sent.wait())!;
          for (const l of receipt.logs) {
            const p = ledger.interface.parseLog(l);
            if (p?.name === "AccessRequested") maxRid = Math.max(maxRid, Number(p.args.requestId));
          }
          report.orphaned++;
        }
        await sleep(300 + Math.random() * 500); // let the custodian see the doomed branch
      } finally {
        await provider.send("evm_revert", [snapshot]);
        await provider.send("evm_setAutomine", [true]);
      }
      const perBranch = Math.max(1, Math.floor(total / (cycles * 4)));
      await grants(perBranch);
      while ((await provider.getBlockNumber()) <= before + depth) await provider.send("evm_mine", []);
      report.reorgs++;
    }

    // ── the cycles ──────────────────────────────────────────────────────────────────────
    const perCycle = Math.ceil(total / cycles);
    for (let c = 0; c < cycles; c++) {
      const killAt = 300 + Math.random() * 2200;
      const load = (async () => {
        await grants(perCycle);
        if (report.reorgs < reorgs && (c % Math.max(1, Math.floor(cycles / Math.max(1, reorgs))) === 0 || c === cycles - 1)) await reorg();
      })();
      await Promise.race([load, sleep(killAt)]);
      await custodian.stop("SIGKILL");
      report.kills++;
      await load;
      custodian = await start();
      report.cycles++;
      log(`  cycle ${c + 1}/${cycles}: killed after ${Math.round(killAt)} ms, ${created} grants so far, ${report.reorgs} reorgs`);
    }
    while (report.reorgs < reorgs) await reorg();
    await grants(total - created);

    // ── settle: everything valid released and sealed, final ─────────────────────────────
    const store = await openStore(dbPath, { chainId: deployment.chainId, ledger: getAddress(deployment.ledger), startBlock: deployment.deployBlock });
    try {
      const deadline = Date.now() + (opts.settleTimeoutMs ?? 90_000);
      let settled = false;
      while (!settled && Date.now() < deadline) {
        for (let i = 0; i <= confirmations; i++) await provider.send("evm_mine", []);
        await sleep(700);
        settled = await allSettled();
      }
      async function allSettled(): Promise<boolean> {
        for (let r = 1; r <= maxRid; r++) {
          const gv = await ledger.isGrantValid(r);
          if (!gv.valid) continue;
          const rows = await store.releases(String(r));
          if (!rows.some((x) => x.status === "released" && x.receiptState === "confirmed")) return false;
        }
        return (await store.openBatches()).length === 0;
      }
      await custodian.stop("SIGTERM");
      custodian = undefined;

      // ── verify ─────────────────────────────────────────────────────────────────────────
      const last = maxRid;
      const granted = new Map<string, { datasetId: string; expiresAt: number }>();
      for (const e of await ledger.queryFilter(ledger.filters.AccessGranted(), deployment.deployBlock)) {
        granted.set(`${e.args.requestId}:${e.args.kind}`, { datasetId: e.args.datasetId.toString(), expiresAt: Number(e.args.expiresAt) });
      }
      const sealedEvents = await ledger.queryFilter(ledger.filters.ReceiptBatchSealed(), deployment.deployBlock);
      const sealedIds = new Map<string, number>();
      for (const e of sealedEvents) sealedIds.set(e.args.batchId.toLowerCase(), (sealedIds.get(e.args.batchId.toLowerCase()) ?? 0) + 1);
      for (const [b, n] of sealedIds) if (n > 1) (report.duplicated++, report.problems.push(`batch ${b} sealed ${n} times`));
      const singles = new Map<string, number>();
      for (const e of await ledger.queryFilter(ledger.filters.KeyReleased(), deployment.deployBlock)) {
        const k = `${e.args.requestId}:${e.args.kind}`;
        singles.set(k, (singles.get(k) ?? 0) + 1);
      }
      const inBatches = new Map<string, number>(); // batch id → members the store assigned
      report.grants = granted.size;
      for (let r = 1; r <= last; r++) {
        const rid = String(r);
        const gv = await ledger.isGrantValid(r);
        const rows = (await store.releases(rid)).filter((x) => x.envelope);
        if (gv.valid) report.valid++;
        else report.revoked++;
        for (const row of rows) {
          const g = granted.get(`${rid}:${row.kind}`);
          const env = row.envelope!;
          if (!gv.valid || !g || g.datasetId !== env.datasetId || g.expiresAt !== env.expiresAt) {
            report.unauthorized++;
            report.problems.push(`request ${rid}: an envelope for ${g ? "a revoked grant" : "no grant on the final chain"} (dataset ${env.datasetId})`);
          }
        }
        if (!gv.valid) continue;
        const mine = rows.filter((x) => x.kind === Number(gv.kind));
        const proofs = await store.receiptProofs(rid);
        const p = proofs.find((x) => x.kind === Number(gv.kind));
        if (mine.length !== 1 || !p || p.status !== "confirmed") {
          report.lost++;
          report.problems.push(`request ${rid}: ${mine.length} envelopes, receipt ${p?.status ?? "none"}`);
          continue;
        }
        if (p.mode === "batch") {
          inBatches.set(p.batchId!, (inBatches.get(p.batchId!) ?? 0) + 1);
          const onChain = await ledger.verifyReceipt(p.batchId!, p.leaf!, p.proof!);
          const offChain = verifyReceiptProof(p.root!, { requestId: rid, kind: p.kind, envelopeHash: p.envelopeHash, releasedAt: p.releasedAt }, p.proof!);
          if (!onChain || !offChain || (singles.get(`${rid}:${p.kind}`) ?? 0) > 0) {
            report.duplicated += onChain && offChain ? 1 : 0;
            if (!onChain || !offChain) report.lost++;
            report.problems.push(`request ${rid}: batch receipt ${onChain && offChain ? "also recorded singly" : "does not verify"}`);
            continue;
          }
        } else if ((singles.get(`${rid}:${p.kind}`) ?? 0) !== 1) {
          const n = singles.get(`${rid}:${p.kind}`) ?? 0;
          if (n > 1) report.duplicated++;
          else report.lost++;
          report.problems.push(`request ${rid}: ${n} KeyReleased events`);
          continue;
        }
        report.released++;
      }
      // Every sealed batch is one the store formed, with exactly its members.
      for (const e of sealedEvents) {
        const b = e.args.batchId.toLowerCase();
        const members = inBatches.get(b) ?? 0;
        if (members !== Number(e.args.count)) {
          report.duplicated++;
          report.problems.push(`batch ${b}: sealed with count ${e.args.count}, the store has ${members} valid members in it`);
        }
      }
      report.batches = sealedIds.size;
      if (!settled) report.problems.push("did not settle before the timeout");

      // The auditor's view, as `sealshare audit verify --custodian-proofs` takes it: the ledger's
      // timeline and the custodian's inclusion proofs (what GET /v1/receipts/:id serves). Every
      // release must come after its grant (the custodian dates releases with the chain's time)
      // and before any invalidation or expiry.
      const proofs = [];
      for (let r = 1; r <= last; r++) proofs.push(...parseReceiptProofs(await store.receiptProofs(String(r)), `receipts of request ${r}`));
      const audit = await verifyLedger({ ledger, provider, fromBlock: deployment.deployBlock, proofs });
      report.auditViolations = audit.violations.length;
      for (const v of audit.violations.slice(0, 20)) report.problems.push(`audit verify: [${v.check}] ${v.code}: ${v.message}`);
      log(`  audit verify: ${audit.checked.releases} release(s), ${audit.checked.proofsVerified} proof(s), ${audit.violations.length} violation(s)`);
    } finally {
      await store.close();
    }
    log(`  ${starts} custodian starts, ${report.kills} SIGKILLs`);
  } finally {
    await custodian?.stop("SIGKILL").catch(() => undefined);
    provider.destroy();
    await chain.stop();
    report.durationMs = Date.now() - started;
    if (!opts.db) await rm(work, { recursive: true, force: true });
    else await rm(work, { recursive: true, force: true });
  }
  return report;
}
