/**
 * Runs the key custodian as a separate process (`tsx service/main.ts`), the way it runs in
 * production, for the demo and end-to-end tests. Its JSON logs go to a file so tests can scan
 * them; `stop()` sends SIGTERM (clean shutdown) and waits for exit.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface CustodianProcess {
  url: string;
  pid: number;
  logPath: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface CustodianProcessOptions {
  rpcUrl: string;
  deploymentPath: string;
  dbPath: string;
  logPath: string;
  custodianKey: string;
  eciesKey: string;
  masterKey: string;
  confirmations?: number;
  pollMs?: number;
  timeoutMs?: number;
  /** More environment variables (e.g. SEALSHARE_RPC_TIMEOUT_MS, rate limits). */
  env?: Record<string, string>;
  /**
   * Receipts: `single` here unless told (the demo and the end-to-end test read one KeyReleased
   * event per release in the timeline); the service itself defaults to `batch`.
   */
  receipts?: "single" | "batch";
}

export async function startCustodianProcess(o: CustodianProcessOptions): Promise<CustodianProcess> {
  const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "service", "main.ts")], {
    cwd: ROOT,
    detached: true, // own process group: stop() takes down tsx and its node child together
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      SEALSHARE_RPC_URL: o.rpcUrl,
      SEALSHARE_DEPLOYMENT: o.deploymentPath,
      SEALSHARE_DB: o.dbPath,
      SEALSHARE_HOST: "127.0.0.1",
      SEALSHARE_PORT: "0",
      SEALSHARE_CUSTODIAN_KEY: o.custodianKey,
      SEALSHARE_ECIES_KEY: o.eciesKey,
      SEALSHARE_MASTER_KEY: o.masterKey,
      SEALSHARE_CONFIRMATIONS: String(o.confirmations ?? 0),
      SEALSHARE_POLL_MS: String(o.pollMs ?? 100),
      SEALSHARE_RECEIPTS: o.receipts ?? "single",
      NODE_NO_WARNINGS: "1",
      ...o.env,
    },
  });
  const logFile = createWriteStream(o.logPath, { flags: "a" });
  child.stderr!.pipe(logFile);
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`custodian did not start within ${o.timeoutMs ?? 60_000} ms; see ${o.logPath}`)), o.timeoutMs ?? 60_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`custodian exited with code ${code} before it was ready; see ${o.logPath}`));
    });
  });
  let stopped = false;
  return {
    url,
    pid: child.pid!,
    logPath: o.logPath,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        try {
          process.kill(-child.pid!, signal);
        } catch {
          /* already gone */
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            /* gone */
          }
        }, 5_000);
        await exited;
        clearTimeout(timer);
      }
      logFile.end();
    },
  };
}
