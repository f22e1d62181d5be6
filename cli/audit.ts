/**
 * `sealshare audit …` — anyone's view of the ledger, from events alone (no database): the
 * timeline of a dataset, a subject or a requester; an export for other tools; and verification
 * (sdk/audit/verify.ts) of ciphertexts, batched release receipts and grants, and — when the
 * deployment has a custody contract — threshold custody's shred confirmations and a requester's
 * evidence of bad shares. A thin shell over sdk/audit/.
 */
import { writeFile } from "node:fs/promises";
import { Command, Argument, Option } from "commander";
import { isAddress, getAddress } from "ethers";
import type { TimelineEntry } from "../sdk/audit/timeline.js";
import { readShareEvidence } from "../sdk/audit/evidence-folder.js";
import { DEFAULT_SHRED_DEADLINE_SECONDS } from "../sdk/audit/verify-custody.js";
import type { TimelineScope } from "../sdk/audit/filter.js";
import { readAuditTimeline } from "../sdk/actions/read-audit-timeline.js";
import { timelineToCsv, timelineToJson } from "../sdk/audit/export.js";
import { verifyLedger } from "../sdk/audit/verify.js";
import { fetchReceiptProofs, parseReceiptProofs } from "../sdk/audit/proofs.js";
import { SealshareError } from "../sdk/errors.js";
import { when } from "../sdk/format.js";
import { action, parseAddress, parseDuration, parseId, parseUint } from "./lib/command.js";
import { UsageError } from "./lib/errors.js";
import { readJsonFile } from "./lib/keyfiles.js";
import type { Session } from "./lib/session.js";

/** The SDK's readAuditTimeline (the dapp's auditor page reads the same), narrowed to `scope`. */
async function timeline(s: Session, scope: TimelineScope, o: { fromBlock?: number; toBlock?: number }): Promise<TimelineEntry[]> {
  const ctx = await s.ctx();
  const c = await s.config();
  const { deployment } = await s.chain();
  const filters = scope.kind === "dataset" ? { datasetId: scope.datasetId } : scope.kind === "subject" ? { subject: scope.subject } : scope.kind === "requester" ? { requester: scope.requester } : {};
  const { entries } = await readAuditTimeline({ ...ctx, fromBlock: o.fromBlock ?? ctx.fromBlock }, { ...filters, toBlock: o.toBlock, names: c.names, custody: deployment.custody });
  return entries;
}

function scopeOf(kind: string, id: string | undefined): TimelineScope {
  if (kind === "all") return { kind: "all" };
  if (id === undefined) throw new UsageError(`\`audit timeline ${kind}\` needs ${kind === "dataset" ? "a dataset id" : "an address"}`);
  if (kind === "dataset") {
    if (!/^\d+$/.test(id)) throw new UsageError(`not a dataset id: ${JSON.stringify(id)}`);
    return { kind: "dataset", datasetId: BigInt(id) };
  }
  if (!isAddress(id)) throw new UsageError(`not an address: ${JSON.stringify(id)}`);
  return kind === "subject" ? { kind: "subject", subject: getAddress(id) } : { kind: "requester", requester: getAddress(id) };
}

export function auditCommand(): Command {
  const cmd = new Command("audit").description("audit from events alone: timeline, export, verify");

  cmd
    .command("timeline")
    .description("the history of a dataset, a subject or a requester, rebuilt from the ledger's events")
    .addArgument(new Argument("<scope>", "what to follow").choices(["dataset", "subject", "requester", "all"]))
    .argument("[id]", "dataset id, or the subject's / requester's address")
    .option("--from-block <n>", "start here (default: the deployment block)", parseUint)
    .option("--to-block <n>", "stop here (default: the latest block)", parseUint)
    .action(
      action<{ fromBlock?: number; toBlock?: number }>(async (s, o, kind, id) => {
        const entries = await timeline(s, scopeOf(kind!, id), o);
        s.out.result(
          timelineToJson(entries),
          entries.length ? entries.map((e) => `#${String(e.blockNumber).padStart(4)} ${e.timestamp !== undefined ? when(e.timestamp) : ""}  ${e.summary}   (tx ${e.txHash.slice(0, 10)}…)`) : "no events",
        );
      }),
    );

  cmd
    .command("export")
    .description("export a timeline as CSV or JSON (all events, or one dataset / subject / requester)")
    .requiredOption("--format <format>", "csv or json")
    .option("-o, --out <file>", "write here (default: stdout)")
    .option("--dataset <id>", "only this dataset", parseId)
    .option("--subject <address>", "only this subject", parseAddress)
    .option("--requester <address>", "only this requester", parseAddress)
    .action(
      action<{ format: string; out?: string; dataset?: bigint; subject?: string; requester?: string }>(async (s, o) => {
        if (o.format !== "csv" && o.format !== "json") throw new UsageError(`unknown format ${JSON.stringify(o.format)}: use csv or json`);
        const scopes = [o.dataset !== undefined, !!o.subject, !!o.requester].filter(Boolean).length;
        if (scopes > 1) throw new UsageError("give at most one of --dataset, --subject, --requester");
        if (!o.out && s.out.json && o.format === "csv") throw new UsageError("--json with CSV needs --out <file> (stdout holds the JSON summary)");
        const scope: TimelineScope =
          o.dataset !== undefined ? { kind: "dataset", datasetId: o.dataset } : o.subject ? { kind: "subject", subject: o.subject } : o.requester ? { kind: "requester", requester: o.requester } : { kind: "all" };
        const entries = await timeline(s, scope, {});
        const text = o.format === "csv" ? timelineToCsv(entries) : JSON.stringify(timelineToJson(entries), null, 2) + "\n";
        if (o.out) {
          await writeFile(o.out, text);
          s.out.result({ file: o.out, format: o.format, events: entries.length }, `wrote ${entries.length} events to ${o.out}`);
        } else if (s.out.json) {
          s.out.result(timelineToJson(entries), "");
        } else {
          process.stdout.write(text);
        }
      }),
    );

  cmd
    .command("verify")
    .description("verify ciphertexts against the chain, receipt proofs against sealed batches, and that every grant and key release followed the rules; exits 1 on any violation")
    .option("--proofs <file>", "inclusion proofs of batched releases (JSON: the custodian's /v1/receipts answers, or a list of { batchId, requestId, kind, envelopeHash, releasedAt, proof })")
    .option("--custodian-proofs", "fetch the inclusion proofs of every request from the custodian")
    .option("--no-blobs", "skip the blob folder (check on-chain state only)")
    .option("--require-blobs", "a ciphertext missing from the blob folder is a violation (default: a note)")
    .addOption(
      new Option("--shred-deadline <duration>", "threshold custody: every custodian of a set ordered to shred must confirm within this much chain time (SHRED_NOT_CONFIRMED names the one that did not)")
        .argParser(parseDuration)
        .default(DEFAULT_SHRED_DEADLINE_SECONDS, "1d"),
    )
    .option("--evidence <dir>", "threshold custody: a folder of bad-share evidence a requester kept (one JSON file each); BAD_SHARE names the custodian a file proves signed a bad share")
    .action(
      action<{ proofs?: string; custodianProofs?: boolean; blobs: boolean; requireBlobs?: boolean; shredDeadline: number; evidence?: string }>(async (s, o) => {
        const { provider, deployment, ledger } = await s.chain();
        const c = await s.config();
        const blobStore = o.blobs && (c.blobUrl || c.blobDir) ? await s.readBlobStore() : undefined;
        const evidence = o.evidence ? await readShareEvidence(o.evidence) : undefined;
        const { all: timeline } = await readAuditTimeline(await s.ctx(), { custody: deployment.custody });
        const proofs = o.proofs ? parseReceiptProofs(await readJsonFile(o.proofs, "proofs file"), o.proofs) : [];
        if (o.custodianProofs) {
          const ids = timeline.filter((e) => e.event === "AccessRequested").map((e) => BigInt(e.args.requestId as bigint));
          proofs.push(...(await fetchReceiptProofs((await s.custodian()).baseUrl, ids)));
        }
        const report = await verifyLedger({
          ledger,
          provider,
          fromBlock: deployment.deployBlock,
          timeline,
          blobStore,
          requireBlobs: o.requireBlobs,
          proofs,
          custody: deployment.custody,
          shredDeadline: o.shredDeadline,
          evidence,
        });
        const k = report.checked;
        const notes = [...report.notes];
        if (!blobStore) notes.push(o.blobs ? "no blob folder configured: ciphertexts checked on chain only" : "blob folder skipped (--no-blobs)");
        s.out.result({ ...report, notes }, [
          `ciphertexts: ${k.versions} version(s), ${k.blobsVerified} blob(s) verified, ${k.blobsMissing} missing`,
          `receipts:    ${k.batches} sealed batch(es), ${k.proofsVerified} proof(s) verified`,
          `grants:      ${k.grants} grant(s), ${k.releases} key release(s) checked`,
          ...(deployment.custody || evidence ? [`custody:     ${k.shredOrders} shred order(s), ${k.evidence} piece(s) of share evidence checked`] : []),
          ...notes.map((n) => `note: ${n}`),
          ...report.refusedEvidence.map((r) => `evidence refused: ${r.where}: ${r.reason}`),
          ...report.violations.map((v) => `VIOLATION [${v.check}] ${v.code}: ${v.message}${v.txHash ? ` (tx ${v.txHash})` : ""}`),
          report.ok ? "✔ no violations" : `✘ ${report.violations.length} violation(s)`,
        ]);
        if (!report.ok) process.exitCode = 1;
      }),
    );
  return cmd;
}
