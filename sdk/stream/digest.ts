/**
 * Whole-content SHA-256 in 0x hex — the form ciphertext hashes take on chain and in blob URIs.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { ByteSource } from "./byte-reader.js";
import { toHex, type Hex } from "./hex.js";

/** SHA-256 of everything `source` yields, as 0x hex. Reads with constant memory. */
export async function sha256OfStream(source: ByteSource): Promise<Hex> {
  const hash = createHash("sha256");
  if (source instanceof Uint8Array) return toHex(hash.update(source).digest());
  for await (const piece of source as AsyncIterable<Uint8Array>) hash.update(piece);
  return toHex(hash.digest());
}

/** SHA-256 of the file at `path`, as 0x hex. */
export async function hashFile(path: string): Promise<Hex> {
  return sha256OfStream(createReadStream(path, { highWaterMark: 1024 * 1024 }));
}
