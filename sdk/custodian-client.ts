/**
 * Typed client of the key-custodian service's HTTP API (service/http/app.ts).
 *
 * @example
 * ```ts
 * const custodian = new CustodianClient("http://127.0.0.1:8787", { chainId: 31337n, ledger });
 * const info = await custodian.info();
 * // provider side: the key checked on chain first (or use the depositKey action, which does)
 * const { encryptionKey } = await verifiedCustodianKey(bankCtx, custodian);
 * await custodian.depositKey(bank, { datasetId, version: 1, dek, custodianKey: encryptionKey });
 * // requester side
 * const answer = await custodian.fetchEnvelope(insurer, requestId);
 * if (answer.status === "ready") {
 *   const dek = custodian.openEnvelope(answer.envelope, deviceKey.privateKey, info.address);
 * }
 * ```
 */
import { getAddress, getBytes, hexlify, keccak256, type BytesLike, type Signer, type TypedDataDomain } from "ethers";
import { custodianDomain, ENVELOPE_REQUEST_TYPES, GRANT_STATUS_REQUEST_TYPES, KEY_DEPOSIT_TYPES, proofHash, SHARE_DEPOSIT_TYPES } from "./eip712.js";
import { verifyEnvelope, type Envelope } from "./envelope.js";
import { unwrapKey, wrapKey } from "./crypto/ecies.js";
import { SealshareError } from "./errors.js";
import {
  CustodianInfoSchema,
  DepositResultSchema,
  EnvelopeSchema,
  GrantStatusSchema,
  NonceSchema,
  PendingSchema,
  ProblemSchema,
  SessionSchema,
  ShareDepositResultSchema,
  type CustodianInfo,
  type DepositResult,
  type GrantStatus,
  type PendingReason,
  type Problem,
  type Session,
  type ShareDepositResult,
} from "./api/schemas.js";
import { z } from "zod";
import { CustodianAnswerError, parseAnswer } from "./api/answer.js";

export type { CustodianInfo, GrantStatus, PendingReason };
export { CustodianAnswerError };

export interface DepositKeyParams {
  datasetId: bigint;
  version: number;
  /** The 32-byte data key. Wrapped before it leaves this process; never sent in clear. */
  dek: Uint8Array;
  /**
   * The custodian's encryption key, as published on chain. Do not take {@link CustodianInfo.encryptionKey}
   * on the service's word: check it first with `verifiedCustodianKey` (sdk/actions/deposit-key.ts:
   * CUSTODIAN_ROLE + the account's live published key), as `depositKey` does.
   */
  custodianKey: BytesLike;
}

/** POST /v1/keys answer. */
export type DepositKeyResult = DepositResult;

export type FetchEnvelopeResult =
  | { status: "ready"; envelope: Envelope }
  | { status: "pending"; reason: PendingReason; retryAfter: number };

/** One custodian's share of a version's data key, as the provider sends it (POST /v1/shares). */
export interface DepositShareParams {
  datasetId: bigint;
  version: number;
  /** The custodian set the version's shares were deposited to on chain (`depositShares`). */
  setId: number;
  /** This custodian's 0-based position in the set: the share's index. */
  index: number;
  /** The share, ECIES-wrapped to the custodian's key as the set records it on chain (sdk/threshold/wrap.ts). */
  wrappedShare: BytesLike;
  /** The share leaf's Merkle proof against the on-chain shares root. */
  proof: readonly string[];
}

/** POST /v1/shares answer. */
export type DepositShareResult = ShareDepositResult;

/** A Sign-In with Ethereum session (POST /v1/auth/siwe). */
export type CustodianSession = Session;

/** How a call authenticates: a signer (a fresh EIP-712 request each call) or a SIWE session. */
export type CustodianAuth = Signer | { session: string };

/** An RFC 9457 problem as the custodian sends it (validated: its code is one of sdk/api/problems.ts). */
export type CustodianProblem = Problem;

/** Thrown for every non-success answer; `code` is the problem's stable code (e.g. "grant-revoked"). */
/** 503s that pass by themselves (the custodian catching up with the chain, its RPC back, start-up): worth a retry while a caller waits. */
const TRANSIENT = new Set(["chain-view-stale", "upstream-unavailable", "not-ready"]);

/** Whether `err` is a custodian's answer that a caller waiting for a key should retry (see TRANSIENT). */
export function isTransientCustodianError(err: unknown): err is CustodianError {
  return err instanceof CustodianError && err.status === 503 && TRANSIENT.has(err.code);
}

export class CustodianError extends SealshareError {
  // Spelled out: a minifier (the dapp's production build) renames classes, and callers recognise this error by name.
  override name = "CustodianError";
  readonly status: number;
  readonly problem?: CustodianProblem;

  constructor(status: number, problem: CustodianProblem | undefined, fallback: string) {
    super(problem?.code ?? "custodian-error", problem?.detail ?? fallback, {
      details: problem ? { ...problem } : { status },
      hint: HINTS[problem?.code ?? ""],
    });
    this.status = status;
    this.problem = problem;
  }
}

const HINTS: Record<string, string> = {
  "bad-signature": "check your clock (±300 s) and sign a fresh request for each call",
  "not-requester": "fetch with the account that made the access request",
  "not-provider": "deposit with the dataset's current provider account",
  "key-commitment-mismatch": "this is not the key registered for that version; check dataset id, version and key",
  "grant-expired": "request access again",
  "grant-revoked": "the grant was revoked, the consent withdrawn or the requester suspended; `sealshare access status <id>` says which",
  "unknown-request": "check the request id and that the custodian has caught up with the chain",
};

/**
 * What to do when nothing answers at the custodian's URL, said to whoever runs the client: the
 * URL it tried, and the three places that URL comes from.
 */
export function custodianUnreachableHint(url: string): string {
  return `nothing answered at ${url}: is the custodian running there? Locally, check that \`sealshare dev\` is still running; otherwise point the client at this deployment's custodian with --custodian-url, SEALSHARE_CUSTODIAN_URL or "custodianUrl" in the config file`;
}

export interface CustodianClientOptions {
  chainId: bigint | number | string;
  ledger: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Unix seconds; defaults to the wall clock. */
  now?: () => number;
}

export class CustodianClient {
  readonly baseUrl: string;
  readonly domain: TypedDataDomain;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  /** Last issuedAt used per request id: each signed fetch must differ (single use). */
  readonly #lastIssued = new Map<string, number>();

  constructor(baseUrl: string, opts: CustodianClientOptions) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.domain = custodianDomain(BigInt(opts.chainId), getAddress(opts.ledger));
    // Browsers reject `fetch` called with another `this` ("Illegal invocation"): wrap it.
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.#now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** The custodian's identity; check `chainId` and `ledger` are the ones you expect. */
  async info(): Promise<CustodianInfo> {
    const info = (await this.#call("GET", "/v1/custodian", CustodianInfoSchema)).body;
    if (info.chainId !== this.domain.chainId!.toString() || getAddress(info.ledger) !== this.domain.verifyingContract) {
      throw new SealshareError("CUSTODIAN_WRONG_DEPLOYMENT", `the custodian at ${this.baseUrl} serves chain ${info.chainId} ledger ${info.ledger}`, {
        hint: "point the client at the custodian of this deployment",
      });
    }
    return info;
  }

  /**
   * Deposits a dataset version's data key: wraps it (ECIES) to the custodian's key and signs an
   * EIP-712 KeyDeposit with `signer`, which must be the dataset's current provider.
   * Idempotent: depositing the same key again answers `created: false`.
   */
  async depositKey(signer: Signer, p: DepositKeyParams): Promise<DepositKeyResult> {
    const wrappedKey = hexlify(wrapKey(getBytes(p.custodianKey), p.dek));
    return this.depositWrappedKey(signer, { datasetId: p.datasetId, version: p.version, wrappedKey });
  }

  /**
   * Deposits a data key that was ECIES-wrapped to the custodian's key earlier (only the
   * custodian can open it, so it may be kept on disk), with a fresh signature. The provider
   * worker uses it to finish a deposit after a restart without ever storing the key in clear.
   */
  async depositWrappedKey(signer: Signer, p: { datasetId: bigint; version: number; wrappedKey: string }): Promise<DepositKeyResult> {
    const issuedAt = this.#now();
    const signature = await signer.signTypedData(this.domain, KEY_DEPOSIT_TYPES, {
      datasetId: p.datasetId,
      version: p.version,
      wrappedKeyHash: keccak256(p.wrappedKey),
      issuedAt,
    });
    const body = { datasetId: p.datasetId.toString(), version: p.version, wrappedKey: p.wrappedKey, issuedAt, signature };
    return (await this.#call("POST", "/v1/keys", DepositResultSchema, body)).body;
  }

  /**
   * Deposits this custodian's Shamir share of a version's data key (threshold custody), wrapped
   * to the custodian's key earlier (only it can open it), with a fresh EIP-712 ShareDeposit
   * signed by `signer`, the dataset's current provider. The custodian checks the share against
   * the version's on-chain shares root before storing it. Idempotent: the same share again
   * answers `created: false`. Use the SDK's depositShares action, which splits, commits on chain
   * and wraps to keys read from the chain.
   */
  async depositShare(signer: Signer, p: DepositShareParams): Promise<DepositShareResult> {
    const wrappedShare = hexlify(p.wrappedShare);
    const proof = [...p.proof];
    const issuedAt = this.#now();
    const signature = await signer.signTypedData(this.domain, SHARE_DEPOSIT_TYPES, {
      datasetId: p.datasetId,
      version: p.version,
      setId: p.setId,
      index: p.index,
      wrappedShareHash: keccak256(wrappedShare),
      proofHash: proofHash(proof),
      issuedAt,
    });
    const body = { datasetId: p.datasetId.toString(), version: p.version, setId: p.setId, index: p.index, wrappedShare, proof, issuedAt, signature };
    return (await this.#call("POST", "/v1/shares", { 200: ShareDepositResultSchema, 201: ShareDepositResultSchema }, body)).body as DepositShareResult;
  }

  /**
   * Fetches the envelope of `requestId` as its requester (`signer`), with a fresh single-use
   * EIP-712 EnvelopeRequest. Returns `pending` while the grant is not released yet; throws a
   * {@link CustodianError} (code grant-expired, grant-revoked, not-requester, …) otherwise.
   * Signed requests are single use per (request, second): calls for the same request are spaced
   * at least one second apart (the call waits), so poll no faster than `retryAfter` anyway.
   */
  async fetchEnvelope(signer: Signer, requestId: bigint): Promise<FetchEnvelopeResult> {
    const id = requestId.toString();
    for (let attempt = 0; ; attempt++) {
      const issuedAt = await this.#freshIssuedAt(id);
      const signature = await signer.signTypedData(this.domain, ENVELOPE_REQUEST_TYPES, { requestId, issuedAt });
      try {
        const headers = { "x-sealshare-issued-at": String(issuedAt), "x-sealshare-signature": signature };
        const { status, body } = await this.#call("GET", `/v1/envelopes/${id}`, { 200: EnvelopeSchema, 202: PendingSchema }, undefined, headers);
        if (status === 202) {
          const b = body as z.output<typeof PendingSchema>;
          return { status: "pending", reason: b.reason, retryAfter: b.retryAfter };
        }
        return { status: "ready", envelope: body as Envelope };
      } catch (err) {
        // Another client of the same requester (or this one before a restart) used this second.
        const replayed = err instanceof CustodianError && err.code === "bad-signature" && err.problem?.reason === "replayed";
        if (!replayed || attempt >= 2) throw err;
      }
    }
  }

  /**
   * The status of `requestId` for its requester, the dataset's subject or its provider: with a
   * signer (a fresh EIP-712 `GrantStatusRequest`) or a session from {@link CustodianClient.signIn}.
   */
  async grantStatus(auth: CustodianAuth, requestId: bigint): Promise<GrantStatus> {
    const id = requestId.toString();
    if ("session" in auth) {
      return (await this.#call("GET", `/v1/grants/${id}`, GrantStatusSchema, undefined, { authorization: `Bearer ${auth.session}` })).body;
    }
    const issuedAt = await this.#freshIssuedAt(`status:${id}`);
    const signature = await auth.signTypedData(this.domain, GRANT_STATUS_REQUEST_TYPES, { requestId, issuedAt });
    const headers = { "x-sealshare-issued-at": String(issuedAt), "x-sealshare-signature": signature };
    return (await this.#call("GET", `/v1/grants/${id}`, GrantStatusSchema, undefined, headers)).body;
  }

  /**
   * Signs in with Ethereum (EIP-4361): asks for a nonce, has `signer` sign `message(nonce)` (build
   * it with the `siwe` package: domain = your dapp's host, uri = its origin, this chain id), and
   * returns the session. Use `{ session: token }` as auth, or `Authorization: Bearer <token>`.
   */
  async signIn(signer: Signer, message: (nonce: string) => string): Promise<CustodianSession> {
    const { nonce } = (await this.#call("POST", "/v1/auth/nonce", NonceSchema)).body;
    const text = message(nonce);
    const signature = await signer.signMessage(text);
    return (await this.#call("POST", "/v1/auth/siwe", SessionSchema, { message: text, signature })).body;
  }

  /**
   * The server-sent events URL of a session (`GET /v1/events`): EventSource cannot send headers,
   * so the session token rides in the query. Secret-bearing: never log it.
   */
  eventsUrl(session: string): string {
    return `${this.baseUrl}/v1/events?access_token=${encodeURIComponent(session)}`;
  }

  /** Ends a session. */
  async signOut(session: string): Promise<void> {
    await this.#call("POST", "/v1/auth/logout", NO_BODY, undefined, { authorization: `Bearer ${session}` });
  }

  /**
   * A signed fetch is single use and names its second (`issuedAt`), so at most one fetch per
   * second per request: when this second was used already, wait for the next one.
   */
  async #freshIssuedAt(requestId: string): Promise<number> {
    const last = this.#lastIssued.get(requestId) ?? 0;
    let issuedAt = this.#now();
    if (issuedAt <= last) {
      await new Promise((r) => setTimeout(r, (last - issuedAt) * 1000 + 1000 - (Date.now() % 1000)));
      issuedAt = last + 1;
    }
    this.#lastIssued.set(requestId, issuedAt);
    return issuedAt;
  }

  /**
   * Verifies the envelope (signed by `expectedCustodian`, not expired) and unwraps its data key
   * with the device's private key. Check the key against the version's on-chain commitment
   * (sdk/stream/commitment.ts `verifyKeyCommitment`) before decrypting with it.
   */
  openEnvelope(envelope: Envelope, devicePrivateKey: Uint8Array, expectedCustodian: string): Uint8Array {
    verifyEnvelope(this.domain, envelope, expectedCustodian);
    return unwrapKey(devicePrivateKey, getBytes(envelope.wrappedKey));
  }

  /**
   * One HTTP call. A success answer is parsed with `answer` (one schema, or one per status):
   * anything else — another status, a body that is not JSON or does not match — throws
   * {@link CustodianAnswerError}. A failure answer throws {@link CustodianError}, with its
   * problem when the body is a valid RFC 9457 problem of ours.
   */
  async #call<S extends z.ZodType>(
    method: "GET" | "POST",
    path: string,
    answer: S | Record<number, z.ZodType>,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: z.output<S> }> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new SealshareError("CUSTODIAN_UNREACHABLE", `could not reach the custodian at ${this.baseUrl}`, {
        cause,
        details: { url: this.baseUrl },
        hint: custodianUnreachableHint(this.baseUrl),
      });
    }
    const text = await res.text();
    if (!res.ok) {
      let problem: CustodianProblem | undefined;
      try {
        const parsed = ProblemSchema.safeParse(JSON.parse(text));
        problem = parsed.success ? parsed.data : undefined;
      } catch {
        problem = undefined; // not JSON: a proxy's error page
      }
      throw new CustodianError(res.status, problem, `the custodian answered HTTP ${res.status}`);
    }
    const schema = answer instanceof Object && "safeParse" in answer ? (answer as z.ZodType) : (answer as Record<number, z.ZodType>)[res.status];
    if (!schema) throw new CustodianAnswerError(path, res.status, [{ path: "", message: `unexpected status ${res.status}` }]);
    return { status: res.status, body: parseAnswer(schema, path, res.status, text) as z.output<S> };
  }
}

/** The answer of a route that answers no content (204). */
const NO_BODY = { 204: z.undefined() };
