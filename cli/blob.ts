/**
 * `sealshare blob serve` — the provider's blob folder over HTTP (the SDK's startBlobServer,
 * sdk/blob/serve.ts), so a requester on another machine reads ciphertexts with `--blob-url`
 * (verified against the chain and resumable: sdk/blob/download.ts). It serves ciphertext only
 * and holds no key; readers trust the Merkle root on chain, never this server.
 *
 * Loopback (127.0.0.1) by default: exposing it is a choice (`--host 0.0.0.0`, or a reverse proxy
 * with TLS in front). The credential it asks for comes from the environment
 * (SEALSHARE_BLOB_AUTHORIZATION), never from a flag, so it does not land in shell history or in
 * `ps`; it is never printed.
 */
import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { startBlobServer } from "../sdk/blob/index.js";
import { action } from "./lib/command.js";

/** A TCP port; 0 asks the system for a free one (printed once listening). */
function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port is a number from 0 (any free port) to 65535");
  return n;
}

/** Hosts that only this machine can reach. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;
/** Hosts that mean "every interface". */
const WILDCARD = /^(0\.0\.0\.0|::)$/;

export function blobCommand(): Command {
  const cmd = new Command("blob").description("the provider's ciphertext blobs: serve the blob folder over HTTP for requesters on other machines");

  cmd
    .command("serve")
    .description("serve the blob folder (--blob-dir) read-only over HTTP at /merkle/<root> and /sha256/<hash>, with byte ranges; runs until Ctrl-C")
    .option("--host <address>", "address to listen on (0.0.0.0 or a LAN address to let other machines in)", "127.0.0.1")
    .addOption(new Option("--port <n>", "port to listen on (0 = any free port)").argParser(parsePort).default(8790))
    .option("--cors-origin <origin>", "let browsers from this origin (the dapp's) read blobs")
    .addHelpText(
      "after",
      `
Credential: when SEALSHARE_BLOB_AUTHORIZATION is set (an Authorization header value, e.g.
"Bearer <token>"), only requests carrying exactly that header are served (401 otherwise). It is
read from the environment only, never printed. Requesters set the same variable with
--blob-url http://<this host>:<port>/ ; the CLI sends it to that origin only.
Serving beyond this machine (--host other than loopback) without it is allowed but warned about:
ciphertext is useless without its key, yet anyone who reaches the port can copy it. Put TLS in
front (a reverse proxy) before serving over a network you do not control.`,
    )
    .action(
      action<{ host: string; port: number; corsOrigin?: string }>(async (s, o) => {
        const store = await s.blobStore(); // says which option to set when no blob folder is configured
        const root = resolve((await s.config()).blobDir!.value);
        const authorization = s.env.SEALSHARE_BLOB_AUTHORIZATION || undefined;
        let stop: () => void = () => undefined;
        const stopped = new Promise<void>((res) => (stop = res));
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        try {
          const server = await startBlobServer({ store, host: o.host, port: o.port, corsOrigin: o.corsOrigin, authorization });
          try {
            const port = Number(new URL(server.url).port);
            if (!LOOPBACK.test(o.host) && authorization === undefined) {
              s.out.warn(`serving ${o.host} without a credential: anyone who reaches port ${port} can download the ciphertexts (set SEALSHARE_BLOB_AUTHORIZATION to require one)`);
            }
            // A wildcard address is where it listens, not an address another machine can use.
            const forRequesters = WILDCARD.test(o.host) ? `http://<this machine's address>:${port}/` : server.url;
            s.out.result({ url: server.url, blobDir: root, host: o.host, port, credentialRequired: authorization !== undefined, ...(o.corsOrigin ? { corsOrigin: o.corsOrigin } : {}) }, [
              `serving ${root}`,
              `  at ${server.url}merkle/<root> and ${server.url}sha256/<hash> (read-only, byte ranges)`,
              authorization !== undefined ? "  requests must carry SEALSHARE_BLOB_AUTHORIZATION's value as their Authorization header" : "  no credential required (set SEALSHARE_BLOB_AUTHORIZATION to require one)",
              `requesters: sealshare dataset decrypt <id> --blob-url ${forRequesters} …`,
              "Press Ctrl-C to stop.",
            ]);
            await stopped;
            s.out.note("stopping …");
          } finally {
            await server.close();
          }
        } finally {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
      }),
    );

  return cmd;
}
