/**
 * `sealshare custody …` — threshold custody (the custody contract beside the ledger): the admin
 * registers custodian sets; the provider deposits a version's key as n Shamir shares (root on
 * chain, share i to custodian i), moves it to another set, orders a shred; supervisors vote
 * shreds; the requester rebuilds a key from t custodians' shares. Every step is an SDK action
 * (sdk/actions/); this file parses options and prints. Progress per custodian goes to stderr.
 */
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { connectCustody } from "../sdk/contracts.js";
import { CustodianClient } from "../sdk/custodian-client.js";
import { SealshareError } from "../sdk/errors.js";
import { duration, when } from "../sdk/format.js";
import { GRANT_KINDS, nameOf } from "../sdk/vocabulary.js";
import type { CustodyContext } from "../sdk/actions/custody-context.js";
import { registerCustodianSet } from "../sdk/actions/register-custodian-set.js";
import { getCustodianSet } from "../sdk/actions/get-custodian-set.js";
import { depositShares, redeliverShares, type DepositSharesResult, type PendingShare, type ShareDepositProgress, type UndeliveredShare } from "../sdk/actions/deposit-shares.js";
import { fetchThresholdKey } from "../sdk/actions/fetch-threshold-key.js";
import { fetchGrantKey } from "../sdk/actions/fetch-grant-key.js";
import { fetchKey } from "../sdk/actions/fetch-key.js";
import { moveCustody } from "../sdk/actions/move-custody.js";
import { orderShred } from "../sdk/actions/order-shred.js";
import { voteShred } from "../sdk/actions/vote-shred.js";
import { getShredStatus } from "../sdk/actions/get-shred-status.js";
import { getDatasetVersion } from "../sdk/actions/get-dataset-version.js";
import type { ShareProgress } from "../sdk/threshold/fetch-shares.js";
import { action, parseAddress, parseDuration, parseId, parseUint } from "./lib/command.js";
import { UsageError } from "./lib/errors.js";
import { readDataKey, readDeviceKey, readJsonFile, writeDataKey, writePublicJson } from "./lib/keyfiles.js";
import type { Session } from "./lib/session.js";

const CUSTODIANS_HELP = "the custodians' URLs, any order (they are matched to the set by the account each names; trust comes from the chain) [env SEALSHARE_CUSTODIAN_URLS, space- or comma-separated]";

/**
 * The action context with the deployment's custody contract (NO_CUSTODY when it names none).
 * Exported for the commands that fetch a grant's key by the chain's path (fetchGrantKey).
 */
export async function custodyCtx(s: Session, withSigner: boolean): Promise<CustodyContext> {
  const ctx = await s.ctx(withSigner);
  const { deployment, provider } = await s.chain();
  if (!deployment.custody) {
    throw new SealshareError("NO_CUSTODY", "the deployment file names no threshold-custody contract", {
      hint: "use a deployment file with a `custody` address (`sealshare dev` writes one; older deployments have none)",
    });
  }
  return { ...ctx, custody: connectCustody(deployment.custody, provider) };
}

/** One client per custodian URL, from --custodians or SEALSHARE_CUSTODIAN_URLS. */
export async function custodianClients(s: Session, urls: string[] | undefined): Promise<CustodianClient[]> {
  const list = urls?.length ? urls : (s.env.SEALSHARE_CUSTODIAN_URLS ?? "").split(/[\s,]+/).filter(Boolean);
  if (list.length === 0) throw new UsageError("name the custodians' URLs: --custodians <url...> (or SEALSHARE_CUSTODIAN_URLS)");
  const { deployment } = await s.chain();
  return list.map((u) => new CustodianClient(u, { chainId: deployment.chainId, ledger: deployment.ledger }));
}

/**
 * A grant's key by the path the chain says — threshold custody when its version has a custody
 * record (the custodians from SEALSHARE_CUSTODIAN_URLS, else the one custodian URL), the single
 * custodian otherwise — for `key fetch` and `dataset decrypt --request`. Progress per custodian
 * goes to stderr.
 */
export async function fetchKeyForGrant(s: Session, p: { requestId: bigint; devicePrivateKey: Uint8Array; deviceLabel?: string; waitMs: number; minKind?: number }) {
  const { deployment } = await s.chain();
  const urls = (s.env.SEALSHARE_CUSTODIAN_URLS ?? "").split(/[\s,]+/).filter(Boolean);
  if (!deployment.custody) {
    const k = await fetchKey(await s.ctx(true), { custodian: await s.custodian(), ...p });
    return { ...k, custodians: [k.custodian] };
  }
  const custodians = urls.length ? await custodianClients(s, urls) : undefined;
  const custodian = custodians ? undefined : await s.custodian();
  return fetchGrantKey(await custodyCtx(s, true), { custodian, custodians, ...p, onProgress: fetchProgress(s) });
}

function depositProgress(s: Session) {
  return (p: ShareDepositProgress) => s.out.note(`  custodian ${p.index} ${p.custodian}: ${p.status}${p.error ? ` (${p.error.message})` : ""}`);
}

function fetchProgress(s: Session) {
  return (p: ShareProgress) => s.out.note(`  custodian ${p.index} ${p.custodian}: ${p.status}${p.error && p.status !== "skipped" ? ` (${p.error.message})` : ""}`);
}

/** Writes the shares that were not delivered (wrapped to their custodians' keys: not secret) and returns the lines to print. */
async function keepPending(undelivered: UndeliveredShare[], path: string | undefined, force?: boolean): Promise<string[]> {
  if (undelivered.length === 0) return [];
  const lines = undelivered.map((u) => `  not delivered to custodian ${u.index} ${u.custodian}: ${u.error.message}`);
  if (!path) return [...lines, "  pass --pending-out <file> to keep these shares for a retry (`custody deposit --retry <file>`)"];
  await writePublicJson(path, { type: "sealshare-pending-shares", shares: undelivered.map((u) => u.pending) }, force);
  return [...lines, `  kept in ${path} (each wrapped to its custodian's key); send later: sealshare custody deposit --retry ${path} --custodians <url...>`];
}

function depositLines(r: DepositSharesResult, verb: string): string[] {
  return [
    `${verb} dataset #${r.datasetId} v${r.version}: ${r.threshold}-of-${r.n} shares with custodian set ${r.setId}${r.replacedSetId ? ` (replacing set ${r.replacedSetId}, whose shares are ordered shredded)` : ""}`,
    `  shares root ${r.sharesRoot} on chain (tx ${r.txHash})`,
    `  delivered to ${r.delivered.length} of ${r.n} custodians${r.servable ? "" : `: fewer than the ${r.threshold} needed, nothing can be served until the rest are delivered`}`,
    ...r.ignoredUrls.map((u) => `  ignored ${u.url}: ${u.why}`),
  ];
}

async function dataKeyOf(keyFile: string, dataset?: bigint, version?: number) {
  const k = await readDataKey(keyFile);
  const datasetId = dataset ?? (k.datasetId !== undefined ? BigInt(k.datasetId) : undefined);
  const v = version ?? k.version;
  if (datasetId === undefined || v === undefined) {
    k.dek.fill(0);
    throw new UsageError("the key file names no dataset version; pass --dataset <id> --dataset-version <n>");
  }
  return { dek: k.dek, datasetId, version: v };
}

export function custodyCommand(): Command {
  const cmd = new Command("custody").description("threshold custody: custodian sets (admin), key shares and shreds (provider, supervisors), rebuilding a key (requester)");

  const set = cmd.command("set").description("custodian sets: n custodians, any t of whom rebuild a key");
  set
    .command("register")
    .description("register a custodian set (ledger admin); each custodian must hold CUSTODIAN_ROLE and have published its share key")
    .argument("<custodian...>", "the custodians' accounts, in share order", (v: string, prev: string[] = []) => [...prev, parseAddress(v)])
    .requiredOption("-t, --threshold <t>", "shares needed to rebuild a key (1 ≤ t ≤ n ≤ 16)", parseUint)
    .action(
      action<{ threshold: number }, [string[]]>(async (s, o, custodians) => {
        const r = await registerCustodianSet(await custodyCtx(s, true), { custodians, threshold: o.threshold });
        s.out.result(r, [`registered custodian set ${r.setId}: ${r.threshold} of ${r.custodians.length}`, ...r.custodians.map((c, i) => `  ${i}: ${c} (share key #${r.keyIds[i]})`)]);
      }),
    );
  set
    .command("show")
    .description("show a custodian set, each custodian checked on chain (role, live share key)")
    .argument("<setId>", "the set", parseUint)
    .action(
      action<Record<string, never>, [number]>(async (s, _o, setId) => {
        const r = await getCustodianSet(await custodyCtx(s, false), { setId });
        const data = { ...r, custodians: r.custodians.map(({ publicKey: _k, ...c }) => c) };
        s.out.result(data, [
          `custodian set ${r.setId}: ${r.threshold} of ${r.n}, ${r.active ? "active" : "retired (no new deposits)"}${r.healthy ? "" : " — NOT every custodian passes the chain's checks"}`,
          ...r.custodians.map((c) => `  ${c.index}: ${c.address} share key #${c.keyId} ${c.ok ? "ok" : `FAILS: ${c.problem}`}`),
        ]);
      }),
    );

  cmd
    .command("deposit")
    .description("split a version's data key into shares, commit their root on chain, send share i to custodian i (provider); or --retry shares not delivered earlier")
    .option("--key-file <file>", "the data key file written by `dataset register --key-out`")
    .option("--dataset <id>", "dataset id (default: from the key file)", parseId)
    .option("--dataset-version <n>", "version (default: from the key file)", parseUint)
    .option("--set <setId>", "the custodian set to deposit to", parseUint)
    .option("--custodians <url...>", CUSTODIANS_HELP)
    .option("--pending-out <file>", "where to keep shares that could not be delivered (each wrapped to its custodian's key), for --retry")
    .option("--retry <file>", "send the shares kept in this pending file (same shares, fresh signatures) instead of a new deposit")
    .option("--force", "replace an existing pending file")
    .action(
      action<{ keyFile?: string; dataset?: bigint; datasetVersion?: number; set?: number; custodians?: string[]; pendingOut?: string; retry?: string; force?: boolean }>(async (s, o) => {
        const ctx = await custodyCtx(s, true);
        const custodians = await custodianClients(s, o.custodians);
        if (o.retry) {
          const f = (await readJsonFile(o.retry, "pending shares file")) as { type?: string; shares?: PendingShare[] };
          if (f?.type !== "sealshare-pending-shares" || !Array.isArray(f.shares)) throw new SealshareError("BAD_FILE", `${o.retry} is not a pending shares file`, { hint: "use the file written by `custody deposit --pending-out`" });
          const r = await redeliverShares(ctx, { shares: f.shares, custodians, onProgress: depositProgress(s) });
          const lines = await keepPending(r.undelivered, o.pendingOut, o.force);
          s.out.result(r, [`delivered ${r.delivered.length} of ${f.shares.length} pending shares`, ...lines]);
          if (r.undelivered.length) process.exitCode = 1;
          return;
        }
        if (!o.keyFile || o.set === undefined) throw new UsageError("a deposit needs --key-file <file> and --set <setId> (or --retry <pending file>)");
        const k = await dataKeyOf(o.keyFile, o.dataset, o.datasetVersion);
        let r: DepositSharesResult;
        try {
          r = await depositShares(ctx, { datasetId: k.datasetId, version: k.version, setId: o.set, dek: k.dek, custodians, onProgress: depositProgress(s) });
        } finally {
          k.dek.fill(0);
        }
        const lines = await keepPending(r.undelivered, o.pendingOut, o.force);
        s.out.result(r, [...depositLines(r, "deposited"), ...lines]);
        if (r.undelivered.length) process.exitCode = 1;
      }),
    );

  cmd
    .command("move")
    .description("move a version's key to another custodian set: a new split to the new set; the old set's shares are ordered shredded (provider)")
    .requiredOption("--key-file <file>", "the version's data key file (the provider's own, or one fetched with `custody fetch`)")
    .option("--dataset <id>", "dataset id (default: from the key file)", parseId)
    .option("--dataset-version <n>", "version (default: from the key file)", parseUint)
    .requiredOption("--to-set <setId>", "the set to move the shares to", parseUint)
    .option("--custodians <url...>", CUSTODIANS_HELP)
    .option("--pending-out <file>", "where to keep shares that could not be delivered, for `custody deposit --retry`")
    .option("--force", "replace an existing pending file")
    .action(
      action<{ keyFile: string; dataset?: bigint; datasetVersion?: number; toSet: number; custodians?: string[]; pendingOut?: string; force?: boolean }>(async (s, o) => {
        const ctx = await custodyCtx(s, true);
        const custodians = await custodianClients(s, o.custodians);
        const k = await dataKeyOf(o.keyFile, o.dataset, o.datasetVersion);
        let r: DepositSharesResult;
        try {
          r = await moveCustody(ctx, { datasetId: k.datasetId, version: k.version, toSetId: o.toSet, dek: k.dek, custodians, onProgress: depositProgress(s) });
        } finally {
          k.dek.fill(0);
        }
        const lines = await keepPending(r.undelivered, o.pendingOut, o.force);
        s.out.result(r, [...depositLines(r, "moved"), ...lines]);
        if (r.undelivered.length) process.exitCode = 1;
      }),
    );

  cmd
    .command("fetch")
    .description("rebuild the data key of a granted request from t custodians' shares, check it against the chain, write it to a key file (requester)")
    .argument("<requestId>", "the request", parseId)
    .requiredOption("--device-key <file>", "the device key file the request named")
    .requiredOption("-o, --out <file>", "where to write the data key file (owner-readable only)")
    .option("--custodians <url...>", CUSTODIANS_HELP)
    .addOption(new Option("--wait <duration>", "wait this long while custodians are still releasing").argParser(parseDuration).default(0, "0s"))
    .option("--force", "replace an existing file")
    .action(
      action<{ deviceKey: string; out: string; custodians?: string[]; wait: number; force?: boolean }, [bigint]>(async (s, o, requestId) => {
        const device = await readDeviceKey(o.deviceKey);
        const ctx = await custodyCtx(s, true);
        const custodians = await custodianClients(s, o.custodians);
        const k = await fetchThresholdKey(ctx, { custodians, requestId, devicePrivateKey: device.privateKey, waitMs: o.wait * 1000, onProgress: fetchProgress(s) });
        try {
          const v = await getDatasetVersion(ctx, { datasetId: k.datasetId, version: k.version });
          await writeDataKey(o.out, { datasetId: k.datasetId.toString(), version: k.version, dek: k.dek, merkleRoot: v.merkleRoot, keyCommitment: v.keyCommitment }, o.force);
        } finally {
          k.dek.fill(0);
        }
        const failures = k.failures.map((f) => ({ custodian: f.custodian, index: f.index, code: f.error.code, message: f.error.message }));
        const r = { requestId: k.requestId, datasetId: k.datasetId, version: k.version, kind: k.kind, expiresAt: k.expiresAt, setId: k.setId, threshold: k.threshold, used: k.used, failures, keyFile: resolve(o.out) };
        s.out.result(r, [
          `rebuilt the ${nameOf(GRANT_KINDS, k.kind)} key of request #${k.requestId} (dataset #${k.datasetId} v${k.version}) from ${k.used.length} shares of custodian set ${k.setId}, valid until ${when(k.expiresAt)}`,
          `  shares from ${k.used.join(", ")}: each verified against the shares root on chain; the key matches the key commitment`,
          ...failures.map((f) => `  not used: custodian ${f.index} ${f.custodian}: ${f.message} [${f.code}]`),
          `  written to ${o.out} (secret); next: sealshare dataset decrypt --key-file ${o.out} -o <file> --format csv`,
        ]);
      }),
    );

  const shred = cmd.command("shred").description("destroying a version's key shares: ordered by the provider, or by a quorum of supervisors; confirmed by each custodian on chain");
  const versionOptions = (c: Command) =>
    c.requiredOption("--dataset <id>", "dataset id", parseId).requiredOption("--dataset-version <n>", "version", parseUint);
  versionOptions(shred.command("order").description("order the serving set's shares of a version destroyed, at once (the dataset's provider; irreversible)")).action(
    action<{ dataset: bigint; datasetVersion: number }>(async (s, o) => {
      const r = await orderShred(await custodyCtx(s, true), { datasetId: o.dataset, version: o.datasetVersion });
      s.out.result(r, [`ordered the shred of dataset #${r.datasetId} v${r.version}'s shares (custodian set ${r.setId}) at ${when(r.orderedAt)}`, `  each custodian deletes its share and confirms on chain: sealshare custody shred status --dataset ${r.datasetId} --dataset-version ${r.version}`]);
    }),
  );
  versionOptions(shred.command("vote").description("vote to shred a version's shares (a supervisor; ordered when the supervisors' quorum is reached)")).action(
    action<{ dataset: bigint; datasetVersion: number }>(async (s, o) => {
      const r = await voteShred(await custodyCtx(s, true), { datasetId: o.dataset, version: o.datasetVersion });
      s.out.result(r, r.ordered ? `voted: ${r.votes} of ${r.quorum} votes — the shred of dataset #${r.datasetId} v${r.version}'s shares is ordered (custodian set ${r.ordered.setId})` : `voted: ${r.votes} of ${r.quorum} votes to shred dataset #${r.datasetId} v${r.version}'s shares; another supervisor must vote`);
    }),
  );
  versionOptions(shred.command("status").description("where a version's shares are, and which custodians have (not) confirmed an ordered shred"))
    .option("--set <setId>", "a set that held the version's shares (default: the serving or last one)", parseUint)
    .action(
      action<{ dataset: bigint; datasetVersion: number; set?: number }>(async (s, o) => {
        const r = await getShredStatus(await custodyCtx(s, false), { datasetId: o.dataset, version: o.datasetVersion, setId: o.set });
        const head = `dataset #${r.datasetId} v${r.version}, custodian set ${r.setId}${r.setId === 0 ? " (no shares deposited)" : ""}`;
        s.out.result(
          r,
          r.ordered
            ? [
                `${head}: shred ordered at ${when(r.orderedAt!)} (${duration(Math.max(0, Math.floor(Date.now() / 1000) - r.orderedAt!))} ago)`,
                ...r.confirmed.map((c) => `  confirmed: custodian ${c.index} ${c.custodian}`),
                ...r.pending.map((c) => `  NOT confirmed yet: custodian ${c.index} ${c.custodian}`),
              ]
            : [`${head}: no shred ordered${r.setId === r.servingSetId && r.setId !== 0 ? " (it serves the version's key)" : ""}; supervisors' votes ${r.votes} of ${r.quorum}`],
        );
      }),
    );
  return cmd;
}
