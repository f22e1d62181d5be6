/**
 * `sealshare consent …` — the subject's side: sign a consent (gasless; anyone relays it) or give
 * it by transaction, revoke it; and listing consents by subject or requester.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { isHexString, ZeroAddress } from "ethers";
import { Command, Option } from "commander";
import { signConsent } from "../sdk/actions/sign-consent.js";
import { giveConsent } from "../sdk/actions/give-consent.js";
import { relayConsent } from "../sdk/actions/relay-consent.js";
import { revokeConsent } from "../sdk/actions/revoke-consent.js";
import { listConsents } from "../sdk/actions/list-consents.js";
import { consentFromJson, consentIdOf, consentToJson, type ConsentTermsInput } from "../sdk/actions/consent-terms.js";
import { SealshareError } from "../sdk/errors.js";
import { exportReceipt, type ConsentReceipt } from "../sdk/consent/index.js";
import { getDataset } from "../sdk/actions/get-dataset.js";
import { when, who as whoIs, type NameBook } from "../sdk/format.js";
import { memberNames } from "./members.js";
import { CATEGORIES, GRANT_KINDS, nameOf, PURPOSES } from "../sdk/vocabulary.js";
import { action, HELP, parseAddress, parseBytes32, parseCategory, parseDuration, parseId, parseKind, parsePurpose } from "./lib/command.js";
import { UsageError } from "./lib/errors.js";
import { readJsonFile, writePublicJson } from "./lib/keyfiles.js";
import type { Session } from "./lib/session.js";

interface TermsOpts {
  requester?: string;
  dataset?: bigint;
  category?: number;
  purpose: number;
  maxKind: number;
  validFor: number;
  deadline: number;
  receiptOut?: string;
  jurisdiction?: string;
  policyUrl?: string;
  controller?: string;
  controllerContact?: string;
  receiptHash?: string;
  force?: boolean;
}

function withTermsOptions(c: Command): Command {
  return c
    .option("--requester <address>", "the member allowed to ask (default: any registered member)", parseAddress)
    .option("--dataset <id>", "one dataset (default: every dataset of --category about you)", parseId)
    .option("--category <name>", HELP.category("with no --dataset: the category covered"), parseCategory)
    .requiredOption("--purpose <name>", HELP.purpose("what the data may be used for"), parsePurpose)
    .addOption(new Option("--max-kind <name>", HELP.kind("highest grant kind allowed")).argParser(parseKind).default(2, "formal"))
    .addOption(new Option("--valid-for <duration>", "how long the consent lasts (e.g. 30d)").argParser(parseDuration).default(30 * 86_400, "30d"))
    .addOption(new Option("--deadline <duration>", "how long the signature may wait to be recorded").argParser(parseDuration).default(3600, "1h"))
    .option("--receipt-out <file>", "also write a consent receipt (Kantara CR v1.1 / ISO/IEC TS 27560) bound to the consent; its hash goes on chain")
    .option("--jurisdiction <code>", "with --receipt-out: where the controller is, e.g. KR")
    .option("--policy-url <url>", "with --receipt-out: the privacy policy the consent refers to")
    .option("--controller <name>", "with --receipt-out: the data controller (default: the dataset's provider)")
    .option("--controller-contact <text>", "with --receipt-out: the controller's contact point", "see the privacy policy")
    .option("--receipt-hash <hash>", "the hash of a consent receipt made elsewhere", parseBytes32);
}

async function termsInput(s: Session, o: TermsOpts): Promise<ConsentTermsInput> {
  if (o.dataset === undefined && o.category === undefined) throw new UsageError("say what the consent covers: --dataset <id> or --category <name>");
  if (o.receiptOut && o.receiptHash) throw new UsageError("give either --receipt-out (make a receipt) or --receipt-hash (an existing one), not both");
  let receipt: ConsentTermsInput["receipt"];
  if (o.receiptOut) {
    if (!o.jurisdiction || !o.policyUrl) throw new UsageError("--receipt-out needs --jurisdiction <code> and --policy-url <url>");
    if (!o.force && existsSync(o.receiptOut)) throw new UsageError(`${o.receiptOut} exists already`, "pass --force to replace it");
    let controller = o.controller;
    if (!controller && o.dataset !== undefined) controller = `provider ${(await getDataset(await s.ctx(), { datasetId: o.dataset })).provider}`;
    if (!controller) throw new UsageError("--receipt-out for a category consent needs --controller <name>");
    receipt = { jurisdiction: o.jurisdiction, policyUrl: o.policyUrl, piiControllers: [{ piiController: controller, contact: o.controllerContact ?? "see the privacy policy" }] };
  }
  return {
    requester: o.requester,
    datasetId: o.dataset,
    category: o.category,
    purpose: o.purpose,
    maxKind: o.maxKind,
    validFor: o.validFor,
    deadlineIn: o.deadline,
    ...(o.receiptHash ? { receiptHash: o.receiptHash } : {}),
    ...(receipt ? { receipt } : {}),
  };
}

/** Writes the receipt file (its canonical bytes: keccak256(file) is the on-chain receiptHash). */
async function writeReceipt(o: TermsOpts, receipt: ConsentReceipt | undefined): Promise<string | undefined> {
  if (!o.receiptOut || !receipt) return undefined;
  await writeFile(o.receiptOut, exportReceipt(receipt), { flag: o.force ? "w" : "wx" });
  return o.receiptOut;
}

/** A consent id, or a consent file (its id is computed from its terms by the ledger). */
async function consentIdFrom(s: Session, idOrFile: string): Promise<string> {
  if (isHexString(idOrFile, 32)) return idOrFile;
  if (isHexString(idOrFile)) throw new UsageError(`${idOrFile} is not a consent id (0x + 64 hex digits)`);
  const { terms } = consentFromJson(await readJsonFile(idOrFile, "consent file"));
  return consentIdOf(await s.ctx(), terms);
}

function describeTerms(t: { requester: string; datasetId: bigint; category: number; purpose: number; maxKind: number; expiresAt: bigint | number }, names: NameBook = {}): string {
  const who = t.requester === ZeroAddress ? "any member" : whoIs(t.requester, names);
  const what = t.datasetId !== 0n ? `dataset #${t.datasetId}` : `all ${nameOf(CATEGORIES, t.category)} data`;
  return `${who} may ask for ${what} for ${nameOf(PURPOSES, t.purpose)}, up to ${nameOf(GRANT_KINDS, t.maxKind)}, until ${when(t.expiresAt)}`;
}

export function consentCommand(): Command {
  const cmd = new Command("consent").description("consents: sign (gasless), give, relay, revoke, list");

  withTermsOptions(
    cmd
      .command("sign")
      .description("sign a consent without sending anything; hand the file to the requester, who relays it (subject)")
      .requiredOption("-o, --out <file>", "where to write the signed consent file")
      .option("--force", "replace an existing file"),
  ).action(
    action<TermsOpts & { out: string; force?: boolean }>(async (s, o) => {
      const ctx = await s.ctx(true);
      const r = await signConsent(ctx, await termsInput(s, o));
      const { deployment } = await s.chain();
      await writePublicJson(o.out, consentToJson(r.terms, { chainId: deployment.chainId, ledger: deployment.ledger, consentId: r.consentId, signature: r.signature }), o.force);
      const receiptFile = await writeReceipt(o, r.receipt);
      s.out.result({ consentId: r.consentId, file: o.out, terms: r.terms, ...(receiptFile ? { receiptFile } : {}) }, [
        `signed consent ${r.consentId}`,
        `  ${describeTerms(r.terms, await memberNames(s))}`,
        receiptFile && `  consent receipt written to ${receiptFile} (its keccak256 is the receipt hash ${r.terms.receiptHash})`,
        `  must be recorded before ${when(r.terms.deadline)}; written to ${o.out}`,
        `next: the requester runs \`sealshare access request --consent ${o.out} …\` (or \`sealshare consent relay ${o.out}\`)`,
      ]);
    }),
  );

  withTermsOptions(
    cmd
      .command("give")
      .description("record a consent by sending the transaction yourself (subject)")
      .option("-o, --out <file>", "also write the consent file (terms) for the requester")
      .option("--force", "replace an existing file"),
  ).action(
    action<TermsOpts & { out?: string; force?: boolean }>(async (s, o) => {
      const r = await giveConsent(await s.ctx(true), await termsInput(s, o));
      const receiptFile = await writeReceipt(o, r.receipt);
      if (o.out) {
        const { deployment } = await s.chain();
        await writePublicJson(o.out, consentToJson(r.terms, { chainId: deployment.chainId, ledger: deployment.ledger, consentId: r.consentId }), o.force);
      }
      s.out.result({ ...r, ...(o.out ? { file: o.out } : {}), ...(receiptFile ? { receiptFile } : {}) }, [
        `recorded consent ${r.consentId}`,
        `  ${describeTerms(r.terms, await memberNames(s))}`,
        receiptFile && `  consent receipt written to ${receiptFile}`,
        `  tx ${r.txHash}`,
      ]);
    }),
  );

  cmd
    .command("relay")
    .description("record a subject's signed consent on chain, paying its gas (anyone)")
    .argument("<file>", "the signed consent file from `consent sign`")
    .action(
      action(async (s, _o, file) => {
        const c = consentFromJson(await readJsonFile(file!, "consent file"));
        if (!c.signature) throw new SealshareError("UNSIGNED_CONSENT", `${file} carries no signature`, { hint: "the subject must sign it (`sealshare consent sign`)" });
        const r = await relayConsent(await s.ctx(true), { terms: c.terms, signature: c.signature });
        s.out.result(r, [`recorded consent ${r.consentId} of ${r.subject} (relayed; the subject paid no gas)`, `  tx ${r.txHash}`]);
      }),
    );

  cmd
    .command("revoke")
    .description("revoke a consent at once, or cancel a signed one not recorded yet (subject)")
    .argument("<consent>", "consent id (0x…) or consent file")
    .action(
      action(async (s, _o, idOrFile) => {
        const consentId = await consentIdFrom(s, idOrFile!);
        const r = await revokeConsent(await s.ctx(true), { consentId });
        s.out.result(r, [
          r.outcome === "revoked" ? `revoked consent ${r.consentId}: nothing more is delivered under it` : `cancelled the signed consent ${r.consentId}: it can no longer be recorded`,
          "  (a key already released cannot be taken back; the provider can publish a new version under a new key)",
          `  tx ${r.txHash}`,
        ]);
      }),
    );

  cmd
    .command("list")
    .description("list consents from the ledger's events, by subject or by requester")
    .option("--subject <address>", "consents this subject gave", parseAddress)
    .option("--requester <address>", "consents this requester may use (naming it, or any member)", parseAddress)
    .action(
      action<{ subject?: string; requester?: string }>(async (s, o) => {
        if (!o.subject && !o.requester) throw new UsageError("give --subject <address> or --requester <address>");
        const [list, names] = await Promise.all([listConsents(await s.ctx(), { subject: o.subject, requester: o.requester }), memberNames(s)]);
        s.out.result(list, list.length ? list.map((c) => `${c.consentId}  ${c.status.padEnd(7)}  ${whoIs(c.subject, names)} → ${describeTerms(c, names)}`) : "no consents");
      }),
    );
  return cmd;
}
