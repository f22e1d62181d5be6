/**
 * The provider deposits a dataset version's data key with the custodian: checked here against
 * the version's on-chain key commitment first (a wrong key fails fast, with no request sent),
 * then ECIES-wrapped to the custodian's key — only once the chain confirms that the account the
 * service names holds CUSTODIAN_ROLE and that the key is its live published key — and signed
 * (EIP-712 KeyDeposit).
 *
 * @example
 * ```ts
 * const custodian = new CustodianClient(url, { chainId, ledger });
 * await depositKey(bankCtx, { custodian, datasetId: 1n, version: 1, dek });
 * ```
 */
import { getAddress, getBytes, hexlify, id } from "ethers";
import { CUSTODIAN_ROLE } from "../contracts.js";
import { SealshareError } from "../errors.js";
import type { CustodianClient, DepositKeyResult } from "../custodian-client.js";
import { readCall, requireSigner, type SealshareContext } from "./context.js";
import { keyMatchesVersion } from "./key-binding.js";

/** The device id the custodian publishes its ECIES key under (service/keys/identity.ts). */
export const CUSTODIAN_DEVICE_ID = id("sealshare-custodian");

export interface DepositKeyParams {
  custodian: CustodianClient;
  datasetId: bigint;
  version: number;
  /** The 32-byte data key. Wrapped before it leaves this process. */
  dek: Uint8Array;
}

export interface DepositKeyActionResult extends DepositKeyResult {
  custodian: string;
}

/** The custodian's account and the encryption key deposits are wrapped to, as the chain has them. */
export interface VerifiedCustodianKey {
  address: string;
  /** 33-byte compressed key, 0x hex: the live key the custodian account published on chain. */
  encryptionKey: string;
  keyId: number;
}

/**
 * What `GET /v1/custodian` names, checked on chain before anything is wrapped to it: the address
 * must hold CUSTODIAN_ROLE, and the key must be that address's live encryption key for the
 * custodian device (`currentKeyId` + `encryptionKey`: owner, live, same bytes). The HTTP answer
 * alone is not trusted: whoever answers at the custodian URL could otherwise name a key of its
 * own and receive every data key deposited.
 *
 * Errors: `CUSTODIAN_NOT_AUTHORIZED` (no CUSTODIAN_ROLE), `CUSTODIAN_KEY_NOT_ON_CHAIN` (not its
 * live published key), `CUSTODIAN_WRONG_DEPLOYMENT`.
 */
export async function verifiedCustodianKey(ctx: SealshareContext, custodian: CustodianClient): Promise<VerifiedCustodianKey> {
  const info = await custodian.info();
  const address = getAddress(info.address);
  if (!(await readCall(() => ctx.ledger.hasRole(CUSTODIAN_ROLE, address)))) {
    throw new SealshareError("CUSTODIAN_NOT_AUTHORIZED", `the service at ${custodian.baseUrl} names ${address}, which does not hold the custodian role on this ledger; nothing was sent`, {
      hint: "point --custodian-url at this deployment's custodian",
    });
  }
  let offered: string;
  try {
    offered = hexlify(getBytes(info.encryptionKey)).toLowerCase();
  } catch {
    offered = "";
  }
  const keyId = Number(await readCall(() => ctx.ledger.currentKeyId(address, CUSTODIAN_DEVICE_ID)));
  const onChain = keyId === 0 ? undefined : await readCall(() => ctx.ledger.encryptionKey(keyId));
  const published = onChain ? hexlify(onChain.publicKey).toLowerCase() : undefined;
  if (!onChain || getAddress(onChain.owner) !== address || !onChain.live || published !== offered) {
    throw new SealshareError("CUSTODIAN_KEY_NOT_ON_CHAIN", `the service at ${custodian.baseUrl} offers an encryption key that is not ${address}'s live published key; nothing was sent`, {
      hint: "the custodian may be rotating its key (try again shortly); otherwise the service is not the custodian it claims to be: report it",
      details: { custodian: address, keyId },
    });
  }
  return { address, encryptionKey: published, keyId };
}

/**
 * Errors: `KEY_COMMITMENT_MISMATCH` (local check), `DatasetsUnknownVersion`,
 * `CUSTODIAN_NOT_AUTHORIZED` / `CUSTODIAN_KEY_NOT_ON_CHAIN` (the on-chain check of the
 * custodian's identity and key), custodian problems (`not-provider`, `key-conflict`, …) as
 * CustodianError.
 */
export async function depositKey(ctx: SealshareContext, p: DepositKeyParams): Promise<DepositKeyActionResult> {
  const signer = requireSigner(ctx);
  if (!(await keyMatchesVersion(ctx, p.dek, p.datasetId, p.version))) {
    throw new SealshareError("KEY_COMMITMENT_MISMATCH", `this is not the key registered for dataset #${p.datasetId} version ${p.version}`, {
      hint: "use the key file written when that version was registered",
    });
  }
  const custodian = await verifiedCustodianKey(ctx, p.custodian);
  const result = await p.custodian.depositKey(signer, { datasetId: p.datasetId, version: p.version, dek: p.dek, custodianKey: custodian.encryptionKey });
  return { ...result, custodian: custodian.address };
}
