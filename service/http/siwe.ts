/**
 * Sign-In with Ethereum (EIP-4361) sessions for the dapp.
 *
 *   POST /v1/auth/nonce   → a nonce (single use, 5 min)
 *   POST /v1/auth/siwe    { message, signature } → a session token (Bearer), ≤ 15 min
 *   POST /v1/auth/logout  ends the session
 *
 * Messages are parsed and signatures verified with the `siwe` package (spruceid, works with
 * ethers v6; EOA by ecrecover, ERC-1271 smart accounts through the provider when ecrecover does
 * not match). A signature that does not recover to the address costs an ERC-1271 call only
 * when the address holds code: `getCode` is asked first and its answer cached (an address
 * without code for {@link NO_CODE_TTL_SECONDS}, one with code for good), so failed sign-ins
 * for plain accounts cost the RPC endpoint at most one read per address and minute. Attempts are
 * also rate-limited per client IP (service/http/ratelimit.ts). Before that, each field is checked here so a refusal names its reason:
 *   chain-id       Chain ID is not the ledger's chain
 *   domain         the domain is not the host of a configured origin (SEALSHARE_CORS_ORIGINS or
 *                  SEALSHARE_PUBLIC_URL)
 *   uri            the URI's origin is not a configured origin
 *   expired / not-yet-valid / issued-in-future   Expiration Time, Not Before, Issued At
 *   nonce          not a nonce this custodian issued, or expired
 *   signature      the signature does not verify for the message's address
 *   nonce-used     the nonce was already used (checked last, so nobody can burn another's)
 *
 * Nonces are stateless: `random(12) ‖ expiry(4) ‖ HMAC-SHA256(secret, random ‖ expiry)[0..16]`,
 * hex (64 chars, alphanumeric as EIP-4361 wants). Issuing one writes nothing (an unauthenticated
 * route cannot fill the database); using one records its digest in the replay guard
 * (`consumeSignature`), shared by all replicas. `secret` is derived from the master key, so
 * every replica accepts the nonces of the others.
 *
 * Sessions: 32 random bytes (base64url) handed to the client once; only their SHA-256 is
 * stored, with the address and expiry (min(ttl, the message's Expiration Time)).
 *
 * With `cacheSessions` (set only where this process is the one that creates and ends sessions:
 * the SQLite store, one process), a resolved session is also kept in memory, keyed by the
 * token's hash: the session fetch, the dapp's and SDK's hot path, then skips one SQLite read per
 * request (≈ 15–45 µs here, the largest single cost of a session fetch after Express itself).
 * Nothing is relaxed: the expiry is checked on every request, logout drops the entry before
 * the row, unknown tokens are never cached, and sessions change nowhere else. With PostgreSQL
 * (replicas: another one may end a session) every request reads the store.
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { getAddress, id as keccakText, type Provider } from "ethers";
import { SiweMessage } from "siwe";
import { ProblemError } from "../internal/errors.js";
import type { AuthStore } from "../store/store.js";

export const NONCE_TTL_SECONDS = 300;
/** How long "this address has no code" is believed (a counterfactual wallet may be deployed later). */
export const NO_CODE_TTL_SECONDS = 60;
const CODE_CACHE_MAX = 10_000;

export interface SessionServiceDeps {
  store: AuthStore;
  chainId: number;
  /** Origins whose host may be the message's domain and whose origin its URI. */
  origins: () => string[];
  /** 32-byte HMAC key for nonces ({@link nonceSecretFrom}). */
  secret: Uint8Array;
  now: () => number; // unix seconds
  ttlSeconds: number;
  maxSkewSeconds: number;
  /** For ERC-1271 signatures (smart accounts); omitted: EOAs only. */
  provider?: Provider;
  /**
   * Keep resolved sessions in memory (see the file header). Only where no other process creates
   * or ends sessions in the same store (SQLite); never with replicas.
   */
  cacheSessions?: boolean;
}

/** Most sessions kept in memory; the cache is emptied when full (each entry comes back on its next use). */
const SESSION_CACHE_SIZE = 10_000;

export interface IssuedNonce {
  nonce: string;
  expiresAt: number;
  chainId: number;
  domains: string[];
}

export interface Session {
  token: string;
  tokenType: "Bearer";
  address: string;
  expiresAt: number;
}

export interface SessionService {
  nonce(): IssuedNonce;
  signIn(message: string, signature: string): Promise<Session>;
  /** The session's account; 401 bad-session if unknown, expired or logged out. */
  resolve(token: string): Promise<{ address: string; expiresAt: number }>;
  logout(token: string): Promise<void>;
}

/** The nonce key, derived from the master key (HKDF-SHA256), so the master key stays put. */
export function nonceSecretFrom(masterKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", masterKey, new Uint8Array(0), "sealshare/siwe-nonce/v1", 32));
}

export function tokenHash(token: string): string {
  return `0x${createHash("sha256").update(token, "utf8").digest("hex")}`;
}

const reject = (reason: string, detail: string) => new ProblemError("siwe-rejected", detail, { reason });

export function createSessionService(deps: SessionServiceDeps): SessionService {
  /** Resolved sessions by token hash, with `cacheSessions` (read-only copies handed out). */
  const sessions = deps.cacheSessions ? new Map<string, Readonly<{ address: string; expiresAt: number }>>() : undefined;
  /** Logouts so far: a read that overlapped one is not cached (it may have read the row just ended). */
  let logouts = 0;
  const mac = (body: Buffer) => createHmac("sha256", deps.secret).update(body).digest().subarray(0, 16);

  function checkNonce(nonce: string, now: number): number {
    if (!/^[0-9a-f]{64}$/.test(nonce)) throw reject("nonce", "the nonce was not issued by this custodian");
    const raw = Buffer.from(nonce, "hex");
    const body = raw.subarray(0, 16);
    if (!timingSafeEqual(raw.subarray(16), mac(body))) throw reject("nonce", "the nonce was not issued by this custodian");
    const expiresAt = body.readUInt32BE(12);
    if (expiresAt <= now) throw reject("nonce", "the nonce has expired; ask for a new one");
    return expiresAt;
  }

  // address (lower-case) → has code, and when that was read (unix seconds)
  const codeCache = new Map<string, { hasCode: boolean; at: number }>();
  async function hasCode(provider: Provider, address: string, now: number): Promise<boolean> {
    const key = address.toLowerCase();
    const hit = codeCache.get(key);
    if (hit && (hit.hasCode || now - hit.at < NO_CODE_TTL_SECONDS)) return hit.hasCode;
    const code = await provider.getCode(address);
    if (codeCache.size >= CODE_CACHE_MAX) codeCache.delete(codeCache.keys().next().value!);
    const entry = { hasCode: code !== "0x" && code !== "", at: now };
    codeCache.set(key, entry);
    return entry.hasCode;
  }

  const seconds = (iso: string | undefined) => (iso === undefined ? undefined : Math.floor(Date.parse(iso) / 1000));

  return {
    nonce() {
      const expiresAt = deps.now() + NONCE_TTL_SECONDS;
      const body = Buffer.alloc(16);
      randomBytes(12).copy(body);
      body.writeUInt32BE(expiresAt, 12);
      const nonce = Buffer.concat([body, mac(body)]).toString("hex");
      return { nonce, expiresAt, chainId: deps.chainId, domains: deps.origins().map((o) => new URL(o).host) };
    },

    async signIn(text, signature) {
      const now = deps.now();
      let m: SiweMessage;
      try {
        m = new SiweMessage(text);
      } catch {
        throw new ProblemError("invalid-request", "the message is not an EIP-4361 (Sign-In with Ethereum) message", {
          errors: [{ in: "body", path: "message", message: "not an EIP-4361 message" }],
        });
      }
      if (m.chainId !== deps.chainId) throw reject("chain-id", `the message is for chain ${m.chainId}; this custodian serves chain ${deps.chainId}`);
      const origins = deps.origins();
      if (!origins.some((o) => new URL(o).host === m.domain)) throw reject("domain", `${m.domain} is not a domain this custodian accepts`);
      let uriOrigin: string | undefined;
      try {
        uriOrigin = new URL(m.uri).origin;
      } catch {
        /* not a URL */
      }
      if (!uriOrigin || !origins.includes(uriOrigin)) throw reject("uri", "the message's URI is not on an origin this custodian accepts");
      const exp = seconds(m.expirationTime);
      if (exp !== undefined && exp <= now) throw reject("expired", "the message's Expiration Time has passed");
      const nbf = seconds(m.notBefore);
      if (nbf !== undefined && nbf > now + deps.maxSkewSeconds) throw reject("not-yet-valid", "the message's Not Before is in the future");
      const iat = seconds(m.issuedAt);
      if (iat !== undefined && iat > now + deps.maxSkewSeconds) throw reject("issued-in-future", "the message's Issued At is in the future");
      const nonceExpiresAt = checkNonce(m.nonce, now);

      const params = { signature, domain: m.domain, nonce: m.nonce, time: new Date(Math.max(now, nbf ?? 0) * 1000).toISOString() };
      const verify = async (provider?: Provider) => {
        try {
          return (await m.verify(params, { suppressExceptions: true, ...(provider ? { provider } : {}) })).success;
        } catch {
          return false;
        }
      };
      // ecrecover first (no chain call); ERC-1271 only for an address that holds code.
      let verified = await verify();
      if (!verified && deps.provider) {
        let contract = false;
        try {
          contract = await hasCode(deps.provider, m.address, now);
        } catch {
          throw new ProblemError("upstream-unavailable", "the ledger's RPC endpoint did not answer; retry later");
        }
        if (contract) verified = await verify(deps.provider);
      }
      if (!verified) throw reject("signature", "the signature does not verify for the message's address");
      if (!(await deps.store.consumeSignature(keccakText(`siwe-nonce:${m.nonce}`), nonceExpiresAt, now))) {
        throw reject("nonce-used", "this nonce was already used; ask for a new one");
      }

      const token = randomBytes(32).toString("base64url");
      const address = getAddress(m.address);
      const expiresAt = Math.min(now + deps.ttlSeconds, exp ?? Number.MAX_SAFE_INTEGER);
      await deps.store.createSession({ tokenHash: tokenHash(token), address, expiresAt, createdAt: now }, now);
      return { token, tokenType: "Bearer", address, expiresAt };
    },

    async resolve(token) {
      const hash = tokenHash(token);
      const now = deps.now();
      const hit = sessions?.get(hash);
      if (hit && hit.expiresAt > now) return hit; // the store's own rule: expires_at > now
      const seenLogouts = logouts;
      const s = await deps.store.session(hash, now);
      if (!s) {
        sessions?.delete(hash);
        throw new ProblemError("bad-session", "the session token is unknown, expired or logged out; sign in again");
      }
      const live = Object.freeze({ address: s.address, expiresAt: s.expiresAt });
      if (sessions && seenLogouts === logouts) {
        if (sessions.size >= SESSION_CACHE_SIZE) sessions.clear();
        sessions.set(hash, live);
      }
      return live;
    },

    async logout(token) {
      logouts++;
      sessions?.delete(tokenHash(token)); // first: no request after this one sees the session
      if (!(await deps.store.deleteSession(tokenHash(token)))) {
        throw new ProblemError("bad-session", "the session token is unknown, expired or logged out");
      }
    },
  };
}
