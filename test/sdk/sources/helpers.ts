/** Shared by the data-source adapter tests: collect a pull, and expect a SourceError of a code. */
import { expect } from "chai";
import { Wallet } from "ethers";
import type { DataRecord } from "../../../sdk/convert/records.js";
import { SourceError, type SourceErrorCode } from "../../../sdk/sources/errors.js";
import type { DataSource, PullRequest } from "../../../sdk/sources/types.js";

/** Two subjects with fixed addresses (random wallets would change file names between runs). */
export const ANA = new Wallet("0x" + "11".repeat(32)).address;
export const BEN = new Wallet("0x" + "22".repeat(32)).address;

export function pullOf(subject: string, extra: Partial<PullRequest> = {}): PullRequest {
  return { subject, category: 0, sourceRef: "test/source", ...extra };
}

export async function collect(source: DataSource, request: PullRequest): Promise<DataRecord[]> {
  const out: DataRecord[] = [];
  for await (const r of source.pull(request)) out.push(r);
  return out;
}

/** Runs `f`; expects a SourceError with `code` (and `retryable` when given); returns it. */
export async function expectSourceError(f: () => Promise<unknown> | unknown, code: SourceErrorCode, retryable?: boolean): Promise<SourceError> {
  try {
    await f();
  } catch (err) {
    expect(err, String((err as Error)?.stack ?? err)).to.be.instanceOf(SourceError);
    const e = err as SourceError;
    expect(e.code, e.message).to.equal(code);
    if (retryable !== undefined) expect(e.retryable, `retryable for ${e.message}`).to.equal(retryable);
    return e;
  }
  expect.fail(`expected a SourceError ${code}`);
}
