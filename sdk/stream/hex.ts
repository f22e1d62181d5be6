/**
 * 0x-prefixed hex, the encoding the chain and ethers use for bytes32 values. Digests leave the
 * SDK in this form so they can be compared with, and passed to, contract calls unchanged.
 *
 * Platform-neutral (no Buffer): the browser stream implementation (sdk/stream/web) uses it too.
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";

/** A 0x-prefixed lowercase hex string. */
export type Hex = `0x${string}`;

/** Encodes bytes as 0x-prefixed lowercase hex. */
export function toHex(bytes: Uint8Array): Hex {
  return `0x${bytesToHex(bytes)}`;
}

/** True when `value` is a 0x-prefixed 32-byte hex string (either case). */
export function isBytes32Hex(value: unknown): value is Hex {
  return typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value);
}

/**
 * Decodes 0x-prefixed hex, requiring an exact byte length so a truncated digest cannot slip
 * through as a shorter, still-valid-looking value.
 */
export function fromHex(value: string, byteLength: number): Uint8Array {
  if (!/^0x[0-9a-fA-F]*$/.test(value) || value.length !== 2 + byteLength * 2) {
    throw new TypeError(`expected 0x-prefixed hex of ${byteLength} bytes`);
  }
  return hexToBytes(value.slice(2));
}

/** Byte-wise equality. Not constant-time: use it for public values (digests, commitments) only. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
