/**
 * The CLI's configuration: a JSON file, the environment and flags, in that order of increasing
 * precedence (flags > env > file).
 *
 * | setting        | flag               | environment                 | file key        |
 * |----------------|--------------------|-----------------------------|-----------------|
 * | config file    | `--config <path>`  | `SEALSHARE_CONFIG`          | (./sealshare.config.json if present) |
 * | JSON-RPC URL   | `--rpc-url`        | `SEALSHARE_RPC_URL`         | `rpcUrl`        |
 * | deployment     | `--deployment`     | `SEALSHARE_DEPLOYMENT`      | `deployment`    |
 * | custodian URL  | `--custodian-url`  | `SEALSHARE_CUSTODIAN_URL`   | `custodianUrl`  |
 * | blob folder    | `--blob-dir`       | `SEALSHARE_BLOB_DIR`        | `blobDir`       |
 * | blob server    | `--blob-url`       | `SEALSHARE_BLOB_URL`        | `blobUrl`       |
 * | other blob origins | `--blob-allow-origin` | `SEALSHARE_BLOB_ALLOW_ORIGINS` (comma-separated) | `blobAllowOrigins` |
 * | blob server credential | —          | `SEALSHARE_BLOB_AUTHORIZATION` (an `Authorization` header value) | — |
 * | keystore       | `--keystore`       | `SEALSHARE_KEYSTORE`        | `keystore`      |
 * | named account  | `--as <name>`      | `SEALSHARE_ACCOUNT`         | `account`, picked from `accounts` |
 * | private key    | —                  | `SEALSHARE_PRIVATE_KEY`     | —               |
 * | keystore password | —               | `SEALSHARE_KEYSTORE_PASSWORD` (else a prompt) | — |
 *
 * Paths in the file are relative to the file. A private key is only ever read from the
 * environment or an encrypted keystore (ethers JSON keystore), never from a flag (it would show
 * in `ps`) or the config file, and is never printed. The blob server's credential likewise comes
 * from the environment only, and is sent to the `--blob-url` origin only (never to an origin a
 * registered storage URI names).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { SealshareError } from "../../sdk/errors.js";

export interface ConfigFile {
  rpcUrl?: string;
  deployment?: string;
  custodianUrl?: string;
  blobDir?: string;
  /** Blob server to read ciphertexts from (HTTP(S)); `blob://` URIs resolve against it. */
  blobUrl?: string;
  /** Further origins registered storage URIs may point at (read without credentials). */
  blobAllowOrigins?: string[];
  keystore?: string;
  /** Default account name (a key of `accounts`). */
  account?: string;
  /** Named accounts: name → keystore file. */
  accounts?: Record<string, string>;
  /** Display names for addresses (address → name), used in timelines. */
  names?: Record<string, string>;
}

export interface GlobalFlags {
  config?: string;
  rpcUrl?: string;
  deployment?: string;
  custodianUrl?: string;
  blobDir?: string;
  blobUrl?: string;
  blobAllowOrigin?: string[];
  keystore?: string;
  as?: string;
  json?: boolean;
}

export type Source = "flag" | "env" | "file" | "default";

export interface Setting<T = string> {
  value: T;
  source: Source;
}

export interface ResolvedConfig {
  /** The config file read, if any. */
  file?: string;
  rpcUrl?: Setting;
  deployment?: Setting;
  custodianUrl?: Setting;
  blobDir?: Setting;
  blobUrl?: Setting;
  /** Origins besides `blobUrl`'s that storage URIs may name; empty unless allowed explicitly. */
  blobAllowOrigins: string[];
  /** How the signing account is found (never the key itself). */
  account?: { kind: "private-key-env" } | { kind: "keystore"; path: string; name?: string; source: Source };
  accounts: Record<string, string>;
  names: Record<string, string>;
}

export const DEFAULT_CONFIG_FILE = "sealshare.config.json";

export async function loadConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<ResolvedConfig> {
  const explicit = flags.config ?? env.SEALSHARE_CONFIG;
  let path: string | undefined;
  if (explicit) {
    path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new SealshareError("CONFIG_NOT_FOUND", `config file ${path} does not exist`, {
        hint: `create it with \`sealshare config init\`, start a local setup with \`sealshare dev\`, or fix ${flags.config ? "--config" : "SEALSHARE_CONFIG"}`,
      });
    }
  } else if (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) {
    path = resolve(cwd, DEFAULT_CONFIG_FILE);
  }
  let file: ConfigFile = {};
  if (path) {
    try {
      file = JSON.parse(await readFile(path, "utf8")) as ConfigFile;
    } catch (cause) {
      throw new SealshareError("CONFIG_INVALID", `config file ${path} is not valid JSON`, { cause, hint: "fix the file or recreate it with `sealshare config init --force`" });
    }
    if (file === null || typeof file !== "object" || Array.isArray(file)) throw new SealshareError("CONFIG_INVALID", `config file ${path} must hold a JSON object`);
  }
  const base = path ? dirname(path) : cwd;
  const filePath = (p: string | undefined) => (p ? resolve(base, p) : undefined);

  const pick = (flag: string | undefined, envName: string, fileValue: string | undefined, isPath = false): Setting | undefined => {
    if (flag) return { value: isPath ? resolve(cwd, flag) : flag, source: "flag" };
    const e = env[envName];
    if (e) return { value: isPath ? resolve(cwd, e) : e, source: "env" };
    if (fileValue) return { value: isPath ? filePath(fileValue)! : fileValue, source: "file" };
    return undefined;
  };

  const accounts = Object.fromEntries(Object.entries(file.accounts ?? {}).map(([k, v]) => [k, filePath(v)!]));
  const named = (name: string, source: Source) => {
    const p = accounts[name];
    if (!p) {
      throw new SealshareError("UNKNOWN_ACCOUNT", `no account named "${name}" in the config`, {
        hint: Object.keys(accounts).length ? `known accounts: ${Object.keys(accounts).join(", ")}` : "add an `accounts` map (name → keystore file) to the config file",
      });
    }
    return { kind: "keystore" as const, path: p, name, source };
  };
  let account: ResolvedConfig["account"];
  if (flags.keystore) account = { kind: "keystore", path: resolve(cwd, flags.keystore), source: "flag" };
  else if (flags.as) account = named(flags.as, "flag");
  else if (env.SEALSHARE_PRIVATE_KEY) account = { kind: "private-key-env" };
  else if (env.SEALSHARE_KEYSTORE) account = { kind: "keystore", path: resolve(cwd, env.SEALSHARE_KEYSTORE), source: "env" };
  else if (env.SEALSHARE_ACCOUNT) account = named(env.SEALSHARE_ACCOUNT, "env");
  else if (file.keystore) account = { kind: "keystore", path: filePath(file.keystore)!, source: "file" };
  else if (file.account) account = named(file.account, "file");

  return {
    file: path,
    rpcUrl: pick(flags.rpcUrl, "SEALSHARE_RPC_URL", file.rpcUrl),
    deployment: pick(flags.deployment, "SEALSHARE_DEPLOYMENT", filePath(file.deployment), true),
    custodianUrl: pick(flags.custodianUrl, "SEALSHARE_CUSTODIAN_URL", file.custodianUrl),
    blobDir: pick(flags.blobDir, "SEALSHARE_BLOB_DIR", filePath(file.blobDir), true),
    blobUrl: pick(flags.blobUrl, "SEALSHARE_BLOB_URL", file.blobUrl),
    blobAllowOrigins:
      flags.blobAllowOrigin ??
      (env.SEALSHARE_BLOB_ALLOW_ORIGINS
        ? env.SEALSHARE_BLOB_ALLOW_ORIGINS.split(",")
            .map((o) => o.trim())
            .filter(Boolean)
        : (file.blobAllowOrigins ?? [])),
    account,
    accounts,
    names: file.names ?? {},
  };
}

/** The setting's value, or a friendly error saying how to set it. */
export function required(s: Setting | undefined, what: string, flag: string, envName: string, key: string): string {
  if (s) return s.value;
  throw new SealshareError("MISSING_CONFIG", `no ${what} is configured`, {
    hint: `pass ${flag}, set ${envName}, or put "${key}" in ${DEFAULT_CONFIG_FILE} (\`sealshare config init\`); \`sealshare dev\` writes a ready-to-use config`,
  });
}
