/**
 * `sealshare dataset …` — the provider's side (encrypt, register, publish a version, transfer,
 * retire), anyone's view (`show`), and the requester's last step (`decrypt`).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { encryptDataset } from "../sdk/actions/encrypt-dataset.js";
import { registerDataset } from "../sdk/actions/register-dataset.js";
import { registerOnDemandDataset } from "../sdk/actions/register-on-demand-dataset.js";
import { publishVersion } from "../sdk/actions/publish-version.js";
import { transferDataset } from "../sdk/actions/transfer-dataset.js";
import { retireDataset } from "../sdk/actions/retire-dataset.js";
import { getDataset } from "../sdk/actions/get-dataset.js";
import { depositKey } from "../sdk/actions/deposit-key.js";
import { fetchKeyForGrant } from "./custody.js";
import { decryptDataset } from "../sdk/actions/decrypt-dataset.js";
import type { DatasetSource } from "../sdk/actions/version-source.js";
import { SealshareError } from "../sdk/errors.js";
import { bytes, duration, who } from "../sdk/format.js";
import { memberNames } from "./members.js";
import { CATEGORIES, nameOf } from "../sdk/vocabulary.js";
import { action, HELP, parseAddress, parseCategory, parseDuration, parseFormat, parseId, parseUint } from "./lib/command.js";
import { UsageError } from "./lib/errors.js";
import { readDataKey, readDeviceKey, writeDataKey } from "./lib/keyfiles.js";
import type { Session } from "./lib/session.js";


interface VersionOpts {
  sealed?: string;
  keyFile?: string;
  format?: string;
  keyOut?: string;
  deposit?: boolean;
  force?: boolean;
}

/** The plaintext file, or `--sealed` + `--key-file` from `dataset encrypt`. */
async function sourceOf(file: string | undefined, o: VersionOpts): Promise<DatasetSource> {
  if (file && o.sealed) throw new UsageError("give either a plaintext file or --sealed <ciphertext>, not both");
  if (o.sealed) {
    if (!o.keyFile) throw new UsageError("--sealed needs --key-file (the data key file written by `dataset encrypt`)");
    const k = await readDataKey(o.keyFile);
    return { ciphertext: resolve(o.sealed), dek: k.dek, format: k.format, merkleRoot: k.merkleRoot };
  }
  if (!file) throw new UsageError("name the file to encrypt and register (or --sealed <ciphertext> --key-file <file>)", "for a dataset whose data is pulled from its source when a request arrives, use `dataset register-on-demand`");
  return { plaintext: resolve(file) };
}

function requireKeyDestination(o: VersionOpts): void {
  if (!o.keyOut && !o.deposit) {
    throw new UsageError("say where the new data key goes: --key-out <file> (to deposit later) and/or --deposit (to the custodian now)");
  }
  if (o.keyOut && !o.force && existsSync(o.keyOut)) throw new UsageError(`${o.keyOut} exists already`, "pass --force to replace it");
}

/** Writes the key file and/or deposits the key, after a version was registered. */
async function placeKey(s: Session, o: VersionOpts, v: { datasetId: bigint; version: number; dek: Uint8Array; merkleRoot: string; keyCommitment: string; format: string }) {
  const lines: string[] = [];
  const extra: Record<string, unknown> = {};
  if (o.keyOut) {
    await writeDataKey(o.keyOut, { datasetId: v.datasetId.toString(), version: v.version, dek: v.dek, merkleRoot: v.merkleRoot, keyCommitment: v.keyCommitment, format: v.format }, o.force);
    extra.keyFile = resolve(o.keyOut);
    lines.push(`  data key written to ${o.keyOut} (secret; deposit it with \`sealshare key deposit --key-file ${o.keyOut}\`)`);
  }
  if (o.deposit) {
    try {
      const d = await depositKey(await s.ctx(true), { custodian: await s.custodian(), datasetId: v.datasetId, version: v.version, dek: v.dek });
      extra.deposit = d;
      lines.push(`  data key deposited with the custodian ${d.custodian} (${d.status})`);
    } catch (err) {
      // The version is on chain already: never lose its key because the custodian failed.
      if (!o.keyOut) {
        const rescue = resolve(`dataset-${v.datasetId}-v${v.version}.key.json`);
        await writeDataKey(rescue, { datasetId: v.datasetId.toString(), version: v.version, dek: v.dek, merkleRoot: v.merkleRoot, keyCommitment: v.keyCommitment, format: v.format }, false);
        v.dek.fill(0);
        throw new SealshareError("DEPOSIT_FAILED", `dataset #${v.datasetId} v${v.version} is registered, but depositing its key failed: ${(err as Error).message}`, {
          hint: `the key was saved to ${rescue}; deposit it later with \`sealshare key deposit --key-file ${rescue}\``,
          cause: err,
        });
      }
      v.dek.fill(0);
      throw new SealshareError("DEPOSIT_FAILED", `dataset #${v.datasetId} v${v.version} is registered, but depositing its key failed: ${(err as Error).message}`, {
        hint: `deposit it later with \`sealshare key deposit --key-file ${o.keyOut}\``,
        cause: err,
      });
    }
  }
  v.dek.fill(0);
  return { extra, lines };
}

/** Subject, category and access policy: what every registration names. */
function addPolicyOptions(c: Command): Command {
  return c
    .requiredOption("--subject <address>", "the person the data is about", parseAddress)
    .requiredOption("--category <name>", HELP.category("what the data is"), parseCategory)
    .option("--no-provider-approval", "grant without the provider's approval of each request")
    .option("--quorum <n>", "distinct supervisors that must approve a formal grant", parseUint, 1)
    .addOption(new Option("--max-temporary <duration>", "longest temporary grant (0 disables them)").argParser(parseDuration).default(3600, "1h"))
    .addOption(new Option("--max-formal <duration>", "longest formal grant").argParser(parseDuration).default(30 * 86_400, "30d"));
}

function addVersionOptions(c: Command): Command {
  return c
    .option("--sealed <file>", "register a ciphertext made by `dataset encrypt` instead of a plaintext file")
    .option("--key-file <file>", "with --sealed: its data key file")
    .option("--format <name>", "record format recorded on chain (ndjson, json, csv); sniffed from the file by default")
    .option("--key-out <file>", "write the new data key here (owner-readable only)")
    .option("--deposit", "deposit the new data key with the custodian right away")
    .option("--force", "replace an existing --key-out file");
}

export function datasetCommand(): Command {
  const cmd = new Command("dataset").description("encrypted datasets: encrypt, register (now or on demand), version, transfer, retire, show, decrypt");

  cmd
    .command("encrypt")
    .description("encrypt a file with a fresh data key (local only; nothing is sent)")
    .argument("<file>", "the plaintext file")
    .requiredOption("-o, --out <file>", "where to write the ciphertext")
    .requiredOption("--key-out <file>", "where to write the data key file (owner-readable only)")
    .option("--force", "replace existing output files")
    .action(
      action<{ out: string; keyOut: string; force?: boolean }, [string]>(async (s, o, file) => {
        if (!o.force) for (const f of [o.out, o.keyOut]) if (existsSync(f)) throw new UsageError(`${f} exists already`, "pass --force to replace it");
        const progress = s.progress();
        let r;
        try {
          r = await encryptDataset({ input: resolve(file), output: resolve(o.out), onProgress: (d, t) => progress.update("encrypt", d, t) });
        } finally {
          progress.stop();
        }
        await writeDataKey(o.keyOut, { dek: r.dek, merkleRoot: r.merkleRoot, format: r.format, ciphertext: resolve(o.out) }, o.force);
        r.dek.fill(0);
        s.out.result({ ...r, keyFile: resolve(o.keyOut) }, [
          `encrypted ${file} (${bytes(r.plaintextSize)}) → ${o.out} (${bytes(r.size)}, ${r.chunkCount} chunk(s))`,
          `  merkle ${r.merkleRoot}`,
          `  data key in ${o.keyOut} (secret)`,
          `next: sealshare dataset register --sealed ${o.out} --key-file ${o.keyOut} --subject <address> --category <name> …`,
        ]);
      }),
    );

  addVersionOptions(
    addPolicyOptions(
      cmd
        .command("register")
        .description("encrypt a file, store the ciphertext in the blob folder and register the dataset on chain (provider)")
        .argument("[file]", "the plaintext file (records as NDJSON, JSON or CSV, or any bytes)"),
    ).option("--source-ref <text>", "reference of the data source (hashed)"),
  ).action(
    action<VersionOpts & { subject: string; category: number; providerApproval: boolean; quorum: number; maxTemporary: number; maxFormal: number; sourceRef?: string }, [string | undefined]>(async (s, o, file) => {
      const source = await sourceOf(file, o);
      requireKeyDestination(o);
      const ctx = await s.ctx(true);
      const progress = s.progress();
      let r;
      try {
        r = await registerDataset(ctx, {
          subject: o.subject,
          category: o.category,
          policy: { requireProvider: o.providerApproval, supervisorQuorum: o.quorum, maxTemporary: o.maxTemporary, maxFormal: o.maxFormal },
          source,
          blobStore: await s.blobStore(),
          format: o.format,
          sourceRef: o.sourceRef,
          onProgress: (d, t) => progress.update("encrypt", d, t),
        });
      } finally {
        progress.stop();
      }
      const placed = await placeKey(s, o, r);
      s.out.result({ ...r, ...placed.extra }, [
        `registered dataset #${r.datasetId} v${r.version} about ${o.subject}`,
        `  ${bytes(r.size)} ciphertext at ${r.uri}`,
        `  merkle ${r.merkleRoot}`,
        ...placed.lines,
        `  tx ${r.txHash}`,
      ]);
    }),
  );

  addPolicyOptions(
    cmd
      .command("register-on-demand")
      .description("register an on-demand dataset: no data yet, only the source its records are pulled from when a request arrives (provider; served by `provider serve`)"),
  )
    .requiredOption("--source-ref <text>", "the data source: the key of its entry in the sources file of `provider serve` (hashed on chain)")
    .action(
      action<{ subject: string; category: number; providerApproval: boolean; quorum: number; maxTemporary: number; maxFormal: number; sourceRef: string }>(async (s, o) => {
        const r = await registerOnDemandDataset(await s.ctx(true), {
          subject: o.subject,
          category: o.category,
          policy: { requireProvider: o.providerApproval, supervisorQuorum: o.quorum, maxTemporary: o.maxTemporary, maxFormal: o.maxFormal },
          sourceRef: o.sourceRef,
        });
        s.out.result({ ...r, sourceRefText: o.sourceRef }, [
          `registered on-demand dataset #${r.datasetId} about ${o.subject} (no version yet)`,
          `  source reference "${o.sourceRef}" → ${r.sourceRef}`,
          `  tx ${r.txHash}`,
          "next: run `sealshare provider serve --sources <file>` with an entry for this source reference",
        ]);
      }),
    );

  addVersionOptions(
    cmd
      .command("publish-version")
      .description("publish a new version of a dataset under a fresh data key (provider)")
      .argument("<datasetId>", "the dataset", parseId)
      .argument("[file]", "the plaintext file"),
  ).action(
    action<VersionOpts, [bigint, string | undefined]>(async (s, o, datasetId, file) => {
      const source = await sourceOf(file, o);
      requireKeyDestination(o);
      const ctx = await s.ctx(true);
      const progress = s.progress();
      let r;
      try {
        r = await publishVersion(ctx, { datasetId, source, blobStore: await s.blobStore(), format: o.format, onProgress: (d, t) => progress.update("encrypt", d, t) });
      } finally {
        progress.stop();
      }
      const placed = await placeKey(s, o, r);
      s.out.result({ ...r, ...placed.extra }, [`published dataset #${r.datasetId} v${r.version} (${bytes(r.size)} at ${r.uri})`, ...placed.lines, `  tx ${r.txHash}`]);
    }),
  );

  cmd
    .command("transfer")
    .description("hand stewardship of a dataset to another member (provider)")
    .argument("<datasetId>", "the dataset", parseId)
    .argument("<to>", "the new provider's account", parseAddress)
    .action(
      action<Record<string, unknown>, [bigint, string]>(async (s, _o, datasetId, to) => {
        const r = await transferDataset(await s.ctx(true), { datasetId: datasetId, to: to! });
        s.out.result(r, [`dataset #${r.datasetId} now stewarded by ${r.to}`, `  tx ${r.txHash}`]);
      }),
    );

  cmd
    .command("retire")
    .description("retire a dataset: no new requests or versions, live grants stop (provider)")
    .argument("<datasetId>", "the dataset", parseId)
    .action(
      action<Record<string, unknown>, [bigint]>(async (s, _o, datasetId) => {
        const r = await retireDataset(await s.ctx(true), { datasetId: datasetId });
        s.out.result(r, [`retired dataset #${r.datasetId}`, `  tx ${r.txHash}`]);
      }),
    );

  cmd
    .command("show")
    .description("show a dataset: provider, subject, policy and every version")
    .argument("<datasetId>", "the dataset", parseId)
    .action(
      action<Record<string, unknown>, [bigint]>(async (s, _o, datasetId) => {
        const [r, names] = await Promise.all([getDataset(await s.ctx(), { datasetId: datasetId }), memberNames(s)]);
        const p = r.policy;
        s.out.result(r, [
          `dataset #${r.datasetId} (${nameOf(CATEGORIES, r.category)})${r.retired ? " — RETIRED" : ""}`,
          `  subject  ${who(r.subject, names)}`,
          `  provider ${who(r.provider, names)}`,
          `  policy   provider approval ${p.requireProvider ? "required" : "not required"}, supervisor quorum ${p.supervisorQuorum}, temporary ${p.maxTemporary ? `up to ${duration(p.maxTemporary)}` : "none"}, formal up to ${duration(p.maxFormal)}`,
          ...r.versions.map((v) => `  v${v.version}: ${bytes(v.size)} ${v.format ?? "raw"}, merkle ${v.merkleRoot}, ${v.storageURI}`),
        ]);
      }),
    );

  cmd
    .command("decrypt")
    .description("fetch a dataset's ciphertext, check it against the chain, decrypt and convert it (requester)")
    .argument("[datasetId]", "the dataset (default: from --request or --key-file)", parseId)
    .requiredOption("-o, --out <file>", "where to write the plaintext (owner-readable only)")
    .option("--format <format>", "json, csv, ndjson, or raw (the bytes as stored)", parseFormat, "raw")
    .option("--request <requestId>", "fetch the data key of this granted request from the custodian", parseId)
    .option("--device-key <file>", "with --request: the device key file the request named")
    .addOption(new Option("--wait <duration>", "with --request: wait this long for the key to be released").argParser(parseDuration).default(0, "0s"))
    .option("--key-file <file>", "use this data key file instead (from `key fetch -o` or the provider's)")
    .option("--dataset-version <n>", "dataset version (default: the key's, else the latest)", parseUint)
    .option("--input <file>", "decrypt this local ciphertext instead of the blob folder's copy (still checked against the chain when a dataset is known)")
    .option("--force", "replace an existing output file")
    .action(
      action<{ out: string; format: "json" | "csv" | "ndjson" | "raw"; request?: bigint; deviceKey?: string; wait: number; keyFile?: string; datasetVersion?: number; input?: string; force?: boolean }, [bigint | undefined]>(
        async (s, o, datasetArg) => {
          if (!o.force && existsSync(o.out)) throw new UsageError(`${o.out} exists already`, "pass --force to replace it");
          if (o.request !== undefined && o.keyFile) throw new UsageError("give either --request (fetch the key) or --key-file, not both");
          let datasetId: bigint | undefined = datasetArg;
          let version = o.datasetVersion;
          let dek: Uint8Array;
          if (o.request !== undefined) {
            if (!o.deviceKey) throw new UsageError("--request needs --device-key <file> (the device the request named)");
            const device = await readDeviceKey(o.deviceKey);
            const k = await fetchKeyForGrant(s, { requestId: o.request, devicePrivateKey: device.privateKey, deviceLabel: device.device, waitMs: o.wait * 1000 });
            if (datasetId !== undefined && datasetId !== k.datasetId) throw new SealshareError("WRONG_DATASET", `request #${o.request} is for dataset #${k.datasetId}, not #${datasetId}`);
            datasetId = k.datasetId;
            version ??= k.version;
            dek = k.dek;
          } else if (o.keyFile) {
            const k = await readDataKey(o.keyFile);
            if (datasetId === undefined && k.datasetId !== undefined) datasetId = BigInt(k.datasetId);
            if (version === undefined && k.version !== undefined && (datasetArg === undefined || BigInt(k.datasetId ?? -1) === datasetId)) version = k.version;
            dek = k.dek;
          } else {
            throw new UsageError("say which data key to use: --request <id> --device-key <file>, or --key-file <file>");
          }
          if (datasetId === undefined && !o.input) throw new UsageError("name the dataset, or give the ciphertext file with --input");
          if (datasetId === undefined) s.out.warn("no dataset named: the ciphertext is not checked against the chain (its chunks are still authenticated)");
          const progress = s.progress();
          let r;
          try {
            r = await decryptDataset(datasetId !== undefined ? await s.ctx() : undefined, {
              datasetId,
              version,
              dek,
              output: resolve(o.out),
              format: o.format,
              ...(o.input ? { ciphertextPath: resolve(o.input) } : { blobStore: await s.readBlobStore() }),
              onProgress: (phase, d, t) => progress.update(phase, d, t),
            });
          } finally {
            progress.stop();
            dek.fill(0);
          }
          s.out.result(r, [
            `decrypted ${r.datasetId !== undefined ? `dataset #${r.datasetId} v${r.version}` : o.input} → ${o.out} (${bytes(r.plaintextSize)}${r.records !== undefined ? `, ${r.records} records as ${r.format}` : ""})`,
            r.verified ? `  ciphertext Merkle root ${r.merkleRoot} matches the chain; key matches its commitment` : "  not checked against the chain",
          ]);
        },
      ),
    );
  return cmd;
}

