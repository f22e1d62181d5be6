/**
 * Share deposit (threshold custody, contracts/interfaces/ICustody.sol): a dataset's current
 * provider hands this custodian its Shamir share of one version's data key — ECIES-wrapped to the
 * custodian's published key, with the share leaf's Merkle proof — signed (EIP-712 `ShareDeposit`,
 * custodian domain, so bound to this chain and ledger).
 *
 * Checks, in order, each with its own problem code:
 *   issuedAt within ±maxSkew of now (401 bad-signature) → signature recovers (401) →
 *   the signer is the dataset's current provider on chain (404 unknown-dataset, 403 not-provider) →
 *   the version's custody record (`custodyOf`) names `setId` (409 shares-not-committed) and is not
 *   shredded, nor was (dataset, version, set) shredded here (410 shares-shredded) →
 *   this custodian's address is at `index` of that set (`custodianSet`; 403 wrong-share-index) →
 *   the wrapped share opens with this custodian's ECIES key (422 unwrap-failed) →
 *   the leaf [chainId, custody, datasetId, version, setId, index, keccak256(share)] verifies with the
 *   proof against the on-chain sharesRoot (sdk/threshold/commitment.ts; 422 share-proof-invalid) →
 *   the signature was not used before (401 bad-signature, reason replayed) →
 *   sealed under the master key (bound to dataset, version, set and index) and stored.
 * The same share again answers 200 (idempotent); a different one for the same slot is 409
 * share-conflict (it cannot verify against the same root, barring a hash collision).
 * Only the share is ever held — never a whole key — and it is wiped from memory after use and
 * never logged. Releases of the version waiting for their key are woken.
 */
import { getAddress, getBytes, keccak256, TypedDataEncoder, verifyTypedData, type TypedDataDomain } from "ethers";
import { proofHash, SHARE_DEPOSIT_TYPES } from "../../sdk/eip712.js";
import type { Sealshare } from "../../sdk/contracts.js";
import { unwrapKey } from "../../sdk/crypto/ecies.js";
import { bytesEqual, type KeyBox } from "./at-rest.js";
import { ProblemError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import type { Bell } from "../internal/shutdown.js";
import type { AuthStore, ShareStore } from "../store/store.js";
import { revertName, upstreamProblem } from "../http/chain-errors.js";
import type { Custody } from "../custody/contract.js";
import { verifyShareInSlot } from "../../sdk/threshold/commitment.js";

export interface ShareDepositRequest {
  datasetId: bigint;
  version: number;
  setId: number;
  index: number;
  wrappedShare: string; // 0x hex, eciesjs format, to the custodian's published key
  proof: string[]; // bytes32 hex each
  issuedAt: number;
  signature: string; // EIP-712 ShareDeposit by the dataset's current provider
}

export interface ShareDepositResult {
  datasetId: string;
  version: number;
  setId: number;
  index: number;
  created: boolean;
  provider: string;
}

export interface ShareDepositDeps {
  ledger: Sealshare;
  /** Undefined when the deployment names no custody contract: every deposit is refused. */
  custody: Custody | undefined;
  /** This custodian's account (must be at `index` of the set). */
  self: () => string | undefined;
  store: Pick<ShareStore, "share" | "putShare" | "shredded"> & Pick<AuthStore, "consumeSignature">;
  keyBox: KeyBox;
  eciesPrivateKey: Uint8Array;
  domain: TypedDataDomain;
  log: Logger;
  bell: Bell;
  now: () => number;
  maxSkewSeconds: number;
}

export type ShareDepositor = (req: ShareDepositRequest) => Promise<ShareDepositResult>;

/** What a share is sealed under besides its dataset and version (service/keys/at-rest.ts `aad`). */
export const shareContext = (setId: number, index: number) => `share|${setId}|${index}`;

export function createShareDepositor(deps: ShareDepositDeps): ShareDepositor {
  const { ledger, store, keyBox, log } = deps;

  return async function depositShare(req) {
    const { datasetId, version, setId, index } = req;
    const custody = deps.custody;
    if (!custody) throw new ProblemError("custody-not-configured", "this custodian's deployment names no custody contract; deposit the whole key instead (POST /v1/keys)");
    const self = deps.self();
    if (!self) throw new ProblemError("upstream-unavailable", "the custodian is still starting");
    if (Math.abs(deps.now() - req.issuedAt) > deps.maxSkewSeconds) {
      throw new ProblemError("bad-signature", `issuedAt must be within ${deps.maxSkewSeconds} s of the custodian's clock`, { reason: "outside-window" });
    }
    let signer: string;
    let digest: string;
    try {
      const message = { datasetId, version, setId, index, wrappedShareHash: keccak256(req.wrappedShare), proofHash: proofHash(req.proof), issuedAt: req.issuedAt };
      signer = getAddress(verifyTypedData(deps.domain, SHARE_DEPOSIT_TYPES, message, req.signature));
      digest = TypedDataEncoder.hash(deps.domain, SHARE_DEPOSIT_TYPES, message).toLowerCase();
    } catch {
      throw new ProblemError("bad-signature", "the ShareDeposit signature is malformed", { reason: "malformed" });
    }

    let provider: string;
    try {
      provider = getAddress((await ledger.dataset(datasetId)).provider);
    } catch (err) {
      if (revertName(err) === "DatasetsUnknown") throw new ProblemError("unknown-dataset", `dataset ${datasetId} is not on the ledger`);
      upstreamProblem(err);
    }
    if (provider !== signer) throw new ProblemError("not-provider", `the deposit was signed by ${signer}, not by the dataset's current provider`);

    let record: Awaited<ReturnType<Custody["custodyOf"]>>;
    let custodians: string[];
    try {
      record = await custody.custodyOf(datasetId, version);
    } catch (err) {
      upstreamProblem(err);
    }
    if (Number(record.setId) !== setId) {
      throw new ProblemError(
        "shares-not-committed",
        Number(record.setId) === 0
          ? `no shares of dataset ${datasetId} v${version} are deposited on the custody contract; call depositShares first`
          : `the custody contract says set ${record.setId} serves dataset ${datasetId} v${version}, not set ${setId}`,
      );
    }
    if (record.shredded || (await store.shredded(datasetId.toString(), version, setId))) {
      throw new ProblemError("shares-shredded", `the shares of dataset ${datasetId} v${version} held by set ${setId} were ordered shredded`);
    }
    try {
      custodians = (await custody.custodianSet(setId)).custodians.map((c) => getAddress(c));
    } catch (err) {
      upstreamProblem(err);
    }
    if (custodians[index] !== getAddress(self)) {
      throw new ProblemError("wrong-share-index", `custodian ${self} is not at index ${index} of set ${setId}`, {
        ...(custodians.includes(getAddress(self)) ? { expectedIndex: custodians.indexOf(getAddress(self)) } : {}),
      });
    }

    let share: Uint8Array;
    try {
      share = unwrapKey(deps.eciesPrivateKey, getBytes(req.wrappedShare));
    } catch {
      throw new ProblemError("unwrap-failed", "the wrapped share does not open with the custodian's published encryption key");
    }
    try {
      const slot = { chainId: BigInt(deps.domain.chainId!), custody: await custody.getAddress(), datasetId, version, setId };
      if (!verifyShareInSlot(record.sharesRoot, slot, index, share, req.proof)) {
        log.warn({ datasetId: datasetId.toString(), version, setId, index, provider }, "share deposit refused: the share does not verify against the on-chain shares root");
        throw new ProblemError(
          "share-proof-invalid",
          `the share's leaf (chain, custody contract, dataset ${datasetId}, version ${version}, set ${setId}, index ${index}) does not verify against the on-chain sharesRoot with this proof`,
        );
      }
      if (!(await store.consumeSignature(digest, req.issuedAt + deps.maxSkewSeconds, deps.now()))) {
        throw new ProblemError("bad-signature", "this signed deposit was already used; sign a new one", { reason: "replayed" });
      }
      const context = shareContext(setId, index);
      const stored = {
        datasetId: datasetId.toString(),
        version,
        setId,
        index,
        sealed: keyBox.seal(share, datasetId, version, context),
        proof: req.proof,
        sharesRoot: record.sharesRoot,
        depositedBy: provider,
        depositedAt: deps.now(),
      };
      const put = await store.putShare(stored);
      if (put.shredded) throw new ProblemError("shares-shredded", `the shares of dataset ${datasetId} v${version} held by set ${setId} were shredded here`);
      if (!put.created) {
        const existing = await store.share(datasetId.toString(), version, setId);
        if (!existing) throw new ProblemError("share-conflict", `the share of dataset ${datasetId} v${version} set ${setId} changed meanwhile; retry`);
        const opened = keyBox.open(existing.sealed, datasetId, version, shareContext(existing.setId, existing.index));
        try {
          if (!bytesEqual(opened, share)) throw new ProblemError("share-conflict", `a different share is already stored for dataset ${datasetId} v${version} set ${setId}`);
        } finally {
          opened.fill(0);
        }
        return { datasetId: datasetId.toString(), version, setId, index, created: false, provider };
      }
      log.info({ datasetId: datasetId.toString(), version, setId, index, provider, releasesWoken: put.woken }, "key share deposited");
      deps.bell.ring();
      return { datasetId: datasetId.toString(), version, setId, index, created: true, provider };
    } finally {
      share.fill(0);
    }
  };
}
