/**
 * The custodian's on-chain identity, checked and completed at startup:
 *  - the signing account must hold CUSTODIAN_ROLE (else nothing it records would be accepted);
 *  - its ECIES public key must be the live key of device `CUSTODIAN_DEVICE_ID`, so providers
 *    read it from the chain and wrap data keys to it. It is published (or rotated) if not, with
 *    the proof of possession the ledger requires (an EIP-712 KeyPossession signature by the
 *    ECIES key itself, sdk/crypto/key-possession.ts).
 */
import { getBytes, hexlify, id, type Provider } from "ethers";
import { CUSTODIAN_ROLE, type Sealshare } from "../../sdk/contracts.js";
import { keyPossessionProof } from "../../sdk/crypto/key-possession.js";
import { ledgerDomain } from "../../sdk/eip712.js";
import { FatalError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import { sleep } from "../internal/shutdown.js";
import { waitMined } from "../receipts/tx.js";

/** keccak256("sealshare-custodian"): the device id of the custodian's encryption key. */
export const CUSTODIAN_DEVICE_ID = id("sealshare-custodian");

export interface CustodianIdentity {
  address: string;
  chainId: string;
  ledger: string;
  encryptionKey: string; // 33-byte compressed secp256k1 point, 0x hex
  keyId: number; // the ledger's id of that key
}

export async function ensureIdentity(deps: {
  ledger: Sealshare;
  provider: Provider;
  address: string;
  chainId: string;
  encryptionPublicKey: Uint8Array;
  /** Its private key: signs the proof of possession the ledger requires to publish it. */
  encryptionPrivateKey: Uint8Array;
  log: Logger;
  pollMs: number;
  signal?: AbortSignal;
  /** False on a replica that does not lead: it waits for the leader to publish instead (default true). */
  publish?: boolean;
}): Promise<CustodianIdentity> {
  const { ledger, address, log } = deps;
  const ledgerAddress = await ledger.getAddress();
  if (!(await ledger.hasRole(CUSTODIAN_ROLE, address))) {
    throw new FatalError(
      `account ${address} does not hold CUSTODIAN_ROLE on ledger ${ledgerAddress}; an admin must grant it (grantRole(CUSTODIAN_ROLE, ${address}))`,
    );
  }
  const wanted = hexlify(deps.encryptionPublicKey);
  const liveKeyId = async () => {
    const id = Number(await ledger.currentKeyId(address, CUSTODIAN_DEVICE_ID));
    if (id === 0) return 0;
    const { publicKey, live } = await ledger.encryptionKey(id);
    return !live || hexlify(getBytes(publicKey)) !== wanted ? 0 : id;
  };
  let keyId = await liveKeyId();
  if (keyId === 0 && deps.publish === false) {
    log.info("waiting for the leading replica to publish the custodian's encryption key");
    while (keyId === 0) {
      if (deps.signal?.aborted) throw new FatalError("stopped while waiting for the custodian's encryption key");
      await sleep(Math.max(deps.pollMs, 200), deps.signal);
      keyId = await liveKeyId();
    }
  }
  if (keyId === 0) {
    // The ledger publishes a key only with proof that the publisher holds its private key.
    const proof = keyPossessionProof({ privateKey: deps.encryptionPrivateKey, owner: address, deviceId: CUSTODIAN_DEVICE_ID, domain: await ledgerDomain(ledger) });
    const tx = await ledger.publishEncryptionKey(CUSTODIAN_DEVICE_ID, proof.publicKey, proof.publicKeyY, proof.signature);
    await waitMined(deps.provider, tx.hash, deps.pollMs, deps.signal);
    keyId = Number(await ledger.currentKeyId(address, CUSTODIAN_DEVICE_ID));
    log.info({ keyId, tx: tx.hash }, "published the custodian's encryption key");
  }
  return { address, chainId: deps.chainId, ledger: ledgerAddress, encryptionKey: wanted, keyId };
}
