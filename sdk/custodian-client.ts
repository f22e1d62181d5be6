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
import { custodianDomain, ENVELOPE_REQUEST_TYPES, GRANT_STATUS_REQUEST_TYPES, KEY_DEPOSIT_TYPES } from "./eip712.js";
import { verifyEnvelope, type Envelope } from "./envelope.js";
import { unwrapKey, wrapKey } from "./crypto/ecies.js";
import { SealshareError } from "./errors.js";

/** GET /v1/custodian */
export interface CustodianInfo {
  address: string; // the custodian's signing account (holds CUSTODIAN_ROLE)
  chainId: string; // decimal
  ledger: string; // the Sealshare contract
  encryptionKey: string; // 33-byte compressed secp256k1 point (0x hex): wrap data keys to it
  keyId: number; // the ledger's id of that key
}

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
export interface DepositKeyResult {
  datasetId: string;
  version: number;
  created: boolean; // false: this very key was already deposited
  status: "stored" | "already-stored";
  provider: string;
}

/** Why an envelope is not ready yet. */
export type PendingReason = "not-granted" | "releasing" | "waiting-for-key" | "upgrading";

export type FetchEnvelopeResult =
  | { status: "ready"; envelope: Envelope }
  | { status: "pending"; reason: PendingReason; retryAfter: number };

/** GET /v1/grants/:requestId — what the custodian knows of a request (docs/openapi.json `GrantStatus`). */
export interface GrantStatus {
  requestId: string;
  datasetId: string;
  requester: string;
  status: "requested" | "granted" | "released" | "revoked" | "expired";
  kind: "none" | "temporary" | "formal";
  version: number | null;
  expiresAt: number | null;
  released: { kind: "none" | "temporary" | "formal"; envelopeHash: string; receipt: string; receiptTx: string | null }[];
  reason: string | null;
  paused: boolean;
  caller: "requester" | "subject" | "provider";
}

/** A Sign-In with Ethereum session (POST /v1/auth/siwe). */
export interface CustodianSession {
  token: string;
  tokenType: "Bearer";
  address: string;
  expiresAt: number;
}

/** How a call authenticates: a signer (a fresh EIP-712 request each call) or a SIWE session. */
export type CustodianAuth = Signer | { session: string };

/** An RFC 9457 problem as the custodian sends it. */
export interface CustodianProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  [extension: string]: unknown;
}

/** Thrown for every non-success answer; `code` is the problem's stable code (e.g. "grant-revoked"). */
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
  "grant-revoked": "the grant was revoked, the consent withdrawn or the requester suspended",
  "unknown-request": "check the request id and that the custodian has caught up with the chain",
};

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
    const info = (await this.#call("GET", "/v1/custodian")).body as CustodianInfo;
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
    return (await this.#call("POST", "/v1/keys", body)).body as DepositKeyResult;
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
        const { status, body } = await this.#call("GET", `/v1/envelopes/${id}`, undefined, {
          "x-sealshare-issued-at": String(issuedAt),
          "x-sealshare-signature": signature,
        });
        if (status === 202) {
          const b = body as { reason: PendingReason; retryAfter: number };
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
      return (await this.#call("GET", `/v1/grants/${id}`, undefined, { authorization: `Bearer ${auth.session}` })).body as GrantStatus;
    }
    const issuedAt = await this.#freshIssuedAt(`status:${id}`);
    const signature = await auth.signTypedData(this.domain, GRANT_STATUS_REQUEST_TYPES, { requestId, issuedAt });
    const headers = { "x-sealshare-issued-at": String(issuedAt), "x-sealshare-signature": signature };
    return (await this.#call("GET", `/v1/grants/${id}`, undefined, headers)).body as GrantStatus;
  }

  /**
   * Signs in with Ethereum (EIP-4361): asks for a nonce, has `signer` sign `message(nonce)` (build
   * it with the `siwe` package: domain = your dapp's host, uri = its origin, this chain id), and
   * returns the session. Use `{ session: token }` as auth, or `Authorization: Bearer <token>`.
   */
  async signIn(signer: Signer, message: (nonce: string) => string): Promise<CustodianSession> {
    const { nonce } = (await this.#call("POST", "/v1/auth/nonce")).body as { nonce: string };
    const text = message(nonce);
    const signature = await signer.signMessage(text);
    return (await this.#call("POST", "/v1/auth/siwe", { message: text, signature })).body as CustodianSession;
  }

  /** Ends a session. */
  async signOut(session: string): Promise<void> {
    await this.#call("POST", "/v1/auth/logout", undefined, { authorization: `Bearer ${session}` });
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

  async #call(method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new SealshareError("CUSTODIAN_UNREACHABLE", `could not reach the custodian at ${this.baseUrl}`, { cause });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok) return { status: res.status, body: parsed };
    const isProblem = typeof parsed === "object" && parsed !== null && typeof (parsed as CustodianProblem).code === "string";
    throw new CustodianError(res.status, isProblem ? (parsed as CustodianProblem) : undefined, `the custodian answered HTTP ${res.status}`);
  }
}
