/**
 * Building consent terms (contracts/common/Types.sol `ConsentTerms`) from what a subject says —
 * who, which dataset or category, purpose, how long, up to which grant kind — plus their JSON
 * form (a "consent file": terms, optional signature, id, chain and ledger), shared by
 * signConsent, giveConsent and the CLI. Not an action itself.
 *
 * Times are chain time (the latest block), not the wall clock: that is what the ledger checks.
 */
import { hexlify, randomBytes, TypedDataEncoder, ZeroAddress, ZeroHash, getAddress } from "ethers";
import { buildConsentReceipt, consentTermsOf, type BuildReceiptParams, type ConsentReceipt } from "../consent/index.js";
import { CONSENT_TYPES, ledgerDomain, type ConsentTerms } from "../eip712.js";
import { SealshareError } from "../errors.js";
import { chainNow, readCall, requireSigner, toAddress, toBytes32, type SealshareContext } from "./context.js";
import { toCategory, toGrantKind, toPurpose, toSeconds } from "./vocab.js";

export type { ConsentTerms };

export interface ConsentTermsInput {
  /** The person consenting; defaults to the context's signer. */
  subject?: string;
  /** The member allowed to ask; omitted = any registered member. */
  requester?: string;
  /** One dataset; omitted = every dataset of `category` about the subject. */
  datasetId?: bigint;
  /** Needed when no dataset is named; read from the chain otherwise. */
  category?: string | number;
  purpose: string | number;
  /** Highest grant kind allowed; default formal. */
  maxKind?: string | number;
  /** How long the consent lasts (seconds or "30d"); default 30 days. Ignored if `expiresAt` is set. */
  validFor?: number | string;
  /** Unix seconds. */
  expiresAt?: number;
  /**
   * Build the off-chain consent receipt (Kantara CR v1.1 / ISO/IEC TS 27560, sdk/consent) bound
   * to these terms; its canonical hash becomes `receiptHash`. Give it to the requester.
   */
  receipt?: Omit<BuildReceiptParams, "chainId" | "ledger" | "terms">;
  /** Or the hash of a receipt made elsewhere (0x bytes32). */
  receiptHash?: string;
  /** Seconds the signature may wait to be recorded; default 1 hour. */
  deadlineIn?: number | string;
  /** Random by default. */
  nonce?: string;
}

export interface BuiltConsent {
  terms: ConsentTerms;
  /** The consent receipt, when one was asked for; `terms.receiptHash` is its hash. */
  receipt?: ConsentReceipt;
}

export async function buildConsentTerms(ctx: SealshareContext, p: ConsentTermsInput): Promise<BuiltConsent> {
  const now = await chainNow(ctx);
  const subject = p.subject ? toAddress(p.subject, "subject") : await requireSigner(ctx).getAddress();
  const datasetId = p.datasetId ?? 0n;
  let category: number;
  if (datasetId !== 0n) {
    const d = await readCall(() => ctx.ledger.dataset(datasetId));
    assertSubjectOf(datasetId, d.subject, subject);
    category = p.category !== undefined ? toCategory(p.category) : Number(d.category);
  } else if (p.category !== undefined) category = toCategory(p.category);
  else throw new SealshareError("INVALID_CONSENT", "name a dataset or a category the consent covers", { hint: "give --dataset <id> or --category <name>" });
  const expiresAt = p.expiresAt ?? now + toSeconds(p.validFor ?? 30 * 86_400);
  if (expiresAt <= now) throw new SealshareError("INVALID_CONSENT", "the consent would already be expired");
  const terms: ConsentTerms = {
    subject,
    requester: p.requester ? toAddress(p.requester, "requester") : ZeroAddress,
    datasetId,
    category,
    purpose: toPurpose(p.purpose),
    maxKind: toGrantKind(p.maxKind ?? "formal"),
    expiresAt: BigInt(expiresAt),
    receiptHash: p.receiptHash ? toBytes32(p.receiptHash) : ZeroHash,
    nonce: p.nonce ?? hexlify(randomBytes(32)),
    deadline: BigInt(now + toSeconds(p.deadlineIn ?? 3600)),
  };
  if (!p.receipt) return { terms };
  const { receiptHash: _none, ...unhashed } = terms;
  const domain = await ledgerDomain(ctx.ledger);
  const receipt = buildConsentReceipt({ consentTimestamp: now, ...p.receipt, chainId: BigInt(domain.chainId!), ledger: String(domain.verifyingContract), terms: unhashed });
  return { terms: consentTermsOf(receipt), receipt };
}

function assertSubjectOf(datasetId: bigint, datasetSubject: string, subject: string): void {
  if (getAddress(datasetSubject) !== getAddress(subject)) {
    throw new SealshareError("NOT_DATASET_SUBJECT", `dataset #${datasetId} is about ${datasetSubject}, not ${subject}: only its subject can consent to sharing it`, {
      hint: "sign with the account of the person the dataset is about (or name a category instead of a dataset)",
      details: { datasetId: datasetId.toString(), subject: datasetSubject },
    });
  }
}

/**
 * A consent that names a dataset must be its subject's (the ledger refuses any other with
 * `ConsentsNotDatasetSubject`): checked before signing, sending or relaying, so nobody signs or
 * pays for a consent that can never count. Errors: `NOT_DATASET_SUBJECT`, `DatasetsUnknown`.
 */
export async function assertDatasetSubject(ctx: SealshareContext, terms: Pick<ConsentTerms, "subject" | "datasetId">): Promise<void> {
  const datasetId = BigInt(terms.datasetId);
  if (datasetId === 0n) return;
  const d = await readCall(() => ctx.ledger.dataset(datasetId));
  assertSubjectOf(datasetId, d.subject, terms.subject);
}

/** The consent id the ledger gives these terms: their EIP-712 digest in the ledger's domain (read from the chain). */
export async function consentIdOf(ctx: SealshareContext, terms: ConsentTerms): Promise<string> {
  return TypedDataEncoder.hash(await ledgerDomain(ctx.ledger), CONSENT_TYPES, terms);
}

/** A consent file: what a subject hands to a requester (or relayer). */
export interface ConsentFile {
  type: "sealshare-consent";
  chainId: string;
  ledger: string;
  consentId: string;
  terms: Record<keyof ConsentTerms, string | number>;
  signature?: string;
}

export function consentToJson(terms: ConsentTerms, meta: { chainId: bigint | string; ledger: string; consentId: string; signature?: string }): ConsentFile {
  return {
    type: "sealshare-consent",
    chainId: meta.chainId.toString(),
    ledger: getAddress(meta.ledger),
    consentId: meta.consentId,
    terms: {
      subject: terms.subject,
      requester: terms.requester,
      datasetId: terms.datasetId.toString(),
      category: terms.category,
      purpose: terms.purpose,
      maxKind: terms.maxKind,
      expiresAt: terms.expiresAt.toString(),
      receiptHash: terms.receiptHash,
      nonce: terms.nonce,
      deadline: terms.deadline.toString(),
    },
    ...(meta.signature ? { signature: meta.signature } : {}),
  };
}

export function consentFromJson(json: unknown): { terms: ConsentTerms; signature?: string; consentId?: string; chainId?: string; ledger?: string } {
  const f = json as Partial<ConsentFile> | null;
  const t = f?.terms;
  if (!f || f.type !== "sealshare-consent" || !t) {
    throw new SealshareError("BAD_CONSENT_FILE", "not a Sealshare consent file", { hint: "use the file written by `sealshare consent sign`" });
  }
  try {
    return {
      terms: {
        subject: getAddress(String(t.subject)),
        requester: getAddress(String(t.requester)),
        datasetId: BigInt(t.datasetId!),
        category: Number(t.category),
        purpose: Number(t.purpose),
        maxKind: Number(t.maxKind),
        expiresAt: BigInt(t.expiresAt!),
        receiptHash: String(t.receiptHash),
        nonce: String(t.nonce),
        deadline: BigInt(t.deadline!),
      },
      signature: f.signature,
      consentId: f.consentId,
      chainId: f.chainId,
      ledger: f.ledger,
    };
  } catch (cause) {
    throw new SealshareError("BAD_CONSENT_FILE", "the consent file's terms are malformed", { cause });
  }
}
