/**
 * The provider deposits a dataset version's data key with the custodian: checked here against
 * the version's on-chain key commitment first (a wrong key fails fast, with no request sent),
 * then ECIES-wrapped to the custodian's published key and signed (EIP-712 KeyDeposit).
 *
 * @example
 * ```ts
 * const custodian = new CustodianClient(url, { chainId, ledger });
 * await depositKey(bankCtx, { custodian, datasetId: 1n, version: 1, dek });
 * ```
 */
import { SealshareError } from "../errors.js";
import type { CustodianClient, DepositKeyResult } from "../custodian-client.js";
import { verifyKeyCommitment } from "../stream/index.js";
import { readCall, requireSigner, type SealshareContext } from "./context.js";

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

/**
 * Errors: `KEY_COMMITMENT_MISMATCH` (local check), `DatasetsUnknownVersion`, custodian problems
 * (`not-provider`, `key-conflict`, …) as CustodianError.
 */
export async function depositKey(ctx: SealshareContext, p: DepositKeyParams): Promise<DepositKeyActionResult> {
  const signer = requireSigner(ctx);
  const v = await readCall(() => ctx.ledger.datasetVersion(p.datasetId, p.version));
  if (!verifyKeyCommitment(p.dek, v.ciphertextSha256, v.keyCommitment)) {
    throw new SealshareError("KEY_COMMITMENT_MISMATCH", `this is not the key registered for dataset #${p.datasetId} version ${p.version}`, {
      hint: "use the key file written when that version was registered",
    });
  }
  const info = await p.custodian.info();
  const result = await p.custodian.depositKey(signer, { datasetId: p.datasetId, version: p.version, dek: p.dek, custodianKey: info.encryptionKey });
  return { ...result, custodian: info.address };
}
