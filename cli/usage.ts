/** `sealshare usage record` — the requester records what it did with the data. */
import { Command } from "commander";
import { recordUsage } from "../sdk/actions/record-usage.js";
import { codeName } from "../sdk/format.js";
import { USAGE_CODES } from "../sdk/vocabulary.js";
import { action, HELP, parseId, parseUsage } from "./lib/command.js";

export function usageCommand(): Command {
  const cmd = new Command("usage").description("record what was done with released data (requester)");
  cmd
    .command("record")
    .description("record a use of the data of a granted request (requester)")
    .argument("<requestId>", "the request", parseId)
    .requiredOption("--code <name>", HELP.usage("what was done"), parseUsage)
    .option("--details <text>", "description kept off chain; its keccak256 goes on chain")
    .action(
      action<{ code: number; details?: string }, [bigint]>(async (s, o, requestId) => {
        const r = await recordUsage(await s.ctx(true), { requestId: requestId, usageCode: o.code, details: o.details });
        const usage = codeName(USAGE_CODES, r.usageCode);
        s.out.result({ ...r, usage }, [`recorded usage ${usage} of request #${r.requestId}`, `  tx ${r.txHash}`]);
      }),
    );
  return cmd;
}
