/**
 * Off-chain consent receipts, bound to on-chain consents by hash.
 *
 * A receipt is the human-readable record of a consent — who may use which data, for what, until
 * when, under whose policy — with the fields of the Kantara Consent Receipt v1.1 / ISO/IEC TS
 * 27560 (schema.ts), plus the Sealshare binding: chain id, ledger, and the consent terms. Its
 * hash goes into the consent's `receiptHash`, so the ledger commits to the receipt and the
 * receipt names the consent:
 *
 *   receiptHash = keccak256(utf8(canonicalJson(receipt)))        (canonical-json.ts)
 *   terms       = receipt.sealshare.terms + { receiptHash }
 *   consentId   = EIP-712 digest of terms on that ledger          (ledger.consentId(terms))
 *
 * `exportReceipt` writes exactly the canonical bytes, so `keccak256(file) == receiptHash` can be
 * checked with any tool (e.g. `cast keccak "$(cat receipt.json)"`). verify.ts checks a receipt
 * against the chain.
 *
 * @example
 * const receipt = buildConsentReceipt({ chainId, ledger, terms, jurisdiction: "KR", policyUrl, piiControllers: [bank] });
 * const consent = consentTermsOf(receipt);            // terms with receiptHash filled in
 * await ledger.connect(subject).giveConsent(consent);  // or sign them (CONSENT_TYPES) for a relayer
 * await writeFile("consent-receipt.json", exportReceipt(receipt));
 */
import { getAddress, keccak256, toUtf8Bytes, ZeroAddress } from "ethers";
import type { ConsentTerms } from "../eip712.js";
import { SealshareError } from "../errors.js";
import type { Hex } from "../stream/hex.js";
import { categoryName, GrantKind, purposeName } from "../vocabulary.js";
import { canonicalJson } from "./canonical-json.js";
import { consentReceiptSchema, RECEIPT_VERSION, type ConsentReceipt, type PiiController, type ReceiptService, type ReceiptTerms } from "./schema.js";

/** Receipt problems, off chain and on chain; `code` says which. */
export class ConsentReceiptError extends SealshareError {}

export interface BuildReceiptParams {
  /** The chain and ledger the consent is recorded on. */
  readonly chainId: bigint | number;
  readonly ledger: string;
  /** The consent terms, without receiptHash (it is this receipt's hash). */
  readonly terms: Omit<ConsentTerms, "receiptHash">;
  /** Where the controller is located, e.g. "KR". */
  readonly jurisdiction: string;
  /** The data controllers (the providing institution at least). */
  readonly piiControllers: readonly PiiController[];
  /** The privacy policy the consent refers to. */
  readonly policyUrl: string;
  /** What the consent is for. Default: one service describing the terms (see defaultServices). */
  readonly services?: readonly ReceiptService[];
  /** Default "en". */
  readonly language?: string;
  /** Default "Sealshare client: EIP-712 signature by the data subject". */
  readonly collectionMethod?: string;
  /** Special categories of personal data involved. Default none. */
  readonly spiCat?: readonly string[];
  /** Unix seconds. Default now. */
  readonly consentTimestamp?: number;
  /** Default a random UUID. */
  readonly consentReceiptID?: string;
  readonly publicKey?: string;
}

/** Builds and validates a receipt. Addresses are checksummed so every party hashes one spelling. */
export function buildConsentReceipt(params: BuildReceiptParams): ConsentReceipt {
  const terms = receiptTermsOf(params.terms);
  const spiCat = [...(params.spiCat ?? [])];
  return validateReceipt({
    version: RECEIPT_VERSION,
    jurisdiction: params.jurisdiction,
    consentTimestamp: params.consentTimestamp ?? Math.floor(Date.now() / 1000),
    collectionMethod: params.collectionMethod ?? "Sealshare client: EIP-712 signature by the data subject",
    consentReceiptID: params.consentReceiptID ?? globalThis.crypto.randomUUID(),
    ...(params.publicKey === undefined ? {} : { publicKey: params.publicKey }),
    language: params.language ?? "en",
    piiPrincipalId: terms.subject,
    piiControllers: [...params.piiControllers],
    policyUrl: params.policyUrl,
    services: [...(params.services ?? defaultServices(terms))],
    sensitive: spiCat.length > 0,
    spiCat,
    sealshare: { chainId: BigInt(params.chainId).toString(), ledger: getAddress(params.ledger), terms },
  });
}

/**
 * One service with one purpose, described from the terms themselves: the purpose and category
 * names from sdk/vocabulary, the requester as third party, and the expiry as termination.
 */
export function defaultServices(terms: ReceiptTerms): ReceiptService[] {
  const scope = terms.datasetId === "0" ? `all ${categoryName(terms.category)} data` : `dataset ${terms.datasetId} (${categoryName(terms.category)})`;
  const anyMember = terms.requester === ZeroAddress;
  const kind = terms.maxKind >= GrantKind.Formal ? "temporary or formal access" : "temporary access";
  return [
    {
      service: `Sealshare: share ${scope} with ${anyMember ? "any registered member" : terms.requester} (${kind})`,
      purposes: [
        {
          purpose: purposeName(terms.purpose),
          purposeCategory: [purposeName(terms.purpose)],
          consentType: "EXPLICIT",
          piiCategory: [categoryName(terms.category)],
          primaryPurpose: true,
          termination: `Expires at ${new Date(terms.expiresAt * 1000).toISOString()}; revocable at any time on the ledger (revokeConsent).`,
          thirdPartyDisclosure: true,
          thirdPartyName: anyMember ? "any registered member institution" : terms.requester,
        },
      ],
    },
  ];
}

/** The canonical JSON the hash is taken over (canonical-json.ts). */
export function canonicalReceipt(receipt: ConsentReceipt): string {
  return canonicalJson(receipt);
}

/** keccak256 of the receipt's canonical UTF-8 bytes: the value for ConsentTerms.receiptHash. */
export function receiptHash(receipt: ConsentReceipt): Hex {
  return keccak256(toUtf8Bytes(canonicalReceipt(receipt))) as Hex;
}

/** The consent terms the receipt records, with receiptHash filled in: what goes on chain. */
export function consentTermsOf(receipt: ConsentReceipt): ConsentTerms {
  const t = receipt.sealshare.terms;
  return {
    subject: t.subject,
    requester: t.requester,
    datasetId: BigInt(t.datasetId),
    category: t.category,
    purpose: t.purpose,
    maxKind: t.maxKind,
    expiresAt: BigInt(t.expiresAt),
    receiptHash: receiptHash(receipt),
    nonce: t.nonce,
    deadline: BigInt(t.deadline),
  };
}

/** The receipt as a file: its canonical JSON, whose keccak256 is the receipt hash. */
export function exportReceipt(receipt: ConsentReceipt): string {
  return canonicalReceipt(validateReceipt(receipt));
}

/** Parses and validates a receipt file (any JSON formatting). Throws ConsentReceiptError "INVALID_RECEIPT". */
export function parseReceipt(json: string): ConsentReceipt {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new ConsentReceiptError("INVALID_RECEIPT", "the consent receipt is not JSON", { cause });
  }
  return validateReceipt(value);
}

/** Validates a receipt object against the schema. Throws ConsentReceiptError "INVALID_RECEIPT". */
export function validateReceipt(value: unknown): ConsentReceipt {
  const parsed = consentReceiptSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new ConsentReceiptError("INVALID_RECEIPT", `the consent receipt is malformed: ${issues.slice(0, 5).join("; ")}`, {
      hint: "receipts follow the Kantara Consent Receipt v1.1 fields plus a `sealshare` binding (sdk/consent/schema.ts)",
      details: { issues },
    });
  }
  return parsed.data;
}

function receiptTermsOf(t: Omit<ConsentTerms, "receiptHash">): ReceiptTerms {
  return {
    subject: getAddress(t.subject),
    requester: getAddress(t.requester),
    datasetId: BigInt(t.datasetId).toString(),
    category: t.category,
    purpose: t.purpose,
    maxKind: t.maxKind,
    expiresAt: Number(t.expiresAt),
    nonce: t.nonce.toLowerCase(),
    deadline: Number(t.deadline),
  };
}
