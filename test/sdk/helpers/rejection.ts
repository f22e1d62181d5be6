/** The SealshareError an SDK call rejects with; fails the test when it resolves or throws anything else. */
import { expect } from "chai";
import { SealshareError } from "../../../sdk/errors.js";

export async function rejection(promise: Promise<unknown>): Promise<SealshareError> {
  try {
    await promise;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(SealshareError);
    return err as SealshareError;
  }
  return expect.fail("expected a rejection");
}
