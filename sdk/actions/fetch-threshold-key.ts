/**
 * The requester fetches the data key of its grant when the version is under threshold custody:
 * every custodian of the serving set is asked at once (sdk/threshold fetchShares, a timeout
 * each), each answer is checked before use, t good shares are combined (combineShares) and the
 * key is checked against the version's key commitment.
 *
 * Checks, all against the chain (never a custodian's word or a config file):
 * - the grant is valid now, and its version's custody record (`custody.shareGrant`: set, shares
 *   root, threshold, not shredded);
 * - the set's custodians in share order (`custody.custodianSet`): a URL is matched to a set
 *   position by the account its service names, and its envelope must be SIGNED by the account at
 *   that position (so a URL that lies about who it is answers nothing usable);
 * - each envelope describes the chain's grant (request, dataset, version, device key, kind: the
 *   same check as the single-custodian path, fetchKey's checkEnvelopeAgainstGrant, on the request and grant read once), carries a
 *   share of this set at that custodian's index with the set's threshold, and is not expired;
 * - each share unwraps with the device key and verifies against the on-chain shares root for its
 *   index before it is combined; a bad one is attributed to its custodian (THRESHOLD_BAD_SHARE)
 *   and tolerated while t good ones remain; the combined key must match the key commitment.
 *
 * {@link fetchGrantKey} picks this path when the version has a custody record, fetchKey otherwise.
 *
 * @example
 * ```ts
 * const { dek, failures } = await fetchThresholdKey(insurerCtx, {
 *   custodians: urls.map((u) => new CustodianClient(u, { chainId, ledger })), requestId, devicePrivateKey,
 * });
 * for (const f of failures) console.warn(f.error.message); // e.g. a custodian that lied, named
 * ```
 */
import { getAddress, ZeroAddress } from "ethers";
import type { SealshareCustody } from "../contracts.js";
import { isTransientCustodianError, type CustodianClient } from "../custodian-client.js";
import type { Envelope } from "../envelope.js";
import { SealshareError } from "../errors.js";
import { combineShares, type CustodianFailure } from "../threshold/combine.js";
import { verifyShareInSlot } from "../threshold/commitment.js";
import { fetchShares, type ShareProgress } from "../threshold/fetch-shares.js";
import { GrantInvalidReason } from "../vocabulary.js";
import { expiryNow, providerOf, readCall, requireSigner } from "./context.js";
import { readCustody, requireCustody, type CustodyContext } from "./custody-context.js";
import { checkEnvelopeAgainstGrant, fetchKey, GRANT_HINTS, type FetchKeyResult } from "./fetch-key.js";
import { bindingOf } from "./key-binding.js";

export interface FetchThresholdKeyParams {
  /** Clients of the custodians' services (URLs from the caller or config), any order. */
  custodians: readonly CustodianClient[];
  requestId: bigint;
  /** The private key of the device the request named. Never leaves this process. */
  devicePrivateKey: Uint8Array;
  /** Keep polling each custodian this long while it says "pending". Default 0. */
  waitMs?: number;
  /** Milliseconds each custodian gets (on top of waitMs). Default 15 000. */
  timeoutMs?: number;
  /** Per custodian: asking → answered | failed | timed-out | skipped. */
  onProgress?: (p: ShareProgress) => void;
  /** `custody.shareGrant(requestId, 0)` if the caller has just read it (fetchGrantKey): not read again. */
  shareGrant?: Awaited<ReturnType<SealshareCustody["shareGrant"]>>;
}

export interface FetchThresholdKeyResult extends Omit<FetchKeyResult, "custodian" | "envelope"> {
  setId: number;
  threshold: number;
  /** The custodians whose shares were combined. */
  used: string[];
  /** Every custodian whose answer was not used, and why (a bad share names its custodian). */
  failures: CustodianFailure[];
}

/**
 * Errors: `GRANT_NOT_VALID`, `KEY_NOT_READY` (not granted yet), `NO_THRESHOLD_CUSTODY` (the
 * version has no custody record: use fetchKey), `CUSTODY_SHREDDED`, `THRESHOLD_NOT_ENOUGH`
 * (names every custodian that failed and why), `THRESHOLD_KEY_MISMATCH`, `NO_CUSTODY`.
 */
export async function fetchThresholdKey(ctx: CustodyContext, p: FetchThresholdKeyParams): Promise<FetchThresholdKeyResult> {
  const signer = requireSigner(ctx);
  const custody = requireCustody(ctx);
  const sg = p.shareGrant ?? (await readCustody(() => custody.shareGrant(p.requestId, ZeroAddress)));
  const reason = GrantInvalidReason[Number(sg.grant.reason)] ?? "NotGranted";
  if (!sg.grant.valid) {
    if (reason === "NotGranted") {
      await readCall(() => ctx.ledger.requestOf(p.requestId)); // AccessUnknownRequest if there is no such request
      throw new SealshareError("KEY_NOT_READY", `the key of request #${p.requestId} is not ready: not-granted`, {
        hint: "the request is not granted yet; approvals are missing (see `sealshare access status`)",
        details: { reason: "not-granted" },
      });
    }
    throw new SealshareError("GRANT_NOT_VALID", `request #${p.requestId} has no valid grant: ${reason}`, { hint: GRANT_HINTS[reason] ?? "see `sealshare access status`", details: { reason } });
  }
  const datasetId = BigInt(sg.grant.datasetId);
  const version = Number(sg.grant.version);
  const setId = Number(sg.setId);
  if (setId === 0) {
    throw new SealshareError("NO_THRESHOLD_CUSTODY", `dataset #${datasetId} v${version} has no shares deposited with a custodian set`, {
      hint: "its key is with the single custodian: fetch it with `sealshare key fetch`",
    });
  }
  if (sg.shredded) {
    throw new SealshareError("CUSTODY_SHREDDED", `the shares of dataset #${datasetId} v${version} were ordered shredded: no custodian serves its key any more`, {
      hint: "ask the provider to publish a new version",
    });
  }
  // Everything else the check needs, read at once (each custodian's envelope is then checked
  // against this one reading of the request, the grant and the chain's time, taken moments before).
  const [set, { byAddress, silent }, network, custodyAddress, v, request, now] = await Promise.all([
    readCustody(() => custody.custodianSet(setId)),
    routeClients(p.custodians),
    providerOf(ctx).getNetwork(),
    custody.getAddress(),
    readCall(() => ctx.ledger.datasetVersion(datasetId, version)),
    readCall(() => ctx.ledger.requestOf(p.requestId)),
    expiryNow(ctx),
  ]);
  const members = set.custodians.map((c) => getAddress(c));
  const threshold = Number(sg.threshold);
  const slot = { chainId: network.chainId, custody: custodyAddress, datasetId, version, setId };
  const waitMs = p.waitMs ?? 0;

  const binding = bindingOf(ctx, datasetId, version, v.merkleRoot); // read while the custodians answer
  binding.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const skipped = new Set<string>();
  const answers = await fetchShares({
    custodians: members.map((custodian, index) => ({ custodian, index })),
    timeoutMs: waitMs + (p.timeoutMs ?? 15_000),
    onProgress: (progress) => {
      if (progress.status === "skipped") skipped.add(progress.custodian);
      p.onProgress?.(progress);
    },
    enough: { needed: threshold, accept: (a) => verifyShareInSlot(sg.sharesRoot, slot, a.index, a.share, a.proof) },
    fetchShare: async ({ custodian, index }, { signal }) => {
      const client = byAddress.get(custodian);
      if (!client) {
        const why = silent.length ? ` (did not answer: ${silent.join(", ")})` : " (no URL given names it)";
        throw new SealshareError("CUSTODIAN_NO_URL", `no custodian URL answered as ${custodian}${why}`, { hint: "check that custodian is running, and give its URL (--custodians)" });
      }
      const envelope = await readyEnvelope(client, signer, p.requestId, waitMs, signal);
      checkEnvelopeAgainstGrant(p.requestId, envelope, request, sg.grant);
      const share = envelope.share;
      if (!share || share.setId !== setId || share.index !== index || share.threshold !== threshold) {
        throw new SealshareError("ENVELOPE_WRONG_SHARE", `custodian ${custodian} answered ${share ? `share ${share.index} of set ${share.setId} (threshold ${share.threshold})` : "a whole key"}, the chain says share ${index} of set ${setId} (threshold ${threshold})`, {
          details: { custodian, index },
        });
      }
      if (now >= envelope.expiresAt) {
        throw new SealshareError("ENVELOPE_EXPIRED", `the grant of request #${p.requestId} expired at ${new Date(envelope.expiresAt * 1000).toISOString()}`, { hint: "request access again" });
      }
      // Signed by the account at this position of the set (not whoever answers at the URL), then unwrapped.
      return { share: client.openEnvelope(envelope, p.devicePrivateKey, custodian), proof: share.proof };
    },
  });

  try {
    const { dataKey, used, failures } = await combineShares({
      slot,
      sharesRoot: sg.sharesRoot,
      set: { custodians: members, threshold },
      answers,
      key: { binding: await binding, commitment: v.keyCommitment },
    });
    return {
      dek: dataKey,
      requestId: p.requestId,
      datasetId,
      version,
      kind: Number(sg.grant.kind),
      expiresAt: Number(sg.grant.expiresAt),
      setId,
      threshold,
      used,
      // Custodians skipped once t verified shares were in were not needed: not a failure of theirs.
      failures: failures.filter((f) => !skipped.has(f.custodian)),
    };
  } finally {
    for (const a of answers) if ("share" in a) a.share.fill(0);
  }
}

/** Each URL's service names its account; the chain decides what that account may answer for. `silent`: URLs that did not answer. */
async function routeClients(clients: readonly CustodianClient[]): Promise<{ byAddress: Map<string, CustodianClient>; silent: string[] }> {
  const byAddress = new Map<string, CustodianClient>();
  const silent: string[] = [];
  await Promise.all(
    clients.map(async (client) => {
      try {
        const address = getAddress((await client.info()).address);
        if (!byAddress.has(address)) byAddress.set(address, client);
      } catch {
        // A URL that does not answer: the custodian behind it, if any, is reported as having no URL that answered.
        silent.push(client.baseUrl);
      }
    }),
  );
  return { byAddress, silent };
}

/** Polls one custodian for the envelope while it says "pending", up to `waitMs`, until `signal` aborts. */
async function readyEnvelope(client: CustodianClient, signer: ReturnType<typeof requireSigner>, requestId: bigint, waitMs: number, signal: AbortSignal): Promise<Envelope> {
  const until = Date.now() + waitMs;
  for (;;) {
    let answer: Awaited<ReturnType<CustodianClient["fetchEnvelope"]>>;
    try {
      answer = await client.fetchEnvelope(signer, requestId);
    } catch (err) {
      // A custodian catching up with the chain (or its RPC) answers 503 for a moment: wait, as for pending.
      if (!isTransientCustodianError(err) || Date.now() >= until || signal.aborted) throw err;
      await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, until - Date.now()))));
      continue;
    }
    if (answer.status === "ready") return answer.envelope;
    if (Date.now() >= until || signal.aborted) {
      throw new SealshareError("KEY_NOT_READY", `the share of request #${requestId} is not ready at ${client.baseUrl}: ${answer.reason}`, { details: { reason: answer.reason } });
    }
    await new Promise((r) => setTimeout(r, Math.min(Math.max(200, answer.retryAfter * 1000), Math.max(0, until - Date.now()))));
  }
}
