/**
 * Addresses typed on a command line. A mixed-case address carries an EIP-55 checksum: when it
 * does not match, a character was mistyped, and the command stops saying "checksum" (never
 * printing the "corrected" address: copying that would defeat the check). An all-lowercase (or
 * all-uppercase) address carries no checksum, so a typo would go unnoticed: the command goes on,
 * but one that is not a member of the ledger is warned about on stderr (see
 * `warnUncheckedAddresses`), since sending consent, data or a role to a mistyped address cannot
 * be undone.
 */
import { getAddress } from "ethers";
import { getMember } from "../../sdk/actions/get-member.js";
import { SealshareError } from "../../sdk/errors.js";
import type { Session } from "./session.js";

export interface ParsedAddress {
  /** Checksummed. */
  address: string;
  /** True when the text carried no checksum (all lowercase or all uppercase). */
  unchecked: boolean;
}

/** Errors: `INVALID_ADDRESS` (not 0x + 40 hex digits), `ADDRESS_CHECKSUM` (mixed case, wrong EIP-55 checksum). */
export function parseAddressText(text: string): ParsedAddress {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) {
    throw new SealshareError("INVALID_ADDRESS", `not an address: ${JSON.stringify(text)} (0x + 40 hex digits)`);
  }
  const digits = text.slice(2);
  const unchecked = digits === digits.toLowerCase() || digits === digits.toUpperCase();
  const address = getAddress(text.toLowerCase());
  if (!unchecked && address.slice(2) !== digits) {
    throw new SealshareError("ADDRESS_CHECKSUM", `${text} has a wrong checksum: its upper- and lower-case letters (EIP-55) do not match its digits, so a character was probably mistyped`, {
      hint: "copy the address again from where it came from (a wallet, the member list, `sealshare members list`); do not just change the case",
    });
  }
  return { address, unchecked };
}

/**
 * The sentence warned about an address given without a checksum that is not a registered
 * member, or undefined when it is one.
 */
export function uncheckedAddressWarning(address: string, registeredAt: number): string | undefined {
  if (registeredAt !== 0) return undefined;
  return `${address.toLowerCase()} has no checksum (it is not mixed-case) and is not a registered member of this ledger: check it for typos (a checksummed address, as a wallet copies it, would have caught one)`;
}

/**
 * Warns (stderr) about every address given without a checksum that is not a member on the
 * ledger. Only a warning: a subject, or an institution about to be registered, is rightly not a
 * member yet. Without a configured chain nothing is said (the command reports that itself).
 */
export async function warnUncheckedAddresses(session: Session, addresses: readonly string[]): Promise<void> {
  if (!addresses.length) return;
  let ctx;
  try {
    ctx = await session.ctx();
  } catch {
    return;
  }
  for (const a of new Set(addresses)) {
    const m = await getMember(ctx, { member: a }).catch(() => undefined);
    const line = m && uncheckedAddressWarning(a, m.registeredAt);
    if (line) session.out.warn(line);
  }
}
