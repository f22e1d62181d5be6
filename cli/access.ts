/**
 * `sealshare access …` — requests and grants: a requester asks; the provider and supervisors
 * approve, reject or revoke; anyone reads a request's status.
 */
import { Command, Option } from "commander";
import { requestAccess } from "../sdk/actions/request-access.js";
import { readRequestWarnings } from "../sdk/actions/request-warnings.js";
import { advanceRequest } from "../sdk/actions/advance-request.js";
import { approveRequest } from "../sdk/actions/approve-request.js";
import { rejectRequest } from "../sdk/actions/reject-request.js";
import { revokeGrant } from "../sdk/actions/revoke-grant.js";
import { getRequestStatus } from "../sdk/actions/get-request-status.js";
import { consentFromJson } from "../sdk/actions/consent-terms.js";
import { findApproverRole } from "../sdk/actions/find-approver-role.js";
import { SealshareError } from "../sdk/errors.js";
import { codeName, duration, when, who } from "../sdk/format.js";
import { memberNames } from "./members.js";
import { GRANT_INVALID_REASONS, GRANT_KINDS, labelOf, nameOf, PURPOSES, REASONS, toCode } from "../sdk/vocabulary.js";
import { action, HELP, parseDuration, parseId, parseKind, parsePurpose, parseReason, parseUint } from "./lib/command.js";
import { readJsonFile } from "./lib/keyfiles.js";

const grantLine = (g: { kind: number; expiresAt: number } | undefined) => (g ? `  GRANTED: ${nameOf(GRANT_KINDS, g.kind)} until ${when(g.expiresAt)}` : undefined);

/** "more-data-than-needed" ("code 4242" when unnamed), or "no reason given" for 0. */
const reasonText = (code: number) => (code ? codeName(REASONS, code) : "no reason given");

export function accessCommand(): Command {
  const cmd = new Command("access").description("access requests and grants: request, approve, advance, reject, revoke, status");

  cmd
    .command("request")
    .description("ask for access to a dataset under a consent (requester)")
    .requiredOption("--dataset <id>", "the dataset", parseId)
    .requiredOption("--consent <file>", "the consent file (signed by the subject, or recorded already)")
    .requiredOption("--device <label>", "your device whose published key the data key is wrapped to")
    .option("--purpose <name>", HELP.purpose("purpose (default: the consent's)"), parsePurpose)
    .addOption(new Option("--kind <name>", HELP.kind("grant kind")).argParser(parseKind).default(2, "formal"))
    .addOption(new Option("--duration <duration>", "how long you want access (e.g. 7d)").argParser(parseDuration).default(7 * 86_400, "7d"))
    .option("--dataset-version <n>", "dataset version (default: the latest)", parseUint, 0)
    .action(
      action<{ dataset: bigint; consent: string; device: string; purpose?: number; kind: number; duration: number; datasetVersion: number }>(async (s, o) => {
        const c = consentFromJson(await readJsonFile(o.consent, "consent file"));
        const { deployment } = await s.chain();
        if (c.chainId && c.chainId !== deployment.chainId) {
          throw new SealshareError("WRONG_CHAIN", `the consent is for chain ${c.chainId}, this deployment is on chain ${deployment.chainId}`, { hint: "the subject must sign for this deployment" });
        }
        const ctx = await s.ctx(true);
        // Before sending: a duration the ledger will cap, a request it will refuse or never grant.
        for (const w of await readRequestWarnings(ctx, { datasetId: o.dataset, kind: o.kind, duration: o.duration, consent: c.terms })) s.out.warn(w.message);
        const r = await requestAccess(ctx, {
          datasetId: o.dataset,
          version: o.datasetVersion,
          purpose: o.purpose ?? c.terms.purpose,
          kind: o.kind,
          duration: o.duration,
          device: o.device,
          consent: c.terms,
          signature: c.signature,
        });
        s.out.result(r, [
          `request #${r.requestId} for dataset #${o.dataset} ${r.version ? `v${r.version}` : "(no version yet: an on-demand dataset, extracted by its provider now)"} (${nameOf(GRANT_KINDS, o.kind)} for ${nameOf(PURPOSES, o.purpose ?? c.terms.purpose)}, ${duration(o.duration)})${r.consentRecorded ? "; consent recorded in the same transaction" : ""}`,
          grantLine(r.granted),
          `  tx ${r.txHash}`,
        ]);
      }),
    );

  cmd
    .command("approve")
    .description("approve a request as the dataset's provider or as a supervisor (the role is found from your account unless --role says)")
    .argument("<requestId>", "the request", parseId)
    .addOption(new Option("--role <role>", "approve as").choices(["provider", "supervisor"]))
    .action(
      action<{ role?: "provider" | "supervisor" }, [bigint]>(async (s, o, requestId) => {
        const ctx = await s.ctx(true);
        const id = requestId;
        const role = o.role ?? (await findApproverRole(ctx, { requestId: id })).role;
        const r = await approveRequest(ctx, { requestId: id, as: role });
        s.out.result(r, [`approved request #${r.requestId} as ${r.as} (supervisor approvals: ${r.supervisorApprovals})`, grantLine(r.granted), `  tx ${r.txHash}`]);
      }),
    );

  cmd
    .command("advance")
    .description("re-apply the grant rules to an open request (anyone): for approvals given before an on-demand version was published, or a supervisor re-granted its role")
    .argument("<requestId>", "the request", parseId)
    .action(
      action<Record<string, never>, [bigint]>(async (s, _o, requestId) => {
        const r = await advanceRequest(await s.ctx(true), { requestId });
        s.out.result(r, [`advanced request #${r.requestId}`, grantLine(r.granted), `  tx ${r.txHash}`]);
      }),
    );

  cmd
    .command("reject")
    .description("refuse a pending request (provider or supervisor)")
    .argument("<requestId>", "the request", parseId)
    .option("--reason <name>", HELP.reason("why (default: none given)"), parseReason)
    .action(
      action<{ reason?: number }, [bigint]>(async (s, o, requestId) => {
        const r = await rejectRequest(await s.ctx(true), { requestId: requestId, reasonCode: o.reason ?? 0 });
        s.out.result({ ...r, reason: r.reasonCode ? nameOf(REASONS, r.reasonCode) : null }, [`rejected request #${r.requestId}: ${reasonText(r.reasonCode)}`, `  tx ${r.txHash}`]);
      }),
    );

  cmd
    .command("revoke")
    .description("revoke a live grant at once (provider or supervisor)")
    .argument("<requestId>", "the request", parseId)
    .option("--reason <name>", HELP.reason("why (default: none given)"), parseReason)
    .action(
      action<{ reason?: number }, [bigint]>(async (s, o, requestId) => {
        const r = await revokeGrant(await s.ctx(true), { requestId: requestId, reasonCode: o.reason ?? 0 });
        s.out.result({ ...r, reason: r.reasonCode ? nameOf(REASONS, r.reasonCode) : null }, [
          `revoked the grant of request #${r.requestId} (${reasonText(r.reasonCode)}): the custodian stops serving its key`,
          "  (a key already released cannot be taken back; publish a new version under a new key to protect future data)",
          `  tx ${r.txHash}`,
        ]);
      }),
    );

  cmd
    .command("status")
    .description("show a request's approvals and whether its grant is valid now (and why not)")
    .argument("<requestId>", "the request", parseId)
    .action(
      action<Record<string, unknown>, [bigint]>(async (s, _o, requestId) => {
        const [r, names] = await Promise.all([getRequestStatus(await s.ctx(), { requestId: requestId }), memberNames(s)]);
        const g = r.grant;
        s.out.result(r, [
          `request #${r.requestId}: ${r.status.toLowerCase()} — dataset #${r.datasetId}${r.version ? ` v${r.version}` : ""}, ${r.wantKind.toLowerCase()} wanted by ${who(r.requester, names)}`,
          `  approvals: provider ${r.providerApproved ? "yes" : "no"}, supervisors ${r.supervisorApprovals}`,
          g.valid
            ? `  grant VALID: ${g.kind.toLowerCase()} until ${when(g.expiresAt)} (key #${g.keyId})`
            : `  grant not valid: ${invalidText(g.reason)}${g.expiresAt ? ` (expires/expired ${when(g.expiresAt)})` : ""}`,
        ]);
      }),
    );
  return cmd;
}

/** "consent-revoked: revoked: the person withdrew consent" from the reason's Solidity name. */
function invalidText(reason: string): string {
  const code = toCode(GRANT_INVALID_REASONS, reason);
  return `${nameOf(GRANT_INVALID_REASONS, code)} (${labelOf(GRANT_INVALID_REASONS, code)})`;
}
