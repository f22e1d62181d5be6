/**
 * {@link verifyLedger} for Node (the CLI, services, tests): the checks of ./verify-ledger.ts, with
 * stored blobs hashed by node:crypto's native SHA-256. Browsers import ./verify-ledger.ts.
 */
import { sha256OfStream } from "../stream/digest.js";
import { verifyLedger as verifyPortably, type VerifyOptions, type VerifyReport } from "./verify-ledger.js";

export type { CheckName, ReceiptProof, Violation, VerifyOptions, VerifyReport } from "./verify-ledger.js";
export { MAX_TEMPORARY_SECONDS } from "./verify-ledger.js";

export function verifyLedger(o: VerifyOptions): Promise<VerifyReport> {
  return verifyPortably({ sha256OfBlob: sha256OfStream, ...o });
}
