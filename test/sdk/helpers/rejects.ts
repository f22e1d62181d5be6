/** Awaits `p`, expecting it to reject with a SealshareError of `code`; returns the error for more checks. */
import { expect } from "chai";
import type { SealshareError } from "../../../sdk/errors.js";

export async function rejects(p: Promise<unknown>, code: string): Promise<SealshareError> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as SealshareError | undefined;
  expect(err, `expected a rejection with ${code}`).to.be.instanceOf(Error);
  expect(err!.code, err!.message).to.equal(code);
  return err!;
}
