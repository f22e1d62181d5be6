/**
 * The ledger's vocabulary, written once: every code the contracts store (categories, grant
 * kinds, request statuses, why a grant is not valid, temporary rules, member statuses — the
 * enums of contracts/common/Types.sol and IMembers.sol —
 * and the open uint codes: purposes, reasons for a rejection, revocation or suspension, usage
 * codes) with
 *  - `code`: the number on chain;
 *  - `name`: what a person or a script types and reads (kebab-case, stable: `more-data-than-needed`);
 *  - `label`: the words a page or a sentence shows ("more data than needed");
 *  - `description`: one sentence saying what it means.
 * Enums also carry `id`, the Solidity member name (`ConsentRevoked`), which the custodian's API
 * and the SDK's results use as reason strings.
 *
 * The CLI parses and prints names with {@link toCode}/{@link nameOf}, the dapp shows labels,
 * the contracts' NatSpec points here, and docs/CODES.md is generated from {@link renderCodeList}
 * (test/sdk/vocabulary.test.ts keeps it equal, and checks every enum member of the compiled
 * contracts has a term here). Browser-safe.
 */
import { SealshareError } from "./errors.js";

/** One code of the vocabulary. */
export interface Term {
  readonly code: number;
  readonly name: string;
  readonly label: string;
  readonly description: string;
  /** The Solidity enum member (enums only). */
  readonly id?: string;
}

/** A list of terms (what a kind of code may be, in the order pickers show them), and what it is. */
export type Vocabulary = readonly Term[] & {
  /** What the codes are, in words ("purpose", "reason"). */
  readonly what: string;
  /** The Solidity type that stores it (`enum Category`, `uint32`). */
  readonly solidity: string;
  /** Any code in the type's range is accepted (purposes, reasons: institutions add their own). */
  readonly open: boolean;
};

const vocabulary = (what: string, solidity: string, open: boolean, terms: Term[]): Vocabulary => Object.freeze(Object.assign(terms, { what, solidity, open }));
const t = (code: number, name: string, label: string, description: string, id?: string): Term => (id ? { code, name, label, description, id } : { code, name, label, description });

// ── the enums of contracts/common/Types.sol (same order) ──────────────────────────────────────

export const CATEGORIES = vocabulary("category", "enum Category", false, [
  t(0, "deposit", "deposit", "bank deposits and current accounts", "Deposit"),
  t(1, "fund", "fund", "investment fund holdings", "Fund"),
  t(2, "stock", "stock", "equities", "Stock"),
  t(3, "bond", "bond", "fixed income", "Bond"),
  t(4, "insurance", "insurance", "insurance policies and claims", "Insurance"),
  t(5, "trust", "trust", "trust holdings", "Trust"),
  t(6, "other", "other", "anything else", "Other"),
]);

export const GRANT_KINDS = vocabulary("grant kind", "enum GrantKind", false, [
  t(0, "none", "no", "not granted", "None"),
  t(1, "temporary", "temporary", "short, capped by the dataset's maxTemporary, issued at an early stage", "Temporary"),
  t(2, "formal", "formal", "every approval the policy requires is in", "Formal"),
]);

export const REQUEST_STATUSES = vocabulary("request status", "enum RequestStatus", false, [
  t(0, "none", "unknown", "no such request", "None"),
  t(1, "pending", "waiting for approvals", "waiting for approvals", "Pending"),
  t(2, "temporary", "temporary access granted", "temporary grant live (may still be upgraded to formal)", "Temporary"),
  t(3, "formal", "formal access granted", "formal grant live", "Formal"),
  t(4, "rejected", "rejected", "refused by an approver before any grant", "Rejected"),
  t(5, "revoked", "revoked", "a grant was revoked by the provider or a supervisor", "Revoked"),
]);

export const GRANT_INVALID_REASONS = vocabulary("grant-invalid reason", "enum GrantInvalidReason", false, [
  t(0, "none", "valid", "the grant is valid", "None"),
  t(1, "not-granted", "not granted yet", "the request does not exist, is pending or was rejected", "NotGranted"),
  t(2, "expired", "expired", "the grant's expiresAt has passed", "Expired"),
  t(3, "revoked", "revoked by the provider or a supervisor", "revoked by the provider or a supervisor", "Revoked"),
  t(4, "consent-revoked", "revoked: the person withdrew consent", "the subject withdrew the consent", "ConsentRevoked"),
  t(5, "consent-expired", "expired: the consent ran out", "the consent ran out", "ConsentExpired"),
  t(6, "requester-suspended", "revoked: the requester was suspended", "the requester was suspended (or suspended and reinstated since)", "RequesterSuspended"),
  t(7, "device-key-changed", "void: the device key changed", "the device key the request named was rotated or revoked", "DeviceKeyChanged"),
  t(8, "dataset-retired", "void: the dataset was retired", "the dataset was retired", "DatasetRetired"),
  t(9, "paused", "on hold: the ledger is paused", "the ledger is paused by the admin", "Paused"),
]);

export const TEMPORARY_RULES = vocabulary("temporary rule", "enum TemporaryRule", false, [
  t(0, "after-quorum", "after the full quorum", "a temporary grant needs the category's full supervisor quorum", "AfterQuorum"),
  t(1, "early", "early", "a temporary grant needs the category's temporaryQuorum supervisors (at most the full quorum)", "Early"),
  t(2, "forbidden", "never", "no temporary grants in the category", "Forbidden"),
]);

/** contracts/interfaces/IMembers.sol `MemberStatus`. */
export const MEMBER_STATUSES = vocabulary("member status", "enum IMembers.MemberStatus", false, [
  t(0, "none", "not a member", "never registered", "None"),
  t(1, "active", "active", "a registered member in good standing", "Active"),
  t(2, "suspended", "suspended", "suspended by a supervisor; its grants are void", "Suspended"),
]);

/** contracts/interfaces/ICustody.sol `ShareInvalidReason`: why `shareGrant` says a custodian may not serve its share. */
export const SHARE_INVALID_REASONS = vocabulary("share-invalid reason", "enum ICustody.ShareInvalidReason", false, [
  t(0, "none", "valid", "the custodian may serve its share", "None"),
  t(1, "grant-invalid", "the grant is not valid", "the ledger's isGrantValid says no (its own reason is in the grant)", "GrantInvalid"),
  t(2, "not-deposited", "no shares deposited", "no shares were deposited for the grant's dataset version", "NotDeposited"),
  t(3, "shredded", "shredded", "the serving set's shares of the version were ordered destroyed", "Shredded"),
  t(4, "not-in-set", "not in the serving set", "the asking custodian is not in the set serving the version", "NotInSet"),
]);

// ── open codes (uint on chain; these are the ones Sealshare names) ───────────────────────────

/** Purpose codes carried by consents and requests (`uint32 purpose`). */
export const PURPOSES = vocabulary("purpose", "uint32", true, [
  t(1, "underwriting", "underwriting", "pricing or accepting an insurance or credit risk"),
  t(2, "credit-assessment", "credit assessment", "judging a person's creditworthiness"),
  t(3, "account-opening", "account opening", "know-your-customer checks to open an account"),
  t(4, "wealth-advice", "wealth advice", "advice on investments and savings"),
  t(5, "regulatory-reporting", "regulatory reporting", "reports a regulator requires"),
  t(6, "research", "research", "statistics and research"),
]);

/** Why an approver rejected a request or a grant was revoked (`uint16 reasonCode`); 0: none given. */
export const REASONS = vocabulary("reason", "uint16", true, [
  t(1, "purpose-not-justified", "purpose not justified", "the stated purpose does not justify access to this data"),
  t(2, "consent-does-not-cover", "consent does not cover it", "the consent does not cover this request"),
  t(3, "more-data-than-needed", "more data than needed", "the request asks for more data than the purpose needs"),
  t(4, "requester-under-review", "requester under review", "the requester is under review"),
  t(5, "policy-breach", "policy breach", "granting would breach a policy"),
  t(99, "other", "other", "another reason, recorded off chain"),
]);

/** Why a supervisor suspended a member (`uint16 reasonCode`); 0: none given. */
export const SUSPENSION_REASONS = vocabulary("suspension reason", "uint16", true, [
  t(101, "kyc-lapsed", "KYC lapsed or under review", "the member's KYC lapsed or is under review"),
  t(102, "misuse-of-data", "misuse of data", "the member misused data it received"),
  t(103, "regulatory-order", "regulatory order", "a regulator ordered the suspension"),
  t(99, "other", "other", "another reason, recorded off chain"),
]);

/** What a requester did with released data (`uint16 usageCode` of recordUsage). */
export const USAGE_CODES = vocabulary("usage code", "uint16", true, [
  t(1, "used-for-purpose", "used for the stated purpose", "the data was used for the purpose the request named"),
  t(2, "converted", "converted", "the data was converted or exported to another format"),
  t(3, "retained", "retained", "the data was stored in the requester's systems"),
  t(4, "deleted", "deleted", "the data was deleted after use"),
  t(99, "other", "other", "another use, recorded off chain"),
]);

/** Every vocabulary, in the order docs/CODES.md lists them. */
export const VOCABULARIES = {
  category: CATEGORIES,
  grantKind: GRANT_KINDS,
  requestStatus: REQUEST_STATUSES,
  grantInvalidReason: GRANT_INVALID_REASONS,
  temporaryRule: TEMPORARY_RULES,
  memberStatus: MEMBER_STATUSES,
  shareInvalidReason: SHARE_INVALID_REASONS,
  purpose: PURPOSES,
  reason: REASONS,
  suspensionReason: SUSPENSION_REASONS,
  usage: USAGE_CODES,
} as const;

// ── lookups ─────────────────────────────────────────────────────────────────────────────────

/** The term of `code`, if the vocabulary names it. */
export function termOf(v: Vocabulary, code: number | bigint): Term | undefined {
  const n = Number(code);
  return v.find((x) => x.code === n);
}

/** The name of `code` ("more-data-than-needed"); an unnamed code as its number ("4242"). */
export function nameOf(v: Vocabulary, code: number | bigint): string {
  return termOf(v, code)?.name ?? String(code);
}

/** The label of `code` ("more data than needed"); an unnamed code as "code 4242". */
export function labelOf(v: Vocabulary, code: number | bigint): string {
  return termOf(v, code)?.label ?? `code ${code}`;
}

/** The accepted names, for `--help` and error hints ("none, temporary, formal"). */
export function namesOf(v: Vocabulary): string {
  return v.map((x) => x.name).join(", ");
}

/**
 * A name or a code to the code: "more-data-than-needed" | "More data than needed" | "3" | 3 → 3.
 * Names match ignoring case, spaces, dashes and underscores (so "creditAssessment" works). Numbers
 * are accepted for scripts: any in range for an open vocabulary (`max`), only named ones otherwise.
 * Throws a SealshareError (code INVALID_<WHAT>) whose hint lists the accepted names.
 */
export function toCode(v: Vocabulary, input: string | number | bigint, max = 0xffff): number {
  const errorCode = "INVALID_" + v.what.toUpperCase().replace(/[^A-Z]+/g, "_");
  const hint = `use one of: ${namesOf(v)}${v.open ? `, or a code 0..${max}` : ""}`;
  if (typeof input !== "string" || /^\d+$/.test(input.trim())) {
    const n = Number(typeof input === "string" ? input.trim() : input);
    if (termOf(v, n) || (v.open && Number.isInteger(n) && n >= 0 && n <= max)) return n;
    throw new SealshareError(errorCode, `unknown ${v.what} code ${input}`, { hint });
  }
  const key = squash(input);
  const term = v.find((x) => squash(x.name) === key || squash(x.label) === key || (x.id !== undefined && squash(x.id) === key));
  if (!term) throw new SealshareError(errorCode, `unknown ${v.what} ${JSON.stringify(input)}`, { hint });
  return term.code;
}

const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, "");

// ── the enums as objects (what ethers callers and tests index by Solidity member) ──────────────

const byId = <const K extends string>(v: Vocabulary) => Object.fromEntries(v.map((x) => [x.id!, x.code])) as Record<K, number>;
const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

export const Category = byId<"Deposit" | "Fund" | "Stock" | "Bond" | "Insurance" | "Trust" | "Other">(CATEGORIES);
export type CategoryName = keyof typeof Category;

export const GrantKind = byId<"None" | "Temporary" | "Formal">(GRANT_KINDS);

export const RequestStatus = byId<"None" | "Pending" | "Temporary" | "Formal" | "Rejected" | "Revoked">(REQUEST_STATUSES);

export const TemporaryRule = byId<"AfterQuorum" | "Early" | "Forbidden">(TEMPORARY_RULES);

export const MemberStatus = byId<"None" | "Active" | "Suspended">(MEMBER_STATUSES);

/** Why `isGrantValid` says no: the Solidity member names, by code (`GrantInvalidReason[4]` is "ConsentRevoked"). */
export const GrantInvalidReason = GRANT_INVALID_REASONS.map((x) => x.id!) as unknown as readonly [
  "None",
  "NotGranted",
  "Expired",
  "Revoked",
  "ConsentRevoked",
  "ConsentExpired",
  "RequesterSuspended",
  "DeviceKeyChanged",
  "DatasetRetired",
  "Paused",
];
export type GrantInvalidReasonName = (typeof GrantInvalidReason)[number];

/** Purpose codes by camelCase name (`Purpose.creditAssessment` is 2). */
export const Purpose = Object.fromEntries(PURPOSES.map((x) => [camel(x.name), x.code])) as Record<
  "underwriting" | "creditAssessment" | "accountOpening" | "wealthAdvice" | "regulatoryReporting" | "research",
  number
>;
export type PurposeName = keyof typeof Purpose;

/**
 * The identifiers SDK results (`categoryName`, `purposeName` fields) and consent receipts
 * (ISO/IEC TS 27560 `purpose`, `piiCategory`) carry: the Solidity member for a category
 * ("Deposit"), camelCase for a purpose ("creditAssessment"), `category#N` / `purpose#N` when
 * unnamed. Kept as they were, since receipts already signed carry them; what people type and
 * read is {@link nameOf} (kebab-case).
 */
export const purposeName = (code: number | bigint): string => {
  const x = termOf(PURPOSES, code);
  return x ? camel(x.name) : `purpose#${code}`;
};
/** See {@link purposeName}: "Deposit", or `category#N`. */
export const categoryName = (code: number | bigint): string => termOf(CATEGORIES, code)?.id ?? `category#${code}`;
/** "temporary". */
export const kindName = (code: number | bigint): string => nameOf(GRANT_KINDS, code);

// ── labels: the words a page shows ────────────────────────────────────────────────────────────

export const purposeLabel = (code: number | bigint): string => labelOf(PURPOSES, code);
export const categoryLabel = (code: number | bigint): string => labelOf(CATEGORIES, code);
/** "formal", "temporary", "no" (as in "no access"). */
export const kindLabel = (code: number | bigint): string => labelOf(GRANT_KINDS, code);
export const statusLabel = (code: number | bigint): string => termOf(REQUEST_STATUSES, code)?.label ?? "unknown";
/** Why a grant is not valid, in words ("revoked: the person withdrew consent"). */
export const grantInvalidLabel = (code: number | bigint): string => termOf(GRANT_INVALID_REASONS, code)?.label ?? "unknown";

/** A rejection, revocation or suspension reason in words ("purpose not justified"); 0 is "none given". */
export function reasonLabel(code: number | bigint): string {
  if (Number(code) === 0) return "none given";
  return (termOf(REASONS, code) ?? termOf(SUSPENSION_REASONS, code))?.label ?? `code ${code}`;
}

// ── the code list (docs/CODES.md) ───────────────────────────────────────────────────────────

/** The code list as Markdown tables: docs/CODES.md is this text (`npm run cli-docs` writes it). */
export function renderCodeList(): string {
  const out = [
    "# Sealshare codes",
    "",
    "<!-- Generated from sdk/vocabulary.ts by `npm run cli-docs`; test/sdk/vocabulary.test.ts checks it. Do not edit. -->",
    "",
    "Every code the ledger stores, with the name the CLI accepts and prints (numbers are accepted too),",
    "the words the dapp shows, and what it means. The contracts' NatSpec points here; the source is",
    "`sdk/vocabulary.ts`. Open vocabularies (purposes, reasons, usage codes) accept any code in",
    "their type's range: these are the codes Sealshare names.",
    "",
  ];
  for (const v of Object.values(VOCABULARIES) as Vocabulary[]) {
    out.push(`## ${v.what[0]!.toUpperCase()}${v.what.slice(1)} (\`${v.solidity}\`${v.open ? ", open" : ""})`, "");
    out.push(`| code | name | ${v.some((x) => x.id) ? "Solidity | " : ""}label | meaning |`);
    out.push(`|---:|---|${v.some((x) => x.id) ? "---|" : ""}---|---|`);
    for (const x of v) out.push(`| ${x.code} | \`${x.name}\` | ${x.id ? `\`${x.id}\` | ` : ""}${x.label} | ${x.description} |`);
    out.push("");
  }
  return out.join("\n");
}
