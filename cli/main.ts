/**
 * `sealshare` — the command-line client of Sealshare: every role's actions over the SDK
 * (sdk/actions/), audit tools, and `dev` for a local environment. See docs/CLI.md.
 *
 *   npx tsx cli/main.ts --help        (or `npm run sealshare -- --help`, or the `sealshare` bin)
 *
 * Exit codes: 0 success, 1 the operation failed (the message says why and what to do), 2 the
 * command line does not make sense.
 */
import { CommanderError } from "commander";
import { buildProgram, isVersionRequest, VERSION } from "./program.js";

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes("--json");
  if (isVersionRequest(argv)) {
    process.stdout.write(json ? JSON.stringify({ version: VERSION }, null, 2) + "\n" : `${VERSION}\n`);
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.help") return 0;
      // commander printed its message on stderr already; scripts asked for JSON get it too.
      if (json) process.stdout.write(JSON.stringify({ error: { code: "USAGE", message: err.message.replace(/^error: /, "") } }, null, 2) + "\n");
      return 2;
    }
    process.stderr.write(`error: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Nothing should keep running after a command (open sockets of a provider that failed midway).
  setTimeout(() => process.exit(code), 200).unref();
});
