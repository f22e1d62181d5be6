/**
 * What a command needs, built lazily from the resolved configuration: the chain (provider +
 * deployment + ledger), the acting account, the custodian client and the blob store. Each is
 * only set up (and only complained about when missing) if the command asks for it.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { Wallet, type JsonRpcProvider, type Signer } from "ethers";
import type { Deployment, Sealshare } from "../../sdk/contracts.js";
import { connectDeployment } from "../../sdk/actions/connect-deployment.js";
import { readDeployment } from "../../sdk/deployment-file.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { SealshareError } from "../../sdk/errors.js";
import { HttpBlobStore, LocalBlobStore, type BlobStore } from "../../sdk/blob/index.js";
import type { SealshareContext } from "../../sdk/actions/context.js";
import { loadConfig, required, type GlobalFlags, type ResolvedConfig } from "./config.js";
import { Output } from "./output.js";
import { createProgress, progressEnabled, type ProgressReporter } from "./progress.js";

export class Session {
  readonly out: Output;
  #config?: ResolvedConfig;
  #chain?: Promise<{ provider: JsonRpcProvider; deployment: Deployment; ledger: Sealshare }>;
  #signer?: Promise<Signer>;

  constructor(
    readonly flags: GlobalFlags,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.out = new Output(Boolean(flags.json));
  }

  async config(): Promise<ResolvedConfig> {
    this.#config ??= await loadConfig(this.flags, this.env);
    return this.#config;
  }

  progress(): ProgressReporter {
    return createProgress(progressEnabled(Boolean(this.flags.json)));
  }

  /** Provider, deployment and ledger; checks the node serves the deployment's chain and contract. */
  chain(): Promise<{ provider: JsonRpcProvider; deployment: Deployment; ledger: Sealshare }> {
    this.#chain ??= (async () => {
      const c = await this.config();
      const rpcUrl = required(c.rpcUrl, "JSON-RPC URL", "--rpc-url", "SEALSHARE_RPC_URL", "rpcUrl");
      const deploymentPath = required(c.deployment, "deployment file", "--deployment", "SEALSHARE_DEPLOYMENT", "deployment");
      let deployment: Deployment;
      try {
        deployment = await readDeployment(deploymentPath);
      } catch (cause) {
        const from = { flag: "--deployment", env: "SEALSHARE_DEPLOYMENT", file: `"deployment" in ${c.file}`, default: "the default" }[c.deployment!.source];
        throw new SealshareError("DEPLOYMENT_UNREADABLE", `cannot read the deployment file ${deploymentPath} (given by ${from}): ${(cause as Error).message}`, {
          cause,
          details: { path: deploymentPath },
          hint: `point ${from} at the deployment JSON ({ chainId, ledger, deployBlock }) that \`sealshare dev\` or the deployment wrote`,
        });
      }
      return connectDeployment({ rpcUrl, deployment });
    })();
    return this.#chain;
  }

  /** The acting account, from SEALSHARE_PRIVATE_KEY or an encrypted keystore. */
  signer(): Promise<Signer> {
    this.#signer ??= (async () => {
      const c = await this.config();
      const { provider } = await this.chain();
      const a = c.account;
      if (!a) {
        throw new SealshareError("NO_ACCOUNT", "this command signs, and no account is configured", {
          hint: "set SEALSHARE_PRIVATE_KEY, pass --keystore <file>, or --as <name> for an account of the config file",
        });
      }
      if (a.kind === "private-key-env") {
        try {
          return new Wallet(this.env.SEALSHARE_PRIVATE_KEY!.trim(), provider);
        } catch {
          throw new SealshareError("BAD_PRIVATE_KEY", "SEALSHARE_PRIVATE_KEY is not a valid private key", { hint: "it must be 32 bytes of hex (0x optional)" });
        }
      }
      const from = a.source === "flag" ? "--keystore" : a.source === "env" ? (a.name ? "SEALSHARE_ACCOUNT" : "SEALSHARE_KEYSTORE") : `the config file ${c.file}`;
      return (await openKeystore(a.path, this.env, a.name ? `account "${a.name}", from ${a.source === "flag" ? "--as" : from}` : from)).connect(provider);
    })();
    return this.#signer;
  }

  /** The SDK action context: ledger and (when `withSigner`) the acting account. */
  async ctx(withSigner = false): Promise<SealshareContext> {
    const { ledger, deployment } = await this.chain();
    return { ledger, fromBlock: deployment.deployBlock, ...(withSigner ? { signer: await this.signer() } : {}) };
  }

  async custodian(): Promise<CustodianClient> {
    const c = await this.config();
    const url = required(c.custodianUrl, "custodian URL", "--custodian-url", "SEALSHARE_CUSTODIAN_URL", "custodianUrl");
    const { deployment } = await this.chain();
    return new CustodianClient(url, { chainId: deployment.chainId, ledger: deployment.ledger });
  }

  async blobStore(): Promise<LocalBlobStore> {
    const c = await this.config();
    return new LocalBlobStore(required(c.blobDir, "blob folder", "--blob-dir", "SEALSHARE_BLOB_DIR", "blobDir"));
  }

  /**
   * Where ciphertexts are read from: the blob server (`--blob-url`) when one is configured —
   * storage URIs on other origins only if allowed (`--blob-allow-origin`), its credential
   * (SEALSHARE_BLOB_AUTHORIZATION) to its own origin only — else the local blob folder.
   */
  async readBlobStore(): Promise<BlobStore> {
    const c = await this.config();
    if (!c.blobUrl) return this.blobStore();
    const auth = this.env.SEALSHARE_BLOB_AUTHORIZATION;
    return new HttpBlobStore({ baseUrl: c.blobUrl.value, allowOrigins: c.blobAllowOrigins, ...(auth ? { headers: { authorization: auth } } : {}) });
  }

  async close(): Promise<void> {
    if (this.#chain) {
      try {
        (await this.#chain).provider.destroy();
      } catch {
        /* never connected */
      }
    }
  }
}

/** Decrypts an ethers JSON keystore; the password comes from SEALSHARE_KEYSTORE_PASSWORD or a prompt. */
/** `from` says where the path came from ("--keystore", `account "bank", from --as`), for errors. */
export async function openKeystore(path: string, env: NodeJS.ProcessEnv = process.env, from?: string): Promise<Wallet> {
  let json: string;
  try {
    json = await readFile(path, "utf8");
  } catch (cause) {
    throw new SealshareError("KEYSTORE_NOT_FOUND", `cannot read the keystore ${resolve(path)}${from ? ` (given by ${from})` : ""}`, {
      cause,
      details: { path: resolve(path) },
      hint: `check ${from ?? "--keystore / SEALSHARE_KEYSTORE or the config's accounts"}; \`sealshare config new-account\` writes a keystore`,
    });
  }
  let password = env.SEALSHARE_KEYSTORE_PASSWORD;
  if (password === undefined) {
    if (!process.stdin.isTTY || !process.stderr.isTTY) {
      throw new SealshareError("NO_PASSWORD", `the keystore ${path} needs a password`, { hint: "set SEALSHARE_KEYSTORE_PASSWORD (no terminal to ask on)" });
    }
    password = await promptHidden(`password for ${path}: `);
  }
  try {
    const w = await Wallet.fromEncryptedJson(json, password);
    return w instanceof Wallet ? w : new Wallet(w.privateKey);
  } catch (cause) {
    const wrong = /password/i.test(String((cause as Error).message));
    throw new SealshareError(wrong ? "WRONG_PASSWORD" : "KEYSTORE_INVALID", wrong ? `wrong password for the keystore ${path}` : `${path} is not a valid JSON keystore`, {
      cause,
      hint: wrong ? "check SEALSHARE_KEYSTORE_PASSWORD (or the password you typed)" : "use an ethers/geth JSON keystore (`sealshare config new-account` writes one)",
    });
  }
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.includes(question)) write.call(rl, question);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
  });
}
