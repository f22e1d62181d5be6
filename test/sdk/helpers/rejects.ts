/** Test helpers for SDK calls that must fail with a SealshareError. */
import { expect } from "chai";
import { SealshareError } from "../../../sdk/errors.js";

/** The SealshareError `promise` rejects with; fails the test when it resolves or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<SealshareError> {
  try {
    await promise;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(SealshareError);
    return err as SealshareError;
  }
  return expect.fail("expected a rejection");
}

/** Awaits `p`, expecting it to reject with a SealshareError of `code`; returns the error for more checks. */
export async function rejects(p: Promise<unknown>, code: string): Promise<SealshareError> {
  const err = await rejection(p);
  expect(err.code, err.message).to.equal(code);
  return err;
}
