/**
 * `sealshare config …` — see where each setting comes from, write a config file, create an
 * encrypted account keystore.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Command } from "commander";
import { Wallet } from "ethers";
import { SealshareError } from "../sdk/errors.js";
import { action } from "./lib/command.js";
import { DEFAULT_CONFIG_FILE, type ConfigFile, type GlobalFlags } from "./lib/config.js";
import { UsageError } from "./lib/errors.js";

export function configCommand(): Command {
  const cmd = new Command("config").description("configuration: show, init, new-account");

  cmd
    .command("show")
    .description("show the effective settings and where each comes from (flag, env, file); never a key")
    .action(
      action(async (s) => {
        const c = await s.config();
        const line = (name: string, v: { value: string; source: string } | undefined) => `  ${name.padEnd(13)} ${v ? `${v.value}  (${v.source})` : "(not set)"}`;
        const account = !c.account ? "(not set)" : c.account.kind === "private-key-env" ? "SEALSHARE_PRIVATE_KEY (env)" : `keystore ${c.account.path}${c.account.name ? ` ["${c.account.name}"]` : ""}  (${c.account.source})`;
        s.out.result({ ...c, accounts: c.accounts }, [
          `config file     ${c.file ?? "(none)"}`,
          line("rpcUrl", c.rpcUrl),
          line("deployment", c.deployment),
          line("custodianUrl", c.custodianUrl),
          line("blobDir", c.blobDir),
          `  account       ${account}`,
          ...(Object.keys(c.accounts).length ? [`  accounts      ${Object.keys(c.accounts).join(", ")}`] : []),
        ]);
      }),
    );

  cmd
    .command("init")
    .description("write a config file from the global flags (--rpc-url, --deployment, --custodian-url, --blob-dir, --keystore)")
    .option("-o, --out <file>", "where to write it", DEFAULT_CONFIG_FILE)
    .option("--force", "replace an existing file")
    .action(
      action<{ out: string; force?: boolean }>(async (s, o) => {
        const f = s.flags as GlobalFlags;
        const file: ConfigFile = {
          ...(f.rpcUrl ? { rpcUrl: f.rpcUrl } : {}),
          ...(f.deployment ? { deployment: resolve(f.deployment) } : {}),
          ...(f.custodianUrl ? { custodianUrl: f.custodianUrl } : {}),
          ...(f.blobDir ? { blobDir: resolve(f.blobDir) } : {}),
          ...(f.keystore ? { keystore: resolve(f.keystore) } : {}),
        };
        if (Object.keys(file).length === 0) throw new UsageError("nothing to write: pass the settings as flags, e.g. `sealshare config init --rpc-url http://127.0.0.1:8545 --deployment deployment.json`");
        try {
          await writeFile(o.out, JSON.stringify(file, null, 2) + "\n", { flag: o.force ? "w" : "wx" });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new SealshareError("FILE_EXISTS", `${o.out} exists already`, { hint: "pass --force to replace it" });
          throw err;
        }
        s.out.result({ file: resolve(o.out), config: file }, `wrote ${o.out}`);
      }),
    );

  cmd
    .command("new-account")
    .description("create an account in an encrypted JSON keystore (password from SEALSHARE_KEYSTORE_PASSWORD)")
    .requiredOption("-o, --out <file>", "where to write the keystore")
    .option("--from-env", "encrypt the key in SEALSHARE_PRIVATE_KEY instead of a new random one")
    .option("--force", "replace an existing file")
    .action(
      action<{ out: string; fromEnv?: boolean; force?: boolean }>(async (s, o) => {
        const password = s.env.SEALSHARE_KEYSTORE_PASSWORD;
        if (!password) throw new SealshareError("NO_PASSWORD", "set SEALSHARE_KEYSTORE_PASSWORD to the password that will protect the keystore");
        let wallet: Wallet;
        if (o.fromEnv) {
          if (!s.env.SEALSHARE_PRIVATE_KEY) throw new UsageError("--from-env needs SEALSHARE_PRIVATE_KEY");
          wallet = new Wallet(s.env.SEALSHARE_PRIVATE_KEY.trim());
        } else wallet = new Wallet(Wallet.createRandom().privateKey);
        const json = await wallet.encrypt(password);
        try {
          await writeFile(o.out, json, { mode: 0o600, flag: o.force ? "w" : "wx" });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new SealshareError("FILE_EXISTS", `${o.out} exists already`, { hint: "pass --force to replace it" });
          throw err;
        }
        s.out.result({ address: wallet.address, keystore: resolve(o.out) }, [`created account ${wallet.address}`, `  keystore ${o.out} (use it with --keystore ${o.out})`]);
      }),
    );
  return cmd;
}
