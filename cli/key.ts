/**
 * `sealshare key …` — data keys and the custodian: the provider deposits a version's key; the
 * requester fetches the key of its grant (checked against the chain) into a key file.
 */
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { depositKey } from "../sdk/actions/deposit-key.js";
import { fetchKeyForGrant } from "./custody.js";
import { when } from "../sdk/format.js";
import { GRANT_KINDS, nameOf } from "../sdk/vocabulary.js";
import { action, parseDuration, parseId, parseUint } from "./lib/command.js";
import { UsageError } from "./lib/errors.js";
import { readDataKey, readDeviceKey, writeDataKey } from "./lib/keyfiles.js";
import { getDatasetVersion } from "../sdk/actions/get-dataset-version.js";

export function keyCommand(): Command {
  const cmd = new Command("key").description("data keys and the custodian: deposit (provider), fetch (requester)");

  cmd
    .command("deposit")
    .description("deposit a dataset version's data key with the custodian (provider)")
    .requiredOption("--key-file <file>", "the data key file written by `dataset register --key-out`")
    .option("--dataset <id>", "dataset id (default: from the key file)", parseId)
    .option("--dataset-version <n>", "version (default: from the key file)", parseUint)
    .action(
      action<{ keyFile: string; dataset?: bigint; datasetVersion?: number }>(async (s, o) => {
        const k = await readDataKey(o.keyFile);
        const datasetId = o.dataset ?? (k.datasetId !== undefined ? BigInt(k.datasetId) : undefined);
        const version = o.datasetVersion ?? k.version;
        if (datasetId === undefined || version === undefined) throw new UsageError("the key file names no dataset version; pass --dataset <id> --dataset-version <n>");
        const r = await depositKey(await s.ctx(true), { custodian: await s.custodian(), datasetId, version, dek: k.dek });
        k.dek.fill(0);
        s.out.result(r, `${r.created ? "deposited" : "already deposited:"} the data key of dataset #${r.datasetId} v${r.version} with the custodian ${r.custodian}`);
      }),
    );

  cmd
    .command("fetch")
    .description("fetch the data key of a granted request, check it against the chain, write it to a key file (requester)")
    .argument("<requestId>", "the request", parseId)
    .requiredOption("--device-key <file>", "the device key file the request named")
    .requiredOption("-o, --out <file>", "where to write the data key file (owner-readable only)")
    .addOption(new Option("--wait <duration>", "wait this long while the custodian is still releasing").argParser(parseDuration).default(0, "0s"))
    .option("--formal", "wait for the formal envelope (not the temporary one)")
    .option("--force", "replace an existing file")
    .action(
      action<{ deviceKey: string; out: string; wait: number; formal?: boolean; force?: boolean }, [bigint]>(async (s, o, requestId) => {
        const device = await readDeviceKey(o.deviceKey);
        const ctx = await s.ctx(true);
        const k = await fetchKeyForGrant(s, { requestId, devicePrivateKey: device.privateKey, deviceLabel: device.device, waitMs: o.wait * 1000, minKind: o.formal ? 2 : 0 });
        const v = await getDatasetVersion(ctx, { datasetId: k.datasetId, version: k.version });
        await writeDataKey(o.out, { datasetId: k.datasetId.toString(), version: k.version, dek: k.dek, merkleRoot: v.merkleRoot, keyCommitment: v.keyCommitment }, o.force);
        k.dek.fill(0);
        const r = { requestId: k.requestId, datasetId: k.datasetId, version: k.version, kind: k.kind, expiresAt: k.expiresAt, custodians: k.custodians, keyFile: resolve(o.out) };
        s.out.result(r, [
          `fetched the ${nameOf(GRANT_KINDS, k.kind)} key of request #${k.requestId} (dataset #${k.datasetId} v${k.version}), valid until ${when(k.expiresAt)}`,
          k.custodians.length > 1 ? `  rebuilt from the shares of ${k.custodians.length} custodians of its set, each checked against the on-chain shares root; matches the key commitment on chain` : "  signed by the ledger's custodian; matches the key commitment on chain",
          `  written to ${o.out} (secret); next: sealshare dataset decrypt --key-file ${o.out} -o <file> --format csv`,
        ]);
      }),
    );
  return cmd;
}
