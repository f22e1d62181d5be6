/**
 * Evidence of a bad share (threshold custody): what a requester keeps when a custodian's share
 * failed its proof, so that an auditor — who holds no device key — can check the accusation.
 *
 * The evidence is the custodian's signed share envelope (sdk/envelope.ts: its KeyShareEnvelope
 * signature covers the request, dataset, version, set, index, threshold, the share's proof and
 * the hash of the wrapped share) plus `shareKey`: the eciesjs symmetric key of THAT envelope
 * (derived from its one-time ephemeral key and the requester's device key). The auditor opens the
 * wrapped share with it (eciesjs's own `symDecrypt`, AES-256-GCM): the requester can disclose one
 * envelope's share without its device key, and cannot frame a custodian — the ciphertext is fixed
 * by the custodian's signature and GCM authenticates it, so no other key opens it to another share.
 *
 * Disclosure: a share that failed its proof is not a share of the key; the requester builds
 * evidence only for a share that does NOT verify against the on-chain shares root (a share that
 * verifies might be real, and at t = 1 a real share is the key itself). The auditor refuses
 * evidence whose share verifies. Browser-safe.
 *
 * Until the requester's fetch (sdk/actions/fetch-threshold-key.ts) calls back with its envelopes,
 * {@link recordEnvelopes} wraps the custodian clients it is given and keeps every envelope they
 * return; {@link badShareEvidence} then builds evidence for the custodians named THRESHOLD_BAD_SHARE.
 */
import { getAddress, getBytes, hexlify, verifyTypedData, type TypedDataDomain } from "ethers";
import { ECIES_CONFIG, PrivateKey, PublicKey } from "eciesjs";
import { symDecrypt } from "eciesjs/utils";
import { z } from "zod";
import { EnvelopeSchema } from "../api/schemas.js";
import { envelopeMessage, envelopeTypes, type Envelope } from "../envelope.js";
import { SealshareError } from "../errors.js";
import { verifyShareInSlot, type ShareSlot } from "../threshold/commitment.js";

/** One bad share, as a requester keeps it (a JSON file in an evidence folder). */
export interface ShareEvidence {
  kind: "sealshare-share-evidence";
  version: 1;
  /** The custodian's signed share envelope, as it was served. */
  envelope: Envelope;
  /** The eciesjs symmetric key of this envelope's wrapped share (0x, 32 bytes): opens this share only. */
  shareKey: string;
  /** When the requester saw it (unix seconds; informational). */
  seenAt?: number;
}

export const ShareEvidenceSchema = z.object({
  kind: z.literal("sealshare-share-evidence"),
  version: z.literal(1),
  envelope: EnvelopeSchema,
  shareKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  seenAt: z.number().int().optional(),
});

/** Parses one evidence document (BAD_EVIDENCE naming `where` when it is not one). */
export function parseShareEvidence(json: unknown, where: string): ShareEvidence {
  const r = ShareEvidenceSchema.safeParse(json);
  if (!r.success) throw new SealshareError("BAD_EVIDENCE", `${where} is not share evidence: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  return r.data as ShareEvidence;
}

/** The symmetric key eciesjs derived for `wrapped` (to the holder of `devicePrivateKey`). */
export function envelopeShareKey(wrapped: Uint8Array, devicePrivateKey: Uint8Array): Uint8Array {
  const ephemeral = new PublicKey(wrapped.subarray(0, ECIES_CONFIG.ephemeralKeySize));
  return ephemeral.decapsulate(new PrivateKey(devicePrivateKey), ECIES_CONFIG.isHkdfKeyCompressed);
}

/** The share inside `wrapped`, opened with its disclosed key; undefined when the key does not open it. */
export function openDisclosedShare(wrapped: Uint8Array, shareKey: Uint8Array): Uint8Array | undefined {
  try {
    return symDecrypt(ECIES_CONFIG, shareKey, wrapped.subarray(ECIES_CONFIG.ephemeralKeySize));
  } catch {
    return undefined;
  }
}

/** The account that signed `e` in the custodian's domain, or undefined when the signature is malformed. */
export function envelopeSigner(domain: TypedDataDomain, e: Envelope): string | undefined {
  try {
    return getAddress(verifyTypedData(domain, envelopeTypes(e), envelopeMessage(e), e.signature));
  } catch {
    return undefined;
  }
}

/**
 * Evidence for `envelope`, or undefined when its share verifies against `sharesRoot` (then it
 * is not evidence of anything, and disclosing it could reveal a real share).
 */
export function shareEvidence(p: { envelope: Envelope; devicePrivateKey: Uint8Array; slot: ShareSlot; sharesRoot: string; seenAt?: number }): ShareEvidence | undefined {
  const share = p.envelope.share;
  if (!share) return undefined;
  const wrapped = getBytes(p.envelope.wrappedKey);
  let key: Uint8Array;
  try {
    key = envelopeShareKey(wrapped, p.devicePrivateKey);
  } catch {
    return undefined; // not an eciesjs ciphertext: nothing this key can show
  }
  const opened = openDisclosedShare(wrapped, key);
  if (!opened) return undefined;
  const good = verifyShareInSlot(p.sharesRoot, p.slot, share.index, opened, share.proof);
  opened.fill(0);
  if (good) return undefined;
  return { kind: "sealshare-share-evidence", version: 1, envelope: p.envelope, shareKey: hexlify(key), ...(p.seenAt !== undefined ? { seenAt: p.seenAt } : {}) };
}

/** Anything with CustodianClient's `fetchEnvelope` (sdk/custodian-client.ts). */
type EnvelopeSource = { fetchEnvelope: (...args: never[]) => Promise<unknown> };

/**
 * Wraps custodian clients so that every envelope they return is kept (the fetch itself is
 * unchanged). `clients` are CustodianClient instances (sdk/custodian-client.ts): every other
 * method runs on the client itself (its private fields stay reachable).
 */
export function recordEnvelopes<C extends EnvelopeSource>(clients: readonly C[]): { clients: C[]; envelopes: Envelope[] } {
  const envelopes: Envelope[] = [];
  const wrapped = clients.map(
    (client) =>
      new Proxy(client, {
        get(target, key) {
          const value = Reflect.get(target, key, target) as unknown;
          if (key === "fetchEnvelope") {
            return async (...args: unknown[]) => {
              const answer = (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as { status?: string; envelope?: Envelope };
              if (answer?.status === "ready" && answer.envelope) envelopes.push(answer.envelope);
              return answer;
            };
          }
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }),
  );
  return { clients: wrapped, envelopes };
}

/**
 * Evidence for each custodian a fetch named THRESHOLD_BAD_SHARE: its recorded envelope (the one
 * it SIGNED, in the custodian domain) whose share fails the shares root.
 */
export function badShareEvidence(p: {
  envelopes: readonly Envelope[];
  failures: readonly { custodian: string; error: { code?: string } }[];
  domain: TypedDataDomain;
  devicePrivateKey: Uint8Array;
  slot: ShareSlot;
  sharesRoot: string;
  seenAt?: number;
}): ShareEvidence[] {
  const accused = new Set(p.failures.filter((f) => f.error.code === "THRESHOLD_BAD_SHARE").map((f) => safe(f.custodian)));
  const out: ShareEvidence[] = [];
  for (const envelope of p.envelopes) {
    const signer = envelopeSigner(p.domain, envelope);
    if (!signer || !accused.has(signer)) continue;
    const e = shareEvidence({ envelope, devicePrivateKey: p.devicePrivateKey, slot: p.slot, sharesRoot: p.sharesRoot, seenAt: p.seenAt });
    if (e) out.push(e);
  }
  return out;
}

function safe(a: string): string | undefined {
  try {
    return getAddress(a);
  } catch {
    return undefined;
  }
}
