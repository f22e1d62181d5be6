/**
 * The `sealshare` command tree. Built by a function so that the docs generator
 * (scripts/cli-docs.ts) and the tests can read every command's help without running anything.
 */
import { Command } from "commander";
import { accessCommand } from "./access.js";
import { auditCommand } from "./audit.js";
import { configCommand } from "./config.js";
import { consentCommand } from "./consent.js";
import { custodyCommand } from "./custody.js";
import { datasetCommand } from "./dataset.js";
import { devCommand } from "./dev.js";
import { keyCommand } from "./key.js";
import { keysCommand } from "./keys.js";
import { membersCommand } from "./members.js";
import { providerCommand } from "./provider.js";
import { usageCommand } from "./usage.js";
import { withRelayCommands } from "./relay.js";

/** Help is wrapped at a fixed width so that docs/CLI.md does not depend on the terminal. */
export const HELP_WIDTH = 100;

/** What `sealshare --version` prints. */
export const VERSION = "0.1.0";

/**
 * True for `sealshare --version` (or `-V`), alone but for `--json`. The flag belongs to the bare
 * program only: global options are recognised anywhere on the line, so a program-wide
 * `--version` used to swallow a command's own option of that name (`access request --version 2`
 * printed the version and exited 0 without asking). Commands name a dataset version
 * `--dataset-version`, and `--version` next to a command is refused (exit 2), never ignored.
 */
export function isVersionRequest(argv: readonly string[]): boolean {
  const rest = argv.filter((a) => a !== "--json");
  return rest.length === 1 && (rest[0] === "--version" || rest[0] === "-V");
}

export function buildProgram(): Command {
  const program = new Command("sealshare")
    .description("Consented, supervised sharing of encrypted financial data, recorded on an Ethereum ledger.")
    .option("-V, --version", "print the version (alone: `sealshare --version`; a dataset version is --dataset-version)")
    .helpOption("-h, --help", "show help for a command")
    .option("--config <file>", "config file (default: ./sealshare.config.json if present) [env SEALSHARE_CONFIG]")
    .option("--rpc-url <url>", "JSON-RPC endpoint of the ledger's chain [env SEALSHARE_RPC_URL]")
    .option("--deployment <file>", "deployment file ({ chainId, ledger, deployBlock }) [env SEALSHARE_DEPLOYMENT]")
    .option("--custodian-url <url>", "the key custodian's URL [env SEALSHARE_CUSTODIAN_URL]")
    .option("--blob-dir <dir>", "local blob folder holding ciphertexts [env SEALSHARE_BLOB_DIR]")
    .option("--blob-url <url>", "read ciphertexts from this blob server instead of --blob-dir; its credential comes from SEALSHARE_BLOB_AUTHORIZATION and goes to it only [env SEALSHARE_BLOB_URL]")
    .option("--blob-allow-origin <origin...>", "also read storage URIs that point at these origins, without credentials (default: none) [env SEALSHARE_BLOB_ALLOW_ORIGINS]")
    .option("--keystore <file>", "act as the account in this encrypted JSON keystore [env SEALSHARE_KEYSTORE]")
    .option("--as <name>", "act as a named account of the config file [env SEALSHARE_ACCOUNT]")
    .option("--json", "print one machine-readable JSON document on stdout (errors too)")
    .configureHelp({ showGlobalOptions: true, helpWidth: HELP_WIDTH })
    .showSuggestionAfterError(true)
    .exitOverride();
  program.addHelpText(
    "after",
    `
The signing account comes from --keystore / --as, else SEALSHARE_PRIVATE_KEY, SEALSHARE_KEYSTORE or
SEALSHARE_ACCOUNT, else the config file; a keystore's password from SEALSHARE_KEYSTORE_PASSWORD or a
prompt. Settings: flags > environment > config file. Exit codes: 0 ok, 1 failed, 2 bad usage.`,
  );
  for (const group of [configCommand(), devCommand(), membersCommand(), keysCommand(), datasetCommand(), providerCommand(), consentCommand(), withRelayCommands(accessCommand()), keyCommand(), custodyCommand(), usageCommand(), auditCommand()]) {
    program.addCommand(group);
  }
  // Settings of the root (help width, global options in help, exit override) apply to every command.
  const apply = (c: Command) => {
    c.configureHelp({ showGlobalOptions: true, helpWidth: HELP_WIDTH }).showSuggestionAfterError(true).exitOverride();
    c.helpOption("-h, --help", "show help for a command");
    c.commands.forEach(apply);
  };
  program.commands.forEach(apply);
  program.hook("preSubcommand", (root) => {
    if (root.opts().version) {
      root.error("error: --version prints the program's version and stands alone (`sealshare --version`); to name a dataset version, use --dataset-version <n>", {
        exitCode: 2,
        code: "sealshare.versionWithCommand",
      });
    }
  });
  return program;
}

/** Every command path ("dataset register", …), depth first, for the docs and their test. */
export function commandPaths(program: Command): string[][] {
  const out: string[][] = [];
  const walk = (c: Command, path: string[]) => {
    for (const sub of c.commands) {
      const p = [...path, sub.name()];
      out.push(p);
      walk(sub, p);
    }
  };
  walk(program, []);
  return out;
}

/** The help text of `sealshare <path…> --help`, exactly as printed (after-help text included). */
export function helpOf(program: Command, path: string[]): string {
  let c = program;
  for (const name of path) {
    const next = c.commands.find((x) => x.name() === name);
    if (!next) throw new Error(`no command ${path.join(" ")}`);
    c = next;
  }
  let text = "";
  c.configureOutput({ writeOut: (s) => (text += s) });
  c.outputHelp();
  return text;
}
