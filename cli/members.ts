/** `sealshare members …` — a supervisor registers, suspends and reinstates member institutions. */
import { Command } from "commander";
import { registerMember } from "../sdk/actions/register-member.js";
import { suspendMember } from "../sdk/actions/suspend-member.js";
import { reinstateMember } from "../sdk/actions/reinstate-member.js";
import { getMember } from "../sdk/actions/get-member.js";
import { namesWithMembers, resolveMemberNames } from "../sdk/actions/resolve-member-names.js";
import { displayNameOf } from "../sdk/members/display-name.js";
import { codeName, when, who, type NameBook } from "../sdk/format.js";
import { MEMBER_STATUSES, nameOf, SUSPENSION_REASONS } from "../sdk/vocabulary.js";
import { action, HELP, parseAddress, parseSuspensionReason } from "./lib/command.js";
import type { Session } from "./lib/session.js";

/**
 * The names the CLI shows next to addresses: each member's verified name from the chain
 * (resolveMemberNames) over the config file's `names` (written by `sealshare dev`, or by hand),
 * which are shown flagged "unverified".
 */
export async function memberNames(s: Session): Promise<NameBook> {
  const [c, ctx] = await Promise.all([s.config(), s.ctx()]);
  return namesWithMembers(ctx, c.names);
}

export function membersCommand(): Command {
  const cmd = new Command("members").description("register, suspend and reinstate member institutions (supervisor)");

  cmd
    .command("register")
    .description("register an institution as a member (supervisor)")
    .argument("<address>", "the institution's account", parseAddress)
    .requiredOption("--kyc-ref <ref>", "off-chain KYC reference; only its keccak256 goes on chain")
    .option("--metadata <uri>", "where the institution's public metadata lives", "")
    .option("--name <name>", "the institution's display name, written into its on-chain record (a #name= fragment on --metadata, or a data: JSON record): what every client shows as its verified name")
    .action(
      action<{ kycRef: string; metadata: string; name?: string }>(async (s, o, address) => {
        const r = await registerMember(await s.ctx(true), { member: address!, kycRef: o.kycRef, metadataURI: o.metadata, name: o.name });
        // The name as readers will see it: read back from the URI that went on chain.
        const name = displayNameOf(r.metadataURI);
        s.out.result({ ...r, name: name ?? null }, [
          `registered member ${name ? who(r.member, { [r.member]: { name, verified: true } }) : r.member}${name ? "" : " (no display name: readers show its address; pass --name)"}`,
          `  metadata ${r.metadataURI || "(none)"}`,
          `  tx ${r.txHash}`,
        ]);
      }),
    );

  cmd
    .command("suspend")
    .description("suspend a member: its pending requests and live grants stop counting at once (supervisor)")
    .argument("<address>", "the member's account", parseAddress)
    .option("--reason <name>", HELP.suspensionReason("why (default: none given)"), parseSuspensionReason)
    .action(
      action<{ reason?: number }>(async (s, o, address) => {
        const reasonCode = o.reason ?? 0;
        const r = await suspendMember(await s.ctx(true), { member: address!, reasonCode });
        const reason = reasonCode ? codeName(SUSPENSION_REASONS, reasonCode) : null;
        s.out.result({ ...r, reasonCode, reason }, [`suspended member ${r.member} (epoch ${r.epoch}${reason ? `; ${reason}` : ""}); its grants are void from now on`, `  tx ${r.txHash}`]);
      }),
    );

  cmd
    .command("reinstate")
    .description("reinstate a suspended member; grants from before the suspension stay void (supervisor)")
    .argument("<address>", "the member's account", parseAddress)
    .action(
      action(async (s, _o, address) => {
        const r = await reinstateMember(await s.ctx(true), { member: address! });
        s.out.result(r, [`reinstated member ${r.member}`, `  tx ${r.txHash}`]);
      }),
    );

  cmd
    .command("show")
    .description("show an account's membership status")
    .argument("<address>", "the account", parseAddress)
    .action(
      action(async (s, _o, address) => {
        const m = await getMember(await s.ctx(), { member: address! });
        const names = await resolveMemberNames(await s.ctx());
        const name = names[m.member]?.name ?? null;
        const r = { member: m.member, name, status: nameOf(MEMBER_STATUSES, m.status), epoch: m.epoch, registeredAt: m.registeredAt || null };
        s.out.result(r, `${who(r.member, names)}: ${r.status}${r.registeredAt ? `, registered ${when(r.registeredAt)}` : ""}${r.epoch ? ` (suspended ${r.epoch} time(s) so far)` : ""}${m.status && !name ? "; its record carries no display name" : ""}`);
      }),
    );
  return cmd;
}
