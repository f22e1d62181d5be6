/**
 * The consent receipt's shape, as a zod schema (validates receipts loaded from files or sent by
 * other parties) and the TypeScript types inferred from it.
 *
 * Fields follow the Kantara Initiative Consent Receipt Specification v1.1 — the basis of
 * ISO/IEC TS 27560 (consent record information structure) — with names kept as Kantara spells
 * them, plus one `sealshare` member binding the receipt to a consent on a ledger.
 *
 * Data minimisation: the receipt is handed to the requester and kept by auditors, so the
 * principal is identified only by the subject's address (`piiPrincipalId`), never by name or a
 * national id; the schema rejects anything that is not an address there. Controllers' contact
 * details are institutions', not the subject's.
 */
import { isAddress } from "ethers";
import { z } from "zod";

export const RECEIPT_VERSION = "KI-CR-v1.1.0";

const address = z.string().refine((s) => /^0x[0-9a-fA-F]{40}$/.test(s) && isAddress(s), "must be a 0x-prefixed 20-byte address");
const bytes32 = z.string().regex(/^0x[0-9a-f]{64}$/, "must be 0x-prefixed lowercase 32-byte hex");
const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, "must be a decimal integer string");
const seconds = z.number().int().nonnegative().max(2 ** 40 - 1);
const text = z.string().min(1).max(1000);

/** A data controller (Kantara §4.4): the institution responsible for the processing. */
export const piiControllerSchema = z.strictObject({
  piiController: text, // the controller's name
  onBehalf: z.boolean().optional(), // acting on behalf of another controller
  contact: text, // contact point (a role or department, not a private person's data)
  address: text.optional(), // postal address
  email: z.email().optional(),
  phone: z.string().regex(/^\+?[0-9 ()-]{4,32}$/).optional(),
  piiControllerUrl: z.url().optional(),
});

/** One purpose of a service (Kantara §4.5.2). */
export const purposeSchema = z
  .strictObject({
    purpose: text, // a short, human-readable statement of the purpose
    purposeCategory: z.array(text).min(1), // e.g. Kantara Appendix A categories
    consentType: z.enum(["EXPLICIT", "IMPLIED"]), // Sealshare consents are signed: EXPLICIT
    piiCategory: z.array(text).min(1), // the categories of data concerned
    primaryPurpose: z.boolean(), // the main reason for the service
    termination: text, // how and when the consent ends
    thirdPartyDisclosure: z.boolean(), // data goes to a party other than the controller
    thirdPartyName: text.optional(), // who, when thirdPartyDisclosure is true
  })
  .refine((p) => !p.thirdPartyDisclosure || p.thirdPartyName !== undefined, { message: "thirdPartyName is required when thirdPartyDisclosure is true", path: ["thirdPartyName"] });

export const serviceSchema = z.strictObject({
  service: text,
  purposes: z.array(purposeSchema).min(1),
});

/** The consent terms the receipt records, without receiptHash (which is this receipt's hash). */
export const receiptTermsSchema = z.strictObject({
  subject: address,
  requester: address, // 0x000…0 = any registered member
  datasetId: decimal, // uint64; "0" = every dataset of `category`
  category: z.number().int().min(0).max(255),
  purpose: z.number().int().min(0).max(2 ** 32 - 1),
  maxKind: z.number().int().min(0).max(255),
  expiresAt: seconds,
  nonce: bytes32,
  deadline: seconds,
});

/** What binds the receipt to one consent on one ledger. */
export const sealshareBindingSchema = z.strictObject({
  chainId: decimal,
  ledger: address,
  terms: receiptTermsSchema,
});

export const consentReceiptSchema = z
  .strictObject({
    version: z.literal(RECEIPT_VERSION),
    jurisdiction: text, // where the controller is located, e.g. "KR"
    consentTimestamp: seconds, // when consent was given, unix seconds
    collectionMethod: text, // how consent was collected
    consentReceiptID: z.uuid(),
    publicKey: z.string().min(1).max(200).optional(), // key of whoever signs the receipt, if anyone
    language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a BCP 47 language tag such as en or ko-KR"),
    piiPrincipalId: address, // the subject's address — nothing that names the person
    piiControllers: z.array(piiControllerSchema).min(1),
    policyUrl: z.url(),
    services: z.array(serviceSchema).min(1),
    sensitive: z.boolean(), // special categories of data involved
    spiCat: z.array(text), // which special categories, if sensitive
    sealshare: sealshareBindingSchema,
  })
  .refine((r) => r.piiPrincipalId.toLowerCase() === r.sealshare.terms.subject.toLowerCase(), {
    message: "piiPrincipalId must be the consent's subject address",
    path: ["piiPrincipalId"],
  })
  .refine((r) => r.sensitive || r.spiCat.length === 0, { message: "spiCat must be empty unless sensitive is true", path: ["spiCat"] });

export type PiiController = z.infer<typeof piiControllerSchema>;
export type ReceiptPurpose = z.infer<typeof purposeSchema>;
export type ReceiptService = z.infer<typeof serviceSchema>;
export type ReceiptTerms = z.infer<typeof receiptTermsSchema>;
export type ConsentReceipt = z.infer<typeof consentReceiptSchema>;
