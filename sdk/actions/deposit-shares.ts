/**
 * The provider puts a dataset version's data key under threshold custody: the key is checked
 * against the version's on-chain key commitment, split into n Shamir shares (any t rebuild it;
 * sdk/threshold), committed to on chain (`depositShares(datasetId, version, setId, sharesRoot)` on
 * the custody contract), and share i is sent to custodian i over HTTP, ECIES-wrapped to the key
 * the set records for it on chain — progress per custodian.
 *
 * Trust: the set (custodians in order, threshold) and each custodian's key come from the chain
 * (getCustodianSet: role and live key checked). The custodian URLs come from the caller and are
 * only routes: a URL is matched to a set position by the account its service names, and the share
 * sent there is wrapped to that position's on-chain key — a service that names another custodian's
 * account receives a share it cannot open.
 *
 * Order: on chain first, then the custodians (a custodian accepts a share only once the custody
 * record names the set and the root its share verifies against). Nothing is sent on chain unless
 * at least t custodians of the set answer: a root whose shares could not rebuild the key would be
 * a slot no one can serve.
 *
 * A custodian that is down: its share is reported `undelivered`, with the share still
 * ECIES-wrapped to that custodian's on-chain key (only it can open it) and its proof, so
 * {@link redeliverShares} can send exactly that share later. Why not redo the split on retry:
 * shares are random per split, the chain commits to a set's shares of a version once
 * (CustodySetAlreadyUsed) and the custodians that already stored theirs hold points of the first
 * polynomial (a new share would be refused as share-conflict). A fresh split goes to ANOTHER set
 * (moveCustody). The shares in clear never leave this call and are zeroed before it returns.
 *
 * @example
 * ```ts
 * const r = await depositShares(bankCtx, { datasetId, version: 1, setId: 1, dek, custodians: urls.map((u) => new CustodianClient(u, { chainId, ledger })) });
 * if (r.undelivered.length) await writeFile("pending.json", JSON.stringify(r.undelivered.map((u) => u.pending)));
 * ```
 */
import { getAddress, hexlify } from "ethers";
import type { CustodianClient } from "../custodian-client.js";
import { SealshareError } from "../errors.js";
import { commitShares } from "../threshold/commitment.js";
import { splitDataKey } from "../threshold/split.js";
import { wrapShares } from "../threshold/wrap.js";
import { providerOf, requireSigner, txResult, type TxResult } from "./context.js";
import { custodyEventsIn, custodyWriter, readCustody, requireCustody, sendCustodyTx, type CustodyContext } from "./custody-context.js";
import { assertSetUsable, getCustodianSet, type CustodianSetInfo } from "./get-custodian-set.js";
import { keyMatchesVersion } from "./key-binding.js";

/** A share ready to be (re)sent to one custodian: wrapped to its on-chain key. Not secret to anyone but that custodian. */
export interface PendingShare {
  datasetId: string;
  version: number;
  setId: number;
  custodian: string;
  index: number;
  /** 0x hex: the share, ECIES-wrapped to the custodian's key as the set records it. */
  wrappedShare: string;
  proof: string[];
}

export type ShareDepositStatus = "sending" | "stored" | "already-stored" | "failed" | "no-url";

export interface ShareDepositProgress {
  custodian: string;
  index: number;
  status: ShareDepositStatus;
  /** On failed / no-url. */
  error?: SealshareError;
}

export interface DeliveredShare {
  custodian: string;
  index: number;
  /** False when the custodian already held this very share. */
  created: boolean;
  url: string;
}

export interface UndeliveredShare {
  custodian: string;
  index: number;
  error: { code: string; message: string };
  /** What {@link redeliverShares} sends later. */
  pending: PendingShare;
}

export interface DepositSharesParams {
  datasetId: bigint;
  version: number;
  setId: number;
  /** The version's 32-byte data key. Split here; never sent anywhere. */
  dek: Uint8Array;
  /** Clients of the custodians' services (URLs from the caller or config), any order. */
  custodians: readonly CustodianClient[];
  onProgress?: (p: ShareDepositProgress) => void;
}

export interface DepositSharesResult extends TxResult {
  datasetId: bigint;
  version: number;
  setId: number;
  threshold: number;
  n: number;
  sharesRoot: string;
  /** The set that served the version before (its shares are ordered shredded), 0 on a first deposit. */
  replacedSetId: number;
  delivered: DeliveredShare[];
  undelivered: UndeliveredShare[];
  /** URLs whose service names no custodian of the set (nothing was sent there). */
  ignoredUrls: { url: string; why: string }[];
  /** True when at least t custodians hold their share: a grant can be served now. */
  servable: boolean;
}

/** Retries of a share the custodian refuses as not committed yet (its view of the chain lags behind ours). */
const NOT_COMMITTED_RETRIES = 10;

/**
 * Errors: `KEY_COMMITMENT_MISMATCH`, `CUSTODY_SET_UNUSABLE` (names each custodian failing the
 * chain's checks), `CUSTODY_NOT_ENOUGH_CUSTODIANS` (fewer than t custodians of the set answered:
 * nothing was sent), the custody contract's (`CustodyNotProvider`, `CustodySetAlreadyUsed`,
 * `CustodyThresholdBelowMinimum`, `CustodyVersionShredded`, …), `NO_CUSTODY`. A custodian's
 * refusal does not throw: it is in `undelivered`.
 */
export async function depositShares(ctx: CustodyContext, p: DepositSharesParams): Promise<DepositSharesResult> {
  const signer = requireSigner(ctx);
  const custody = requireCustody(ctx);
  if (!(await keyMatchesVersion(ctx, p.dek, p.datasetId, p.version))) {
    throw new SealshareError("KEY_COMMITMENT_MISMATCH", `this is not the key registered for dataset #${p.datasetId} version ${p.version}`, {
      hint: "use the key file written when that version was registered",
    });
  }
  const set = await getCustodianSet(ctx, { setId: p.setId });
  assertSetUsable(set);
  const routes = await routeClients(set, p.custodians);
  const reachable = set.custodians.filter((c) => routes.byAddress.has(c.address));
  if (reachable.length < set.threshold) {
    const missing = set.custodians.filter((c) => !routes.byAddress.has(c.address)).map((c) => `${c.address} (index ${c.index})`);
    throw new SealshareError("CUSTODY_NOT_ENOUGH_CUSTODIANS", `only ${reachable.length} of the ${set.threshold} custodians needed answered; nothing was sent: no URL given answered as ${missing.join(", ")}`, {
      hint: "give the URL of each custodian of the set (--custodians), and check they are running",
      details: { setId: p.setId, threshold: set.threshold, reachable: reachable.map((c) => c.address), unreachable: routes.ignored },
    });
  }

  const [network, custodyAddress] = await Promise.all([providerOf(ctx).getNetwork(), custody.getAddress()]);
  const slot = { chainId: network.chainId, custody: custodyAddress, datasetId: p.datasetId, version: p.version, setId: p.setId };
  const shares = await splitDataKey(p.dek, { n: set.n, t: set.threshold });
  let pending: PendingShare[];
  let sharesRoot: string;
  try {
    const commitment = commitShares(slot, shares);
    sharesRoot = commitment.root;
    const wrapped = wrapShares(shares, set.custodians.map((c) => ({ custodian: c.address, publicKey: c.publicKey! })), commitment);
    pending = wrapped.map((w) => ({ datasetId: p.datasetId.toString(), version: p.version, setId: p.setId, custodian: w.custodian, index: w.index, wrappedShare: hexlify(w.wrapped), proof: w.proof }));
  } finally {
    for (const s of shares) s.fill(0);
  }

  const receipt = await sendCustodyTx(() => custodyWriter(ctx).depositShares(p.datasetId, p.version, p.setId, sharesRoot));
  const event = custodyEventsIn(ctx, receipt, "SharesDeposited")[0];
  const { delivered, undelivered } = await deliver(signer, pending, routes.byAddress, p.onProgress);
  return {
    ...txResult(receipt),
    datasetId: p.datasetId,
    version: p.version,
    setId: p.setId,
    threshold: set.threshold,
    n: set.n,
    sharesRoot,
    replacedSetId: event ? Number(event.replacedSetId) : 0,
    delivered,
    undelivered,
    ignoredUrls: routes.ignored,
    servable: delivered.length >= set.threshold,
  };
}

export interface RedeliverSharesParams {
  /** Shares that were not delivered (DepositSharesResult.undelivered[].pending). */
  shares: readonly PendingShare[];
  custodians: readonly CustodianClient[];
  onProgress?: (p: ShareDepositProgress) => void;
}

/**
 * Sends shares that could not be delivered earlier, exactly as they were dealt (with a fresh
 * signature), after checking on chain that the custody record still names their set and root
 * and is not shredded. Errors: `CUSTODY_SHARES_STALE` (the version moved to another set or was
 * shredded: these shares are worthless now), `NO_CUSTODY`.
 */
export async function redeliverShares(ctx: CustodyContext, p: RedeliverSharesParams): Promise<{ delivered: DeliveredShare[]; undelivered: UndeliveredShare[] }> {
  const signer = requireSigner(ctx);
  const custody = requireCustody(ctx);
  const sets = new Map<number, CustodianSetInfo>();
  for (const s of p.shares) {
    const record = await readCustody(() => custody.custodyOf(BigInt(s.datasetId), s.version));
    if (Number(record.setId) !== s.setId || record.shredded) {
      throw new SealshareError("CUSTODY_SHARES_STALE", `dataset #${s.datasetId} v${s.version} is ${record.shredded ? "shredded" : `served by set ${record.setId} now`}, not by set ${s.setId}: its pending shares are worthless`, {
        hint: "deposit the version's key again (`sealshare custody deposit` / `custody move`) instead",
      });
    }
    if (!sets.has(s.setId)) sets.set(s.setId, await getCustodianSet(ctx, { setId: s.setId }));
    const member = sets.get(s.setId)!.custodians[s.index];
    if (!member || member.address !== getAddress(s.custodian)) {
      throw new SealshareError("CUSTODY_SHARES_STALE", `set ${s.setId} has no custodian ${s.custodian} at index ${s.index}`, { hint: "this pending share does not belong to that set" });
    }
  }
  const routes = await routeClients(undefined, p.custodians);
  return deliver(signer, [...p.shares], routes.byAddress, p.onProgress);
}

interface Routes {
  byAddress: Map<string, CustodianClient>;
  ignored: { url: string; why: string }[];
}

/** Asks each URL which custodian it is; keeps those that name a member of `set` (any, when no set). */
async function routeClients(set: CustodianSetInfo | undefined, clients: readonly CustodianClient[]): Promise<Routes> {
  const byAddress = new Map<string, CustodianClient>();
  const ignored: { url: string; why: string }[] = [];
  const members = set ? new Set(set.custodians.map((c) => c.address)) : undefined;
  await Promise.all(
    clients.map(async (client) => {
      try {
        const address = getAddress((await client.info()).address);
        if (members && !members.has(address)) ignored.push({ url: client.baseUrl, why: `it names ${address}, not a custodian of set ${set!.setId}` });
        else if (byAddress.has(address)) ignored.push({ url: client.baseUrl, why: `another URL already names ${address}` });
        else byAddress.set(address, client);
      } catch (err) {
        ignored.push({ url: client.baseUrl, why: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  return { byAddress, ignored };
}

async function deliver(
  signer: ReturnType<typeof requireSigner>,
  shares: PendingShare[],
  byAddress: Map<string, CustodianClient>,
  onProgress?: (p: ShareDepositProgress) => void,
): Promise<{ delivered: DeliveredShare[]; undelivered: UndeliveredShare[] }> {
  const report = (x: ShareDepositProgress) => {
    try {
      onProgress?.(x);
    } catch {
      // a progress display must not change what is delivered
    }
  };
  const delivered: DeliveredShare[] = [];
  const undelivered: UndeliveredShare[] = [];
  await Promise.all(
    shares.map(async (s) => {
      const custodian = getAddress(s.custodian);
      const client = byAddress.get(custodian);
      if (!client) {
        const error = new SealshareError("CUSTODIAN_NO_URL", `no custodian URL given answers as ${custodian} (index ${s.index})`, {
          hint: "send this share later with `sealshare custody deposit --retry <pending file> --custodians <its URL>`",
        });
        report({ custodian, index: s.index, status: "no-url", error });
        undelivered.push({ custodian, index: s.index, error: { code: error.code, message: error.message }, pending: s });
        return;
      }
      report({ custodian, index: s.index, status: "sending" });
      try {
        const r = await depositWithRetry(client, signer, s);
        report({ custodian, index: s.index, status: r.created ? "stored" : "already-stored" });
        delivered.push({ custodian, index: s.index, created: r.created, url: client.baseUrl });
      } catch (err) {
        const error =
          err instanceof SealshareError
            ? err
            : new SealshareError("CUSTODIAN_UNREACHABLE", `custodian ${custodian} at ${client.baseUrl} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        report({ custodian, index: s.index, status: "failed", error });
        undelivered.push({ custodian, index: s.index, error: { code: error.code, message: error.message }, pending: s });
      }
    }),
  );
  const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;
  return { delivered: delivered.sort(byIndex), undelivered: undelivered.sort(byIndex) };
}

async function depositWithRetry(client: CustodianClient, signer: ReturnType<typeof requireSigner>, s: PendingShare) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.depositShare(signer, { datasetId: BigInt(s.datasetId), version: s.version, setId: s.setId, index: s.index, wrappedShare: s.wrappedShare, proof: s.proof });
    } catch (err) {
      // The custodian reads the custody record from its own node view, which may be a block behind ours.
      if (!(err instanceof SealshareError && err.code === "shares-not-committed") || attempt >= NOT_COMMITTED_RETRIES) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
