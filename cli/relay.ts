/**
 * `sealshare access sign-approval` and `sealshare access relay` — a whole share in one
 * transaction: the provider and a supervisor sign their approvals (files, no gas), and the
 * requester relays them with the subject's signed consent and its request (`relayShare`). Added
 * to the `access` group by cli/program.ts.
 */
import { Command, Option } from "commander";
import { signApproval, signedApprovalFromJson } from "../sdk/actions/sign-approval.js";
import { relayShare } from "../sdk/actions/relay-share.js";
import { consentFromJson } from "../sdk/actions/consent-terms.js";
import { SealshareError } from "../sdk/errors.js";
import { duration, when } from "../sdk/format.js";
import { GRANT_KINDS, nameOf, PURPOSES } from "../sdk/vocabulary.js";
import { action, HELP, parseAddress, parseDuration, parseId, parseKind, parsePurpose, parseUint } from "./lib/command.js";
import { readJsonFile, writePublicJson } from "./lib/keyfiles.js";
import { UsageError } from "./lib/errors.js";
import type { Session } from "./lib/session.js";

/** The consent file's terms, refused if it was signed for another chain. */
async function consentFile(s: Session, file: string) {
  const c = consentFromJson(await readJsonFile(file, "consent file"));
  const { deployment } = await s.chain();
  if (c.chainId && c.chainId !== deployment.chainId) {
    throw new SealshareError("WRONG_CHAIN", `the consent is for chain ${c.chainId}, this deployment is on chain ${deployment.chainId}`, { hint: "the subject must sign for this deployment" });
  }
  return c;
}

/** The dataset: --dataset, else the one the consent names. */
function datasetOf(o: { dataset?: bigint }, terms: { datasetId: bigint }): bigint {
  const id = o.dataset ?? (terms.datasetId !== 0n ? terms.datasetId : undefined);
  if (id === undefined) throw new UsageError("the consent covers a whole category: say which dataset with --dataset <id>");
  return id;
}

interface TermsOpts {
  dataset?: bigint;
  purpose?: number;
  kind: number;
  duration: number;
}

function withShareTerms(c: Command): Command {
  return c
    .option("--dataset <id>", "the dataset (default: the one the consent names)", parseId)
    .option("--purpose <name>", HELP.purpose("purpose (default: the consent's)"), parsePurpose)
    .addOption(new Option("--kind <name>", HELP.kind("grant kind")).argParser(parseKind).default(2, "formal"))
    .addOption(new Option("--duration <duration>", "the grant's duration the requester asks for (e.g. 7d)").argParser(parseDuration).default(7 * 86_400, "7d"));
}

/** Adds `sign-approval` and `relay` to the `access` command group. */
export function withRelayCommands(access: Command): Command {
  withShareTerms(
    access
      .command("sign-approval")
      .description("approve a share by signature, without a transaction; hand the file to the requester, who relays it (provider or supervisor)")
      .requiredOption("--consent <file>", "the subject's consent file the share relies on (from `consent sign`)")
      .requiredOption("--requester <address>", "the member that will request and relay", parseAddress)
      .addOption(new Option("--role <role>", "approve as").choices(["provider", "supervisor"]).makeOptionMandatory())
      .addOption(new Option("--valid-for <duration>", "how long the signature may wait to be relayed").argParser(parseDuration).default(3600, "1h"))
      .requiredOption("-o, --out <file>", "where to write the signed approval")
      .option("--force", "replace an existing file"),
  ).action(
    action<TermsOpts & { consent: string; requester: string; role: "provider" | "supervisor"; validFor: number; out: string; force?: boolean }>(async (s, o) => {
      const c = await consentFile(s, o.consent);
      const datasetId = datasetOf(o, c.terms);
      const purpose = o.purpose ?? c.terms.purpose;
      const a = await signApproval(await s.ctx(true), {
        consent: c.terms,
        requester: o.requester,
        datasetId,
        purpose,
        kind: o.kind,
        duration: o.duration,
        as: o.role,
        validFor: o.validFor,
      });
      await writePublicJson(o.out, a, o.force);
      s.out.result({ ...a, file: o.out }, [
        `signed the ${o.role}'s approval of ${a.requester}'s ${nameOf(GRANT_KINDS, a.kind)} access to dataset #${a.datasetId} for ${nameOf(PURPOSES, a.purpose)}, ${duration(a.duration)}`,
        `  under consent ${a.consentId}; must be relayed before ${when(a.deadline)}; written to ${o.out}`,
        `next: the requester runs \`sealshare access relay --consent ${o.consent} --approval ${o.out} …\``,
      ]);
    }),
  );

  withShareTerms(
    access
      .command("relay")
      .description("a whole share in one transaction: record the subject's signed consent, request, and relay the signed approvals (requester)")
      .requiredOption("--consent <file>", "the signed consent file (from `consent sign`; not recorded yet)")
      .requiredOption("--approval <file...>", "signed approval files (from `access sign-approval`)")
      .requiredOption("--device <label>", "your device whose published key the data key is wrapped to")
      .option("--version <n>", "dataset version (default: the latest)", parseUint, 0),
  ).action(
    action<TermsOpts & { consent: string; approval: string[]; device: string; version: number }>(async (s, o) => {
      const c = await consentFile(s, o.consent);
      if (!c.signature) throw new SealshareError("UNSIGNED_CONSENT", `${o.consent} carries no signature`, { hint: "the subject must sign it (`sealshare consent sign`)" });
      const approvals = [];
      for (const file of o.approval) approvals.push(signedApprovalFromJson(await readJsonFile(file, "signed approval")));
      const datasetId = datasetOf(o, c.terms);
      const r = await relayShare(await s.ctx(true), {
        datasetId,
        version: o.version,
        purpose: o.purpose ?? c.terms.purpose,
        kind: o.kind,
        duration: o.duration,
        device: o.device,
        consent: c.terms,
        consentSignature: c.signature,
        approvals,
      });
      s.out.result(r, [
        `request #${r.requestId} for dataset #${datasetId} v${r.version}, consent ${r.consentId} recorded in the same transaction`,
        ...r.approvals.map((a) => `  approved by ${a.approver} as ${a.asSupervisor ? `supervisor (supervisor approvals: ${a.supervisorApprovals})` : "provider"}`),
        r.granted ? `  GRANTED: ${nameOf(GRANT_KINDS, r.granted.kind)} until ${when(r.granted.expiresAt)}` : "  not granted yet: more approvals are needed (`sealshare access status`)",
        `  tx ${r.txHash}`,
      ]);
    }),
  );
  return access;
}
