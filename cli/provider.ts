/**
 * `sealshare provider …` — the provider's on-demand worker (sdk/provider/worker.ts): serve
 * access requests for on-demand datasets from the provider's data sources, and check a sources
 * file before running it.
 */
import { dirname, resolve } from "node:path";
import { Command, Option } from "commander";
import { getAddress } from "ethers";
import { OnDemandWorker, type RoundReport, type WorkerEvent } from "../sdk/provider/worker.js";
import { loadSourcesFile, type ConfiguredSource } from "../sdk/sources/registry.js";
import { normalizeRecords } from "../sdk/sources/normalize.js";
import { SourceError } from "../sdk/sources/errors.js";
import { GRANT_KINDS, nameOf } from "../sdk/vocabulary.js";
import { action, HELP, parseAddress, parseCategory, parseDuration, parseUint } from "./lib/command.js";
import { UsageError } from "./lib/errors.js";
import { duration } from "../sdk/format.js";

/** One line per worker event, for people and log files (stderr). Never data or keys. */
function describeEvent(e: WorkerEvent): string {
  switch (e.type) {
    case "request":
      return `request #${e.requestId} (dataset #${e.datasetId}): ${e.state}${e.reason ? ` — ${e.reason}` : ""}`;
    case "extracted":
      return `dataset #${e.datasetId}: pulled ${e.records} record(s) (${e.bytes} bytes as NDJSON) from ${e.source}`;
    case "published":
      return `dataset #${e.datasetId}: published v${e.version} for request(s) #${e.requestIds.join(", #")} (tx ${e.txHash})`;
    case "deposited":
      return `dataset #${e.datasetId} v${e.version}: key deposited with the custodian${e.created ? "" : " (already there)"}`;
    case "served":
      return `request #${e.requestId}: served by dataset #${e.datasetId} v${e.version}${e.extracted ? "" : " (existing version)"}`;
    case "granted":
      return `request #${e.requestId}: granted (${nameOf(GRANT_KINDS, e.kind)}) for v${e.version} — its approvals were already in`;
    case "recovered":
      return `dataset #${e.datasetId}${e.version ? ` v${e.version}` : ""}: interrupted version — ${e.outcome}`;
    case "retry":
      return `request #${e.requestId}: attempt ${e.attempts} failed [${e.code}], will retry: ${e.message}`;
    case "failed":
      return `request #${e.requestId}: GIVEN UP after ${e.attempts} attempt(s) [${e.code}]: ${e.message}`;
    case "warning":
      return `warning: ${e.message}`;
  }
}

/** Totals over rounds, for the result document. */
function emptyTotals() {
  return { rounds: 0, seen: 0, served: [] as RoundReport["served"], published: [] as RoundReport["published"], skipped: [] as RoundReport["skipped"], failed: [] as RoundReport["failed"], retrying: [] as RoundReport["retrying"], scannedTo: -1 };
}

export function providerCommand(): Command {
  const cmd = new Command("provider").description("on-demand datasets: serve requests from the provider's data sources (worker), check a sources file");

  cmd
    .command("serve")
    .description(
      "watch access requests for this provider's on-demand datasets; for each, pull the subject's records from the configured source, encrypt them, publish a version and deposit its key (runs until interrupted)",
    )
    .requiredOption("--sources <file>", "sources file (JSON): which adapter (folder, http, postgres) serves which source reference")
    .option("--checkpoint <file>", "where the worker remembers what it served (restart-safe; one per provider account)", "provider.checkpoint.json")
    .option("--once", "catch up to the chain head, serve what is waiting, and exit")
    .addOption(new Option("--poll <duration>", "pause between rounds when watching").argParser(parseDuration).default(5, "5s"))
    .option("--confirmations <n>", "blocks behind the head before a request is served", parseUint, 0)
    .option("--max-attempts <n>", "attempts per request before giving up (retryable failures: timeouts, HTTP 5xx, a database away)", parseUint, 5)
    .option("--max-records <n>", "refuse an extraction of more records than this", parseUint)
    .addHelpText(
      "after",
      `
Only requests filed while the dataset has no version are extracted: the ledger ties a later
request to the version that exists when it is filed, whose key is already deposited. The worker
never approves; after each deposit it asks the ledger to grant what the approvals already allow.
Progress goes to stderr; what was served, published, skipped and failed to stdout when it stops.`,
    )
    .action(
      action<{ sources: string; checkpoint: string; once?: boolean; poll: number; confirmations: number; maxAttempts: number; maxRecords?: number }>(async (s, o) => {
        if (o.maxAttempts < 1) throw new UsageError("--max-attempts must be at least 1");
        if (!o.once && o.poll < 1) throw new UsageError("--poll must be at least 1s");
        const sources = await loadSourcesFile(resolve(o.sources));
        const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
        let worker: OnDemandWorker | undefined;
        const controller = new AbortController();
        const stop = () => controller.abort();
        try {
          const checkpointPath = resolve(o.checkpoint);
          worker = await OnDemandWorker.open({
            ctx: await s.ctx(true),
            custodian: await s.custodian(),
            blobStore: await s.blobStore(),
            sources,
            checkpointPath,
            workDir: dirname(checkpointPath),
            confirmations: o.confirmations,
            maxAttempts: o.maxAttempts,
            maxRecords: o.maxRecords,
            onEvent: (e) => log(describeEvent(e)),
          });
          log(`provider ${worker.provider}: serving ${sources.list().length} source(s): ${sources.list().map((c) => c.ref).join(", ")}`);
          const totals = emptyTotals();
          const add = (r: RoundReport) => {
            totals.rounds++;
            totals.seen += r.seen;
            totals.served.push(...r.served);
            totals.published.push(...r.published);
            totals.skipped.push(...r.skipped);
            totals.failed.push(...r.failed);
            totals.retrying = r.retrying; // only the latest round's are still pending
            totals.scannedTo = r.toBlock;
          };
          if (o.once) {
            add(await worker.runOnce());
          } else {
            process.once("SIGINT", stop);
            process.once("SIGTERM", stop);
            log(`watching (every ${duration(o.poll)}; Ctrl-C to stop)`);
            await worker.run({ pollMs: o.poll * 1000, signal: controller.signal, onRound: add });
            log("stopped");
          }
          s.out.result({ provider: worker.provider, checkpoint: checkpointPath, ...totals }, [
            `served ${totals.served.length} request(s), published ${totals.published.length} version(s) up to block ${totals.scannedTo}`,
            ...totals.published.map((p) => `  dataset #${p.datasetId} v${p.version}: ${p.records} record(s) for request(s) #${p.requestIds.join(", #")}`),
            ...totals.skipped.map((x) => `  skipped request #${x.requestId}: ${x.reason}`),
            ...totals.failed.map((x) => `  FAILED request #${x.requestId} [${x.code}]: ${x.message}`),
            ...totals.retrying.map((x) => `  request #${x.requestId}: will retry (attempt ${x.attempts} failed: ${x.code})`),
          ]);
        } finally {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          await worker?.close();
          await sources.close();
        }
      }),
    );

  cmd
    .command("check")
    .description("validate a sources file; with --subject, pull one subject's records from each source and count them (values are not shown)")
    .requiredOption("--sources <file>", "the sources file to check")
    .option("--subject <address>", "also pull this subject's records (a dry run of the extraction)", parseAddress)
    .addOption(new Option("--category <name>", HELP.category("with --subject: the category used in templates")).argParser(parseCategory).default(0, "deposit"))
    .option("--source-ref <text>", "with --subject: check only this source")
    .action(
      action<{ sources: string; subject?: string; category: number; sourceRef?: string }>(async (s, o) => {
        if (o.sourceRef && !o.subject) throw new UsageError("--source-ref goes with --subject (which subject to pull)");
        const sources = await loadSourcesFile(resolve(o.sources));
        try {
          let list: ConfiguredSource[] = sources.list();
          if (o.sourceRef) {
            list = list.filter((c) => c.ref === o.sourceRef);
            if (list.length === 0) throw new UsageError(`no source "${o.sourceRef}" in ${o.sources}`);
          }
          const results = [];
          for (const c of list) {
            const entry: Record<string, unknown> = { ref: c.ref, sourceRef: c.sourceRefHash, kind: c.source.kind, name: c.source.name };
            if (o.subject) {
              try {
                let records = 0;
                const columns = new Set<string>();
                for await (const r of normalizeRecords(c.source.pull({ subject: getAddress(o.subject), category: o.category, sourceRef: c.ref }), { source: c.source.name })) {
                  records++;
                  for (const k of Object.keys(r)) columns.add(k);
                }
                Object.assign(entry, { ok: true, records, columns: [...columns] });
              } catch (err) {
                if (!(err instanceof SourceError)) throw err;
                Object.assign(entry, { ok: false, error: { code: err.code, message: err.message, retryable: err.retryable, ...(err.hint ? { hint: err.hint } : {}) } });
              }
            }
            results.push(entry);
          }
          const failed = results.filter((r) => r.ok === false).length;
          if (failed > 0) process.exitCode = 1;
          s.out.result({ sources: results }, [
            `${o.sources}: ${results.length} source(s)${o.subject ? `, pulled for ${o.subject}` : ", valid"}`,
            ...results.map((r) => {
              const head = `  ${String(r.ref)} → ${String(r.sourceRef)} (${String(r.name)})`;
              if (r.ok === undefined) return head;
              if (r.ok) return `${head}: ${String(r.records)} record(s), columns ${(r.columns as string[]).join(", ") || "(none)"}`;
              const e = r.error as { code: string; message: string };
              return `${head}: FAILED [${e.code}] ${e.message}`;
            }),
          ]);
        } finally {
          await sources.close();
        }
      }),
    );
  return cmd;
}
