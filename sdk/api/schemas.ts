/**
 * The custodian API's shapes (zod), written once: the service validates requests with them and
 * generates its OpenAPI document from them (service/http/openapi.ts), the SDK client
 * (sdk/custodian-client.ts) validates every answer with them, and the TypeScript types of both
 * sides are inferred from them. Request schemas are the input contract (handlers receive parsed,
 * typed values only), response schemas describe every answer; schemas with `.meta({ id })`
 * become named components of the document. Prefer constraints JSON Schema can express (regex,
 * min/max) over refinements, so the document says exactly what is accepted.
 * Browser-safe: zod and ./problems.ts only.
 */
import { z } from "zod";
import { ProblemCodes, type ProblemCode } from "./problems.js";

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_UINT256 = (1n << 256n) - 1n;

const hexBytes = (min: number, max: number) =>
  z
    .string()
    .regex(new RegExp(`^0x(?:[0-9a-fA-F]{2}){${min},${max}}$`), `must be 0x-prefixed hex of ${min === max ? min : `${min}..${max}`} bytes`);

/** A uint as a decimal string (or a safe JSON number), parsed to bigint within [min, max]. */
const uintDecimal = (max: bigint, min = 0n) =>
  z
    .union([z.string().regex(/^\d{1,78}$/, "must be a decimal integer"), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
    .transform((v) => BigInt(v))
    .refine((v) => v >= min && v <= max, `must be between ${min} and ${max}`);

const decimalId = (what: string) => z.string().regex(/^\d{1,78}$/).describe(`${what} (decimal)`);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/).describe("checksummed address");
const unixSeconds = z.number().int().nonnegative().describe("unix seconds");

export const SignatureSchema = hexBytes(65, 65);

// ── requests ──────────────────────────────────────────────────────────────────────────────

/** POST /v1/keys */
export const DepositBodySchema = z.strictObject({
  datasetId: uintDecimal(MAX_UINT64, 1n).describe("the dataset id (uint64), decimal string or safe integer"),
  version: z.number().int().min(1).max(2 ** 32 - 1),
  wrappedKey: hexBytes(97, 1024).describe("eciesjs ciphertext of the 32-byte data key, to the custodian's encryption key"),
  issuedAt: z.number().int().nonnegative().max(2 ** 40 - 1).describe("unix seconds; within ±300 s of the custodian's clock"),
  signature: SignatureSchema.describe("EIP-712 KeyDeposit { datasetId, version, wrappedKeyHash, issuedAt } by the dataset's current provider"),
});
export type DepositBody = z.infer<typeof DepositBodySchema>;

const bytes32 = hexBytes(32, 32);

/** POST /v1/shares (threshold custody: one custodian's Shamir share of a version's data key) */
export const ShareDepositBodySchema = z.strictObject({
  datasetId: uintDecimal(MAX_UINT64, 1n).describe("the dataset id (uint64), decimal string or safe integer"),
  version: z.number().int().min(1).max(2 ** 32 - 1),
  setId: z.number().int().min(1).max(2 ** 32 - 1).describe("the custodian set the version's shares were deposited to on chain"),
  index: z.number().int().min(0).max(15).describe("this custodian's 0-based position in the set: the share's index"),
  wrappedShare: hexBytes(97, 1024).describe("eciesjs ciphertext of the share bytes, to the custodian's encryption key"),
  proof: z.array(bytes32).max(16).describe("the share leaf's StandardMerkleTree proof against the on-chain sharesRoot"),
  issuedAt: z.number().int().nonnegative().max(2 ** 40 - 1).describe("unix seconds; within ±300 s of the custodian's clock"),
  signature: SignatureSchema.describe(
    "EIP-712 ShareDeposit { datasetId, version, setId, index, wrappedShareHash, proofHash, issuedAt } by the dataset's current provider",
  ),
});
export type ShareDepositBody = z.infer<typeof ShareDepositBodySchema>;

/** The path parameter of the per-request routes. */
export const RequestIdSchema = uintDecimal(MAX_UINT256, 1n);
export const RequestIdParamsSchema = z.object({ requestId: RequestIdSchema.describe("the access request id (uint256, decimal)") });

/**
 * Request authentication headers: either an EIP-712 signed request (both x-sealshare headers)
 * or a Sign-In with Ethereum session (Authorization: Bearer). Which combination is required
 * is checked by the route (service/http/auth.ts).
 */
export const AuthHeadersSchema = z.object({
  "x-sealshare-issued-at": z
    .string()
    .regex(/^\d{1,13}$/, "must be unix seconds")
    .transform(Number)
    .optional()
    .describe("unix seconds the request was signed at (EIP-712 auth)"),
  "x-sealshare-signature": SignatureSchema.optional().describe("EIP-712 signature of the request (EIP-712 auth)"),
  authorization: z
    .string()
    .max(200)
    .regex(/^Bearer [A-Za-z0-9._~+/-]+=*$/, "must be `Bearer <session token>`")
    .optional()
    .describe("Bearer <session token> from POST /v1/auth/siwe"),
});

/** Routes that accept a session only. */
export const BearerHeadersSchema = AuthHeadersSchema.pick({ authorization: true });

/** GET /v1/events: a session, in the header or (for browsers' EventSource) the query. */
export const EventsQuerySchema = z.object({
  access_token: z.string().max(200).regex(/^[A-Za-z0-9._~+/-]+=*$/).optional().describe("session token, for EventSource (RFC 6750 §2.3)"),
});
export const EventsHeadersSchema = z.object({
  authorization: AuthHeadersSchema.shape.authorization,
  "last-event-id": z.string().max(64).optional().describe("the last event id received, to replay what was missed"),
});

/** POST /v1/auth/siwe */
export const SiweBodySchema = z.strictObject({
  message: z.string().min(1).max(4096).describe("the EIP-4361 message, exactly as signed"),
  signature: hexBytes(65, 4096).describe("personal_sign signature of the message (65 bytes for an EOA; ERC-1271 accounts may differ)"),
});

// ── responses ─────────────────────────────────────────────────────────────────────────────

const problemCodes = Object.keys(ProblemCodes) as [ProblemCode, ...ProblemCode[]];

export const ProblemSchema = z
  .looseObject({
    type: z.string().describe("urn:sealshare:problem:<code>"),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(problemCodes).describe("stable code; see docs/ERRORS-API.md"),
    instance: z.string().optional(),
    reason: z.string().optional().describe("a finer reason, where the code has several"),
    errors: z.array(z.object({ in: z.string().optional(), path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details; extension members may follow" });

export const HealthSchema = z
  .object({ status: z.enum(["ok", "starting"]), cursor: z.number().int(), chainTime: unixSeconds })
  .meta({ id: "Health" });

const CheckSchema = z.looseObject({ ok: z.boolean(), detail: z.string().optional() });
export const ReadinessSchema = z
  .object({
    status: z.literal("ready"),
    checks: z.object({ startup: CheckSchema, database: CheckSchema, chain: CheckSchema, ingestion: CheckSchema }),
  })
  .meta({ id: "Readiness" });

export const CustodianInfoSchema = z
  .object({
    address: address.describe("the custodian's signing account (holds CUSTODIAN_ROLE)"),
    chainId: decimalId("chain id"),
    ledger: address.describe("the Sealshare contract"),
    encryptionKey: hexBytes(33, 33).describe("compressed secp256k1 key; wrap data keys to it"),
    keyId: z.number().int().describe("the ledger's id of that key"),
  })
  .meta({ id: "CustodianInfo" });

export const DepositResultSchema = z
  .object({
    datasetId: decimalId("dataset id"),
    version: z.number().int(),
    created: z.boolean().describe("false: this very key was already deposited"),
    status: z.enum(["stored", "already-stored"]),
    provider: address,
  })
  .meta({ id: "DepositResult" });

export const ShareDepositResultSchema = z
  .object({
    datasetId: decimalId("dataset id"),
    version: z.number().int(),
    setId: z.number().int(),
    index: z.number().int(),
    created: z.boolean().describe("false: this very share was already deposited"),
    status: z.enum(["stored", "already-stored"]),
    provider: address,
  })
  .meta({ id: "ShareDepositResult" });

/** Which Shamir share an envelope carries (threshold custody); covered by the envelope's signature. */
export const EnvelopeShareSchema = z
  .object({
    setId: z.number().int().describe("the custodian set serving the version"),
    index: z.number().int().describe("the share's index: the custodian's position in the set"),
    threshold: z.number().int().describe("shares needed to rebuild the data key"),
    proof: z.array(z.string().regex(/^0x[0-9a-fA-F]{64}$/)).describe("the share leaf's Merkle proof against the on-chain sharesRoot"),
  })
  .meta({ id: "EnvelopeShare" });

export const EnvelopeSchema = z
  .object({
    requestId: decimalId("request id"),
    datasetId: decimalId("dataset id"),
    version: z.number().int(),
    kind: z.number().int().describe("GrantKind: 1 temporary, 2 formal"),
    expiresAt: unixSeconds,
    keyId: z.number().int().describe("the requester's encryption key the data key is wrapped to"),
    wrappedKey: z.string().regex(/^0x[0-9a-fA-F]*$/).describe("eciesjs ciphertext of the data key"),
    custodian: address,
    signature: SignatureSchema.describe("EIP-712 KeyEnvelope by the custodian (KeyShareEnvelope when `share` is present)"),
    share: EnvelopeShareSchema.optional().describe("present when the version is under threshold custody: `wrappedKey` is then this share, not the key"),
  })
  .meta({ id: "Envelope" });

export const PendingSchema = z
  .object({
    status: z.literal("pending"),
    requestId: decimalId("request id"),
    reason: z.enum(["not-granted", "releasing", "waiting-for-key", "upgrading"]),
    retryAfter: z.number().int().describe("seconds"),
  })
  .meta({ id: "Pending" });

const kindName = z.enum(["none", "temporary", "formal"]);
export const GrantStatusSchema = z
  .object({
    requestId: decimalId("request id"),
    datasetId: decimalId("dataset id"),
    requester: address,
    status: z.enum(["requested", "granted", "released", "revoked", "expired"]),
    kind: kindName.describe("kind of the latest grant"),
    version: z.number().int().nullable(),
    expiresAt: unixSeconds.nullable(),
    released: z.array(
      z.object({
        kind: kindName,
        envelopeHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
        receipt: z.enum(["none", "unsent", "sent", "batched", "confirmed"]),
        receiptTx: z.string().nullable(),
      }),
    ),
    reason: z.string().nullable().describe("why revoked, expired or not released yet"),
    paused: z.boolean(),
    caller: z.enum(["requester", "subject", "provider"]),
  })
  .meta({ id: "GrantStatus" });

export const NonceSchema = z
  .object({
    nonce: z.string().regex(/^[0-9a-f]{64}$/).describe("put it in the EIP-4361 message's Nonce field; single use"),
    expiresAt: unixSeconds,
    chainId: z.number().int(),
    domains: z.array(z.string()).describe("hosts accepted as the message's domain"),
  })
  .meta({ id: "SiweNonce" });

export const SessionSchema = z
  .object({
    token: z.string().describe("opaque; send as Authorization: Bearer <token>"),
    tokenType: z.literal("Bearer"),
    address,
    expiresAt: unixSeconds,
  })
  .meta({ id: "Session" });

export const SessionInfoSchema = z.object({ address, expiresAt: unixSeconds }).meta({ id: "SessionInfo" });

export const EventStreamSchema = z
  .string()
  .describe(
    "text/event-stream. Events: `grant`, `release`, `revocation` (data: JSON with type, requestId, requester, …), " +
      "`resync` (missed events cannot be replayed: re-read grant status), `end` (session over). Comments are heartbeats.",
  );

const hash32Hex = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

/** GET /v1/receipts/:requestId: one release's receipt and, once sealed in a batch, its inclusion proof. */
export const ReceiptProofSchema = z
  .object({
    requestId: z.string().regex(/^\d+$/),
    kind: z.number().int().describe("GrantKind: 1 temporary, 2 formal"),
    mode: z.enum(["batch", "single"]),
    status: z.enum(["pending", "submitted", "confirmed"]).describe("confirmed: the chain event recording it is final"),
    envelopeHash: hash32Hex.describe("EIP-712 digest of the envelope the requester received"),
    releasedAt: z.number().int().describe("unix seconds; part of the leaf"),
    batchId: z.string().regex(/^0x[0-9a-fA-F]{32}$/).nullable().describe("UUID v4 as bytes16 (batch mode)"),
    root: hash32Hex.nullable(),
    leaf: hash32Hex.nullable().describe("receiptLeaf(requestId, kind, envelopeHash, releasedAt)"),
    proof: z.array(hash32Hex).nullable().describe("OpenZeppelin StandardMerkleTree proof: verifyReceipt(batchId, leaf, proof)"),
    sealTx: hash32Hex.nullable().describe("the sealReceiptBatch (batch) or recordRelease (single) transaction, once final"),
    sealBlock: z.number().int().nullable(),
  })
  .meta({ id: "ReceiptProof" });

export const ReceiptsSchema = z.object({ requestId: z.string(), receipts: z.array(ReceiptProofSchema) }).meta({ id: "Receipts" });

// ── types, inferred (what a client receives after validation) ────────────────────────────────

export type Problem = z.output<typeof ProblemSchema>;
export type Health = z.output<typeof HealthSchema>;
export type Readiness = z.output<typeof ReadinessSchema>;
/** GET /v1/custodian */
export type CustodianInfo = z.output<typeof CustodianInfoSchema>;
/** POST /v1/keys answer. */
export type DepositResult = z.output<typeof DepositResultSchema>;
/** A signed key envelope (GET /v1/envelopes/:requestId, 200). */
export type EnvelopeBody = z.output<typeof EnvelopeSchema>;
export type ShareDepositResult = z.output<typeof ShareDepositResultSchema>;
/** GET /v1/envelopes/:requestId, 202: not released yet. */
export type Pending = z.output<typeof PendingSchema>;
/** Why an envelope is not there yet. */
export type PendingReason = Pending["reason"];
/** GET /v1/grants/:requestId — what the custodian knows of a request. */
export type GrantStatus = z.output<typeof GrantStatusSchema>;
export type GrantStatusName = GrantStatus["status"];
export type KindName = GrantStatus["kind"];
/** POST /v1/auth/nonce */
export type SiweNonce = z.output<typeof NonceSchema>;
/** POST /v1/auth/siwe: a Sign-In with Ethereum session. */
export type Session = z.output<typeof SessionSchema>;
export type SessionInfo = z.output<typeof SessionInfoSchema>;
/** GET /v1/receipts/:requestId */
export type Receipts = z.output<typeof ReceiptsSchema>;
