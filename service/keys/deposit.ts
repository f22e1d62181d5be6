/**
 * Key deposit: a dataset's current provider hands the custodian the data key (DEK) of one
 * version, ECIES-wrapped to the custodian's published key and signed (EIP-712 `KeyDeposit`,
 * custodian domain, so bound to this chain and ledger).
 *
 * Checks, in order, each with its own problem code:
 *   issuedAt within ±maxSkew of now (401 bad-signature) → signature recovers (401) →
 *   the signer is the dataset's current provider on chain (404 unknown-dataset, 403 not-provider) →
 *   the version exists on chain (404 unknown-version) → the custodian can unwrap a 32-byte key
 *   (422 unwrap-failed) → the v2 commitment keyCommitment(dek, { chainId, ledger, datasetId,
 *   version, merkleRoot }) — this custodian's chain and ledger, the version's on-chain Merkle
 *   root — equals the version's on-chain keyCommitment (422 key-commitment-mismatch) → the
 *   signature was not used before (401 bad-signature, reason replayed) → stored.
 * A key copied from another dataset (its deposit body, a worker's checkpoint) fails the
 * commitment check even when the copier registered the same public commitment: the binding is
 * recomputed with the copier's own dataset id and version.
 * A key already stored for the version: the same key answers 200 (idempotent); a different one
 * that matches the commitment while the stored one does not (a stale deposit, e.g. made before a
 * reorg replaced the version) replaces it — only when the version read at the store's
 * finalized block carries the same commitment — and wakes the releases that waited or were
 * held for the mismatch; otherwise 409 key-conflict.
 * Signatures are single use: the KeyDeposit digest is recorded with the envelope requests'
 * replay guard (`consumeSignature`) until it would have expired anyway; a second use is 401.
 * Then the DEK is sealed under the master key and stored, and releases waiting for it are woken.
 * The DEK is wiped from memory after use and never logged.
 */
import { getBytes, keccak256, verifyTypedData, getAddress, TypedDataEncoder, type TypedDataDomain } from "ethers";
import { KEY_DEPOSIT_TYPES } from "../../sdk/eip712.js";
import type { Sealshare } from "../../sdk/contracts.js";
import { unwrapKey } from "../../sdk/crypto/ecies.js";
import { verifyKeyCommitment } from "../../sdk/stream/commitment.js";
import { bytesEqual, type KeyBox } from "./at-rest.js";
import { ProblemError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import type { Bell } from "../internal/shutdown.js";
import type { AuthStore, ReleaseStore, SyncStore } from "../store/store.js";
import { revertName, upstreamProblem } from "../http/chain-errors.js";

export interface DepositRequest {
  datasetId: bigint;
  version: number;
  wrappedKey: string; // 0x hex, eciesjs format, to the custodian's published key
  issuedAt: number; // unix seconds
  signature: string; // EIP-712 KeyDeposit by the dataset's current provider
}

export interface DepositResult {
  datasetId: string;
  version: number;
  created: boolean; // false: the same key was already deposited (idempotent repeat)
  provider: string;
}

export interface DepositDeps {
  ledger: Sealshare;
  store: Pick<ReleaseStore, "datasetKey" | "putDatasetKey" | "replaceDatasetKey"> & Pick<AuthStore, "consumeSignature"> & Pick<SyncStore, "syncState">;
  keyBox: KeyBox;
  eciesPrivateKey: Uint8Array;
  domain: TypedDataDomain;
  log: Logger;
  bell: Bell;
  now: () => number;
  maxSkewSeconds: number;
}

export type Depositor = (req: DepositRequest) => Promise<DepositResult>;

export function createDepositor(deps: DepositDeps): Depositor {
  const { ledger, store, keyBox, log } = deps;

  return async function deposit(req) {
    const { datasetId, version } = req;
    if (Math.abs(deps.now() - req.issuedAt) > deps.maxSkewSeconds) {
      throw new ProblemError("bad-signature", `issuedAt must be within ${deps.maxSkewSeconds} s of the custodian's clock`);
    }
    let signer: string;
    let digest: string;
    try {
      const message = { datasetId, version, wrappedKeyHash: keccak256(req.wrappedKey), issuedAt: req.issuedAt };
      signer = getAddress(verifyTypedData(deps.domain, KEY_DEPOSIT_TYPES, message, req.signature));
      // The digest, not the signature bytes: a malleated copy of a used signature has the same one.
      digest = TypedDataEncoder.hash(deps.domain, KEY_DEPOSIT_TYPES, message).toLowerCase();
    } catch {
      throw new ProblemError("bad-signature", "the KeyDeposit signature is malformed");
    }

    let provider: string;
    let merkleRoot: string;
    let onChainCommitment: string;
    try {
      provider = getAddress((await ledger.dataset(datasetId)).provider);
    } catch (err) {
      if (revertName(err) === "DatasetsUnknown") throw new ProblemError("unknown-dataset", `dataset ${datasetId} is not on the ledger`);
      upstreamProblem(err);
    }
    if (provider !== signer) {
      throw new ProblemError("not-provider", `the deposit was signed by ${signer}, not by the dataset's current provider`);
    }
    try {
      const v = await ledger.datasetVersion(datasetId, version);
      merkleRoot = v.merkleRoot;
      onChainCommitment = v.keyCommitment;
    } catch (err) {
      if (revertName(err) === "DatasetsUnknownVersion") {
        throw new ProblemError("unknown-version", `dataset ${datasetId} has no version ${version}`);
      }
      upstreamProblem(err);
    }

    let dek: Uint8Array;
    try {
      dek = unwrapKey(deps.eciesPrivateKey, getBytes(req.wrappedKey));
    } catch {
      throw new ProblemError("unwrap-failed", "the wrapped key does not open with the custodian's published encryption key");
    }
    try {
      if (dek.byteLength !== 32) throw new ProblemError("unwrap-failed", "the wrapped key is not a 32-byte data key");

      const binding = { chainId: BigInt(deps.domain.chainId!), ledger: String(deps.domain.verifyingContract), datasetId, version };
      if (!verifyKeyCommitment(dek, { ...binding, merkleRoot }, onChainCommitment)) {
        log.warn({ datasetId: datasetId.toString(), version, provider }, "deposit refused: key does not match the on-chain commitment");
        throw new ProblemError(
          "key-commitment-mismatch",
          `the key's commitment (chain, ledger, dataset ${datasetId}, version ${version}, Merkle root) does not equal the keyCommitment registered for dataset ${datasetId} v${version}`,
        );
      }
      // Single use, like the envelope requests' signatures; consumed only once the signer is known
      // to be the provider and the key to be right, so nobody else can burn it.
      if (!(await store.consumeSignature(digest, req.issuedAt + deps.maxSkewSeconds, deps.now()))) {
        throw new ProblemError("bad-signature", "this signed deposit was already used; sign a new one", { reason: "replayed" });
      }
      const record = {
        datasetId: datasetId.toString(),
        version,
        sealed: keyBox.seal(dek, datasetId, version),
        keyCommitment: onChainCommitment,
        merkleRoot,
        depositedBy: provider,
        depositedAt: deps.now(),
      };
      const { created, woken } = await store.putDatasetKey(record);
      if (!created) {
        // A key is stored already (maybe another deposit won a race): the same one is an idempotent
        // repeat; a stale one that does not match the commitment is replaced.
        const stored = await store.datasetKey(datasetId.toString(), version);
        const opened = keyBox.open(stored!.sealed, datasetId, version);
        let same: boolean;
        let storedMatches: boolean;
        try {
          same = bytesEqual(opened, dek);
          storedMatches =
            !same && stored!.merkleRoot !== null && verifyKeyCommitment(opened, { ...binding, merkleRoot: stored!.merkleRoot }, onChainCommitment);
        } finally {
          opened.fill(0);
        }
        if (same) return { datasetId: datasetId.toString(), version, created: false, provider };
        if (storedMatches || !(await finalCommitmentIs(onChainCommitment))) {
          throw new ProblemError("key-conflict", `a different key is already deposited for dataset ${datasetId} v${version}`);
        }
        const r = await store.replaceDatasetKey(record, stored!.sealed);
        if (!r.replaced) throw new ProblemError("key-conflict", `another key was deposited for dataset ${datasetId} v${version} meanwhile; retry`);
        log.warn(
          { datasetId: datasetId.toString(), version, provider, releasesWoken: r.woken },
          "stored data key did not match the on-chain commitment; replaced by a deposit that does",
        );
        deps.bell.ring();
        return { datasetId: datasetId.toString(), version, created: true, provider };
      }
      log.info({ datasetId: datasetId.toString(), version, provider, releasesWoken: woken }, "data key deposited");
      deps.bell.ring();
      return { datasetId: datasetId.toString(), version, created: true, provider };
    } finally {
      dek.fill(0);
    }

    /** True when the version, read at the store's finalized block, carries `commitment` (not a branch that may vanish). */
    async function finalCommitmentIs(commitment: string): Promise<boolean> {
      const { finalized } = await store.syncState();
      try {
        const v = await ledger.datasetVersion(datasetId, version, { blockTag: finalized });
        return v.keyCommitment.toLowerCase() === commitment.toLowerCase();
      } catch (err) {
        if (revertName(err) === "DatasetsUnknownVersion" || revertName(err) === "DatasetsUnknown") return false;
        upstreamProblem(err);
      }
    }
  };
}
