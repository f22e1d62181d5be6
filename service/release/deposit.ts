/**
 * Key deposit: a dataset's current provider hands the custodian the data key (DEK) of one
 * version, ECIES-wrapped to the custodian's published key and signed (EIP-712 `KeyDeposit`,
 * custodian domain, so bound to this chain and ledger).
 *
 * Checks, in order, each with its own problem code:
 *   issuedAt within ±maxSkew of now (401 bad-signature) → signature recovers (401) →
 *   the signer is the dataset's current provider on chain (404 unknown-dataset, 403 not-provider) →
 *   the version exists on chain (404 unknown-version) → the custodian can unwrap a 32-byte key
 *   (422 unwrap-failed) → a key already stored for the version is the same key (200, idempotent)
 *   or not (409 key-conflict) → keccak commitment(dek, ciphertextSha256) equals the version's
 *   on-chain keyCommitment (422 key-commitment-mismatch).
 * Then the DEK is sealed under the master key and stored, and releases waiting for it are woken.
 * The DEK is wiped from memory after use and never logged.
 */
import { getBytes, keccak256, verifyTypedData, getAddress, type TypedDataDomain } from "ethers";
import { KEY_DEPOSIT_TYPES } from "../../sdk/eip712.js";
import type { Sealshare } from "../../sdk/contracts.js";
import { unwrapKey } from "../../sdk/crypto/ecies.js";
import { keyCommitment } from "../../sdk/stream/commitment.js";
import { bytesEqual, type KeyBox } from "../internal/at-rest.js";
import { ProblemError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import type { Bell } from "../internal/shutdown.js";
import type { Store } from "../store/store.js";
import { revertName, upstreamProblem } from "./chain-errors.js";

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
  store: Store;
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
    try {
      const message = { datasetId, version, wrappedKeyHash: keccak256(req.wrappedKey), issuedAt: req.issuedAt };
      signer = getAddress(verifyTypedData(deps.domain, KEY_DEPOSIT_TYPES, message, req.signature));
    } catch {
      throw new ProblemError("bad-signature", "the KeyDeposit signature is malformed");
    }

    let provider: string;
    let ciphertextSha256: string;
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
      ciphertextSha256 = v.ciphertextSha256;
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

      const existing = await store.datasetKey(datasetId.toString(), version);
      if (existing) return sameKeyOrConflict(existing.sealed, dek, provider);

      if (keyCommitment(dek, ciphertextSha256).toLowerCase() !== onChainCommitment.toLowerCase()) {
        log.warn({ datasetId: datasetId.toString(), version, provider }, "deposit refused: key does not match the on-chain commitment");
        throw new ProblemError(
          "key-commitment-mismatch",
          `the key's commitment to the ciphertext does not equal the keyCommitment registered for dataset ${datasetId} v${version}`,
        );
      }
      const { created, woken } = await store.putDatasetKey({
        datasetId: datasetId.toString(),
        version,
        sealed: keyBox.seal(dek, datasetId, version),
        ciphertextSha256,
        keyCommitment: onChainCommitment,
        depositedBy: provider,
        depositedAt: deps.now(),
      });
      if (!created) {
        // Another deposit for this version won a race: answer as if it came first.
        const stored = await store.datasetKey(datasetId.toString(), version);
        return sameKeyOrConflict(stored!.sealed, dek, provider);
      }
      log.info({ datasetId: datasetId.toString(), version, provider, releasesWoken: woken }, "data key deposited");
      deps.bell.ring();
      return { datasetId: datasetId.toString(), version, created: true, provider };
    } finally {
      dek.fill(0);
    }

    function sameKeyOrConflict(sealed: Uint8Array, candidate: Uint8Array, by: string): DepositResult {
      const stored = keyBox.open(sealed, datasetId, version);
      try {
        if (!bytesEqual(stored, candidate)) {
          throw new ProblemError("key-conflict", `a different key is already deposited for dataset ${datasetId} v${version}`);
        }
        return { datasetId: datasetId.toString(), version, created: false, provider: by };
      } finally {
        stored.fill(0);
      }
    }
  };
}
