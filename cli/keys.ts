/** `sealshare keys …` — device encryption keys: generate a key file, publish it on chain, revoke it. */
import { resolve } from "node:path";
import { hexlify } from "ethers";
import { Command } from "commander";
import { generateEncryptionKeyPair } from "../sdk/crypto/ecies.js";
import { publishEncryptionKey } from "../sdk/actions/publish-encryption-key.js";
import { revokeEncryptionKey } from "../sdk/actions/revoke-encryption-key.js";
import { toDeviceId } from "../sdk/actions/context.js";
import { action } from "./lib/command.js";
import { readDeviceKey, writeDeviceKey } from "./lib/keyfiles.js";

export function keysCommand(): Command {
  const cmd = new Command("keys").description("device encryption keys: the keys data keys are wrapped to");

  cmd
    .command("generate")
    .description("create a device key pair in a file (owner-readable only; nothing is sent)")
    .requiredOption("--device <label>", 'device label (e.g. "insurer/laptop-1") or 0x bytes32 id')
    .requiredOption("-o, --out <file>", "where to write the device key file")
    .option("--force", "replace an existing file")
    .action(
      action<{ device: string; out: string; force?: boolean }>(async (s, o) => {
        const pair = generateEncryptionKeyPair();
        const deviceId = toDeviceId(o.device);
        const path = resolve(o.out);
        await writeDeviceKey(path, { device: o.device, deviceId, publicKey: hexlify(pair.publicKey), privateKey: hexlify(pair.privateKey) }, o.force);
        const r = { file: path, device: o.device, deviceId, publicKey: hexlify(pair.publicKey) };
        s.out.result(r, [`wrote device key ${path} (keep it private: it opens the data keys released to this device)`, `  device ${o.device} (${deviceId})`, `  public key ${r.publicKey}`, `next: sealshare keys publish --device-key ${o.out}`]);
      }),
    );

  cmd
    .command("publish")
    .description("publish a device key file's public key on chain (rotates any previous key of that device)")
    .requiredOption("--device-key <file>", "device key file from `keys generate`")
    .action(
      action<{ deviceKey: string }>(async (s, o) => {
        const k = await readDeviceKey(o.deviceKey);
        // The device key file holds the private key: it signs the proof of possession the ledger requires.
        const r = await publishEncryptionKey(await s.ctx(true), { device: k.deviceId, keyPair: { publicKey: k.publicKey, privateKey: k.privateKey } });
        s.out.result({ ...r, device: k.device }, [
          `published encryption key #${r.keyId} for device ${k.device}${r.previousKeyId ? ` (replaces key #${r.previousKeyId})` : ""}`,
          `  tx ${r.txHash}`,
        ]);
      }),
    );

  cmd
    .command("revoke")
    .description("revoke this account's live key for a device; grants naming it stop being served")
    .requiredOption("--device <label>", "device label or 0x bytes32 id")
    .action(
      action<{ device: string }>(async (s, o) => {
        const r = await revokeEncryptionKey(await s.ctx(true), { device: o.device });
        s.out.result(r, [`revoked encryption key #${r.keyId} of device ${o.device}`, `  tx ${r.txHash}`]);
      }),
    );
  return cmd;
}
